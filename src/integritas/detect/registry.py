"""Rule and suppressor registries: declared once, duplicates rejected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from integritas.detect.models import Rule


class RegistryError(ValueError):
    """A declaration clashes with, or refers to something missing from, a registry."""


class RuleRegistry:
    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        if rule.name in self._rules:
            raise RegistryError(f"rule {rule.name!r} is already declared")
        self._rules[rule.name] = rule
        return rule

    def __getitem__(self, name: str) -> Rule:
        try:
            return self._rules[name]
        except KeyError:
            raise KeyError(f"no rule named {name!r}") from None

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda r: (r.tier, r.name)))

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, name: object) -> bool:
        return name in self._rules


# A suppressor receives the DuckDB connection (curated views registered) and the name of a
# relation of candidate hits (person_id, period_start, period_end) and returns SQL selecting
# (person_id, period_start, reason) for the hits it explains away.
SuppressorFn = Callable[[Any, str], str]


@dataclass(frozen=True)
class Suppressor:
    name: str
    description: str
    reads: tuple[str, ...]
    sql: SuppressorFn


class SuppressorRegistry:
    def __init__(self) -> None:
        self._items: dict[str, Suppressor] = {}

    def register(
        self, name: str, *, description: str, reads: tuple[str, ...]
    ) -> Callable[[SuppressorFn], SuppressorFn]:
        def deco(fn: SuppressorFn) -> SuppressorFn:
            if name in self._items:
                raise RegistryError(f"suppressor {name!r} is already declared")
            self._items[name] = Suppressor(name, description, reads, fn)
            return fn

        return deco

    def __getitem__(self, name: str) -> Suppressor:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"no suppressor named {name!r}") from None

    def __iter__(self) -> Iterator[Suppressor]:
        return iter(sorted(self._items.values(), key=lambda s: s.name))


RULES = RuleRegistry()
SUPPRESSORS = SuppressorRegistry()
