"""British/English forename short forms (Bob/Robert, Liz/Elizabeth, Mo/Mohammed…).

The table ``data/nicknames.csv`` was written for the project (columns ``name,variant``): each
row says that ``variant`` is a short form, pet form or spelling variant of ``name``. It is read
once and cached; the relation is made symmetric and lower-case.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

_CLEAN = re.compile(r"[^a-z\-' ]")


def _norm(name: str) -> str:
    return " ".join(_CLEAN.sub("", name.lower()).split())


@lru_cache(maxsize=1)
def _pairs() -> tuple[tuple[str, str], ...]:
    text = resources.files("integritas.linkage").joinpath("data/nicknames.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    out: list[tuple[str, str]] = []
    for row in rows:
        name, variant = _norm(row["name"]), _norm(row["variant"])
        if name and variant and name != variant:
            out.append((name, variant))
    return tuple(out)


@lru_cache(maxsize=1)
def load_nicknames() -> dict[str, frozenset[str]]:
    """Every known name mapped to the names it is a short form of or has as short forms."""
    related: dict[str, set[str]] = {}
    for name, variant in _pairs():
        related.setdefault(name, set()).add(variant)
        related.setdefault(variant, set()).add(name)
    return {k: frozenset(v) for k, v in related.items()}


@lru_cache(maxsize=1)
def _canonical_map() -> dict[str, str]:
    full_names = {name for name, _ in _pairs()}
    mapping: dict[str, str] = {n: n for n in full_names}
    # A short form shared by several full names (Tony: Anthony/Antony) maps to the
    # alphabetically first, so the mapping is deterministic across runs.
    for name, variant in sorted(_pairs()):
        if variant not in full_names and variant not in mapping:
            mapping[variant] = name
    return mapping


def canonical_forename(name: str) -> str:
    """The full form of ``name`` (``"Bob"`` -> ``"robert"``); unknown names come back normalised."""
    norm = _norm(name)
    return _canonical_map().get(norm, norm)


def canonical_table() -> list[tuple[str, str]]:
    """``(name, canonical)`` rows for every known name, for joining inside SQL engines."""
    return sorted(_canonical_map().items())


@lru_cache(maxsize=1)
def _family_map() -> dict[str, tuple[str, ...]]:
    full_names = {name for name, _ in _pairs()}
    family: dict[str, set[str]] = {n: {n} for n in full_names}
    for name, variant in _pairs():
        family.setdefault(variant, set()).add(name)
    return {k: tuple(sorted(v)) for k, v in family.items()}


def forename_family(name: str) -> tuple[str, ...]:
    """The full names ``name`` can stand for, itself included when it is one: ``"Jon"`` ->
    ``("john", "jonathan")``. Two forenames are short forms of each other when their
    families share a name; a single canonical form cannot say that for a short form of
    several names (Jon is John's and Jonathan's). Unknown names are their own family."""
    norm = _norm(name)
    return _family_map().get(norm, (norm,))


def family_table() -> list[tuple[str, tuple[str, ...]]]:
    """``(name, family)`` rows for every known name, for joining inside SQL engines."""
    return sorted(_family_map().items())
