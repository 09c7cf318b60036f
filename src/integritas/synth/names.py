"""Shipped British name frequency lists and a small nickname table (no downloads)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")

# The shipped surname list holds the most common British surnames with their relative
# frequencies; in Britain they cover about a quarter of people, the rest sharing a long tail
# (~270,000 surnames). Without a tail every fourth person would be a Smith, Jones or Williams
# to someone, and namesakes (which linkage must tell apart) would be ~4x as common as they
# are. The tail is generated: most English surnames are a place or landscape element and a
# suffix (Ashworth, Blackwell, Stoneham), so compounds of the two stand in for it.
SHIPPED_SURNAME_SHARE = 0.25
_HEADS = (
    "Ash", "Black", "Brad", "Brom", "Card", "Chad", "Chester", "Clif", "Col", "Craw", "Dal",
    "Dun", "Elm", "Fair", "Farn", "Gold", "Green", "Hal", "Hart", "Haw", "Heath", "Hol",
    "Horn", "Hun", "Kings", "Lang", "Lind", "Marl", "Mid", "Mill", "Moor", "New", "Nor",
    "Oak", "Pen", "Rad", "Red", "Ring", "Rock", "Roth", "Rush", "Sal", "Shel", "Stan",
    "Stock", "Stone", "Sud", "Sut", "Thorn", "Tre", "Wake", "Wal", "War", "Wes", "Whit",
    "Wick", "Wil", "Win", "Wood", "Wor", "Brent", "Bur", "Eller", "Hather", "Ashen",
)  # fmt: skip
_TAILS = (
    "ley", "ton", "worth", "ham", "field", "ford", "by", "wood", "well", "more", "bridge",
    "cott", "hurst", "stead", "wick", "dale", "don", "combe", "thwaite", "land", "brook",
    "gate", "borough", "den",
)  # fmt: skip


def _surname_tail(shipped: set[str]) -> np.ndarray:
    """Generated surnames not in the shipped list, in a fixed pseudo-random order."""
    names = sorted({h + t for h in _HEADS for t in _TAILS} - shipped)
    order = np.random.default_rng(1066).permutation(len(names))
    return np.array([names[i] for i in order], dtype=object)


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

    head, head_p = arr(sur, "surname")
    tail = _surname_tail(set(head))
    tail_w = 1.0 / (np.arange(len(tail)) + 1000.0)  # gently falling: 0.07% to 0.03% each
    s = np.concatenate([head, tail])
    sp = np.concatenate(
        [head_p * SHIPPED_SURNAME_SHARE, tail_w / tail_w.sum() * (1 - SHIPPED_SURNAME_SHARE)]
    )
    f, fp = arr([r for r in fore if r["sex"] == "female"], "forename")
    m, mp = arr([r for r in fore if r["sex"] == "male"], "forename")
    return NameLists(s, sp, f, fp, m, mp, {k: tuple(v) for k, v in sorted(nick.items())})


def nickname_table() -> dict[str, tuple[str, ...]]:
    """Formal forename -> short forms used by the generator (for linkage to merge)."""
    return name_lists().nicknames
