"""Text encodings of CSV exports: UTF-8 unless a mapping says otherwise.

DuckDB's CSV reader is given UTF-8. An export in another encoding named by its mapping
(Windows-1252, what Excel on Windows writes as "CSV"; Latin-1; UTF-16) is decoded by Python
and written again as UTF-8 into the workspace's private scratch folder, read from there, then
deleted (DuckDB's own Latin-1 decoding refuses the bytes 0x80-0x9F, where Windows-1252 keeps
the euro sign, curly quotes and dashes). The export is still named and hashed as given.
A file that is not valid text in its encoding is refused as a whole, with the line, the
encoding and the mapping key that fixes it; nothing is stored.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import BinaryIO

import duckdb

from integritas.ingest.errors import IngestError

UTF8 = "utf-8"
# Python's codec name -> the name a mapping's encoding is normalised to.
SUPPORTED = {
    "utf-8": UTF8,
    "ascii": UTF8,
    "utf-8-sig": UTF8,  # DuckDB skips the byte-order mark itself
    "utf-16": "utf-16",
    "iso8859-1": "latin-1",
    "cp1252": "windows-1252",
}
NEWLINE = b"\n"
ADVICE = (
    "if the system writes another encoding, name it in a mapping: "
    "'encoding: windows-1252' (Excel on Windows), 'latin-1' or 'utf-16'"
)


def normalise(name: str) -> str | None:
    """The supported encoding ``name`` stands for (any spelling Python knows), else None."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return SUPPORTED.get(info.name)


def not_text(exc: duckdb.Error) -> str | None:
    """The reason for a DuckDB error that is a file not being UTF-8, else None."""
    if "Invalid unicode" not in str(exc):
        return None
    return f"not valid {UTF8} text; {ADVICE}"


def transcode(path: Path, encoding: str, dest: Path) -> None:
    """Write the text of ``path``, in ``encoding``, to ``dest`` as UTF-8 (4 MB at a time)."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private, like the spill
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as out:
            _copy(path, encoding, src, out)
    except BaseException:
        dest.unlink(missing_ok=True)  # no half copy left behind
        raise


def _copy(path: Path, encoding: str, src: BinaryIO, out: BinaryIO) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    while chunk := src.read(1 << 22):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            at = line + chunk.count(NEWLINE, 0, max(exc.start, 0))
            raise IngestError(
                f"{path.name}: not valid {encoding} text (line {at}: {exc.reason}); {ADVICE}"
            ) from None
        line += text.count("\n")
        out.write(text.encode())
    try:
        out.write(decoder.decode(b"", final=True).encode())
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path.name}: not valid {encoding} text (the end: {exc.reason})"
        ) from None
