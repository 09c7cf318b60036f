"""Errors raised for bad outside input: always a message, never a traceback."""

from __future__ import annotations


class IngestError(Exception):
    """An export, mapping or option cannot be ingested; ``problems`` lists every reason."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
