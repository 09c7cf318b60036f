"""Shipped British name frequency lists and a small nickname table (no downloads)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class NameLists:
    surnames: np.ndarray  # object array of str
    surname_p: np.ndarray
    female: np.ndarray
    female_p: np.ndarray
    male: np.ndarray
    male_p: np.ndarray
    nicknames: dict[str, tuple[str, ...]]


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def name_lists() -> NameLists:
    sur = _read("surnames.csv")
    fore = _read("forenames.csv")
    nick: dict[str, list[str]] = {}
    for row in _read("nicknames.csv"):
        nick.setdefault(row["name"], []).append(row["variant"])

    def arr(rows: list[dict[str, str]], key: str) -> tuple[np.ndarray, np.ndarray]:
        names = np.array([r[key] for r in rows], dtype=object)
        w = np.array([float(r["weight"]) for r in rows])
        return names, w / w.sum()

    s, sp = arr(sur, "surname")
    f, fp = arr([r for r in fore if r["sex"] == "female"], "forename")
    m, mp = arr([r for r in fore if r["sex"] == "male"], "forename")
    return NameLists(s, sp, f, fp, m, mp, {k: tuple(v) for k, v in sorted(nick.items())})


def nickname_table() -> dict[str, tuple[str, ...]]:
    """Formal forename -> short forms used by the generator (for linkage to merge)."""
    return name_lists().nicknames
