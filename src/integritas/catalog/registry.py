"""Load and look up declared sources. The registry rejects duplicate names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from integritas.catalog.models import Source

# libyaml's safe loader when present (several times faster), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SOURCES_DIR = Path(__file__).with_name("sources")


class CatalogError(Exception):
    """One or more declared sources are invalid; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("catalog is invalid:\n" + "\n".join(f"  - {p}" for p in problems))


class Catalog(Mapping[str, Source]):
    """Frozen mapping of source name to Source."""

    def __init__(self, sources: list[Source]) -> None:
        self._sources: dict[str, Source] = {}
        dupes = []
        for s in sources:
            if s.name in self._sources:
                dupes.append(f"source {s.name!r} is declared twice")
            self._sources[s.name] = s
        if dupes:
            raise CatalogError(dupes)

    def __getitem__(self, name: str) -> Source:
        try:
            return self._sources[name]
        except KeyError:
            known = ", ".join(sorted(self._sources))
            raise KeyError(f"no source named {name!r}; declared sources: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._sources))

    def __len__(self) -> int:
        return len(self._sources)


def load_sources(folder: Path = SOURCES_DIR) -> Catalog:
    """Read every ``*.yaml`` in ``folder``; collect every problem before raising."""
    sources: list[Source] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except yaml.YAMLError as exc:
            problems.append(f"{path.name}: not valid YAML: {exc}")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{path.name}: expected a mapping at the top level")
            continue
        try:
            sources.append(Source.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(source)"
                problems.append(f"{path.name}: {loc}: {err['msg']}")
    if problems:
        raise CatalogError(problems)
    return Catalog(sources)


@cache
def catalog() -> Catalog:
    """The shipped catalog, loaded once."""
    return load_sources()
