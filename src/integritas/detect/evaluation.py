"""Score flags against a synthetic force's ground truth, next to two baselines.

Ground truth (``ground_truth.csv`` from ``integritas synth``) lists staff number, scenario,
start, end and kind (misconduct | welfare | benign). Staff numbers are pseudonymised with the
workspace key before comparison, exactly as ingest does, so the truth never needs raw ids in
the warehouse.

- **Recall per misconduct scenario**: share of planted instances where the person has at least
  one tertiary flag whose period overlaps the instance window.
- **Tertiary precision**: share of tertiary flags whose person has a misconduct instance
  overlapping the flag's period.
- **Benign false-positive rate**: share of people planted only as benign look-alikes (no
  misconduct) who got any tertiary flag.
- **Secondary precision at k**: share of the k highest-ranked secondary flags (by robust z, then
  value) on people with a welfare instance overlapping the flag's period.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path


@dataclass(frozen=True)
class TruthRow:
    person_id: str
    scenario: str
    start: date
    end: date
    kind: str


@dataclass(frozen=True)
class ScoredFlag:
    """The part of a flag evaluation needs; baselines produce these too."""

    person_id: str
    tier: str
    period_start: date
    period_end: date
    rank_key: float = 0.0
    rule: str = ""


@dataclass
class Score:
    name: str
    recall: dict[str, float] = field(default_factory=dict)
    instances: dict[str, int] = field(default_factory=dict)
    tertiary_flags: int = 0
    tertiary_precision: float | None = None
    benign_people: int = 0
    benign_fpr: float | None = None
    secondary_k: int = 0
    secondary_precision_at_k: float | None = None


class TruthFileError(ValueError):
    pass


def read_truth(path: Path, to_person: Callable[[str], str]) -> list[TruthRow]:
    """Read ground truth; every bad row is reported at once with its line number."""
    rows: list[TruthRow] = []
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = {"staff_number", "scenario", "start", "end", "kind"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise TruthFileError(f"{path}: missing columns {sorted(missing)}")
        for line, rec in enumerate(reader, start=2):
            try:
                rows.append(
                    TruthRow(
                        person_id=to_person(rec["staff_number"]),
                        scenario=rec["scenario"],
                        start=date.fromisoformat(rec["start"][:10]),
                        end=date.fromisoformat(rec["end"][:10]),
                        kind=rec["kind"],
                    )
                )
            except (ValueError, TypeError) as exc:
                problems.append(f"{path}:{line}: {exc}")
    if problems:
        raise TruthFileError("\n".join(problems))
    return rows


def _overlaps(a0: date, a1: date, b0: date, b1: date, slack: timedelta) -> bool:
    return a0 <= b1 + slack and b0 <= a1 + slack


def score(
    name: str,
    flags: Sequence[ScoredFlag],
    truth: Iterable[TruthRow],
    *,
    k: int = 50,
    slack_days: int = 0,
) -> Score:
    slack = timedelta(days=slack_days)
    truth = list(truth)
    by_person: dict[str, list[TruthRow]] = defaultdict(list)
    for t in truth:
        by_person[t.person_id].append(t)
    tert = [f for f in flags if f.tier == "tertiary"]
    tert_by_person: dict[str, list[ScoredFlag]] = defaultdict(list)
    for f in tert:
        tert_by_person[f.person_id].append(f)
    out = Score(name)
    hits: dict[str, int] = defaultdict(int)
    for t in truth:
        if t.kind != "misconduct":
            continue
        out.instances[t.scenario] = out.instances.get(t.scenario, 0) + 1
        if any(
            _overlaps(f.period_start, f.period_end, t.start, t.end, slack)
            for f in tert_by_person[t.person_id]
        ):
            hits[t.scenario] += 1
    out.recall = {s: hits[s] / n for s, n in sorted(out.instances.items())}
    out.tertiary_flags = len(tert)
    if tert:
        good = sum(
            1
            for f in tert
            if any(
                t.kind == "misconduct"
                and _overlaps(f.period_start, f.period_end, t.start, t.end, slack)
                for t in by_person[f.person_id]
            )
        )
        out.tertiary_precision = good / len(tert)
    benign = {p for p, ts in by_person.items() if ts and all(t.kind == "benign" for t in ts)}
    out.benign_people = len(benign)
    if benign:
        out.benign_fpr = sum(1 for p in benign if tert_by_person[p]) / len(benign)
    sec = sorted((f for f in flags if f.tier == "secondary"), key=lambda f: -f.rank_key)[:k]
    out.secondary_k = len(sec)
    if sec:
        out.secondary_precision_at_k = sum(
            1
            for f in sec
            if any(
                t.kind == "welfare"
                and _overlaps(f.period_start, f.period_end, t.start, t.end, slack)
                for t in by_person[f.person_id]
            )
        ) / len(sec)
    return out


def render_table(scores: Sequence[Score]) -> str:
    """A plain-text comparison table, one column per system."""
    scenarios = sorted({s for sc in scores for s in sc.instances})

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.1%}"

    header = ["measure", *[s.name for s in scores]]
    lines = [header]
    for scen in scenarios:
        n = max(sc.instances.get(scen, 0) for sc in scores)
        lines.append([f"recall: {scen} (n={n})", *[pct(sc.recall.get(scen)) for sc in scores]])
    lines.append(["tertiary flags", *[str(sc.tertiary_flags) for sc in scores]])
    lines.append(["tertiary precision", *[pct(sc.tertiary_precision) for sc in scores]])
    lines.append(
        [
            f"benign look-alike FPR (n={scores[0].benign_people})",
            *[pct(sc.benign_fpr) for sc in scores],
        ]
    )
    lines.append(
        [
            "secondary precision@k",
            *[f"{pct(sc.secondary_precision_at_k)} (k={sc.secondary_k})" for sc in scores],
        ]
    )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = []
    for j, row in enumerate(lines):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
