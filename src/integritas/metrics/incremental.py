"""Incremental runs: which periods of a metric new batches touch.

``derived/metric_state.json`` records, per ``metric@vN``, the committed batches its last
run saw and the window it covered. A metric is recomputed:

- in full when it was never run, its version changed, ``--full`` is given, the window grew,
  a batch it saw has gone (retention), or a new batch belongs to a *state* source (people,
  vetting, training, ... whose rows describe standing facts rather than dated events);
- otherwise only over the periods between the earliest and latest event time of the new
  batches (extended by the rolling window for ``rolling_<N>d`` metrics);
- not at all when no batch of a source it depends on is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from integritas.catalog.registry import catalog
from integritas.ingest.layout import atomic_write_text, manifests
from integritas.ingest.readers import parquet_scan
from integritas.metrics.model import MetricSpec
from integritas.metrics.values import derived_dir
from integritas.settings import Workspace

# Sources whose rows are standing facts (who works where, clearances, courses due): a new
# batch can change any period, so it triggers a full recompute of the metrics reading them.
STATE_SOURCES = frozenset(
    {
        "hr_master",
        "unit_tree",
        "vetting",
        "training",
        "suppliers",
        "business_interests",
        "associations",
        "major_events",
        "registry_company_directors",
        "registry_memberships",
        "protected_characteristics",
    }
)

Window = tuple[date, date]


def state_path(ws: Workspace) -> Path:
    return derived_dir(ws) / "metric_state.json"


def load_state(ws: Workspace) -> dict[str, Any]:
    path = state_path(ws)
    if not path.exists():
        return {"metrics": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("metrics", {})
    return data


def save_state(ws: Workspace, state: dict[str, Any]) -> None:
    atomic_write_text(state_path(ws), json.dumps(state, indent=2, sort_keys=True))


def dependencies(spec: MetricSpec) -> tuple[str, ...]:
    """Sources whose batches change a metric's values: what it reads, plus the people table
    that gives peer groups and the zero-filled population."""
    return tuple(sorted(set(spec.sources) | {"hr_master"}))


@dataclass
class BatchIndex:
    """Committed batches per source, with the event-time range of each (read lazily)."""

    ws: Workspace
    by_source: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ranges: dict[str, Window | None] = field(default_factory=dict)

    @classmethod
    def load(cls, ws: Workspace) -> BatchIndex:
        index = cls(ws)
        for m in manifests(ws):
            index.by_source.setdefault(m["source"], []).append(m)
        return index

    def batch_ids(self, sources: tuple[str, ...]) -> list[str]:
        return sorted(m["batch_id"] for s in sources for m in self.by_source.get(s, []))

    def source_of(self, batch_id: str) -> str | None:
        for source, items in self.by_source.items():
            if any(m["batch_id"] == batch_id for m in items):
                return source
        return None

    def event_range(self, batch_id: str) -> Window | None:
        """Earliest and latest event date in a batch; None when it has no dated events."""
        if batch_id in self._ranges:
            return self._ranges[batch_id]
        found: Window | None = None
        source = self.source_of(batch_id)
        field_name = catalog()[source].event_time_field if source else None
        manifest = next(
            m for m in self.by_source.get(source or "", []) if m["batch_id"] == batch_id
        )
        files = [self.ws.home / rel for rel in manifest.get("curated_files", [])]
        files = [f for f in files if f.exists()]
        if field_name and files:
            from integritas.engine import duck

            col = catalog()[source or ""].field(field_name).curated_name or field_name
            rows = f'SELECT "{col}" AS t FROM {parquet_scan(files)}'
            replaced = manifest.get("rows_superseding") and self._replaced(
                source or "", batch_id, col, files
            )
            if replaced:
                rows += f" UNION ALL {replaced}"
            with duck.connect(self.ws) as con:
                row = con.execute(
                    f"SELECT CAST(min(t) AS DATE), CAST(max(t) AS DATE) FROM ({rows})"
                ).fetchone()
            if row and row[0] is not None:
                found = (row[0], row[1])
        self._ranges[batch_id] = found
        return found

    def _replaced(self, source: str, batch_id: str, col: str, files: list[Path]) -> str | None:
        """SQL of the event times of rows in the source's other batches that this batch's
        rows replace (same key): a correction that moves an event changes its old period too."""
        others = [
            self.ws.home / rel
            for m in self.by_source.get(source, [])
            if m["batch_id"] != batch_id
            for rel in m.get("curated_files", [])
        ]
        others = [f for f in others if f.exists()]
        key = ", ".join(f'"{k}"' for k in catalog()[source].curated_key())
        if not others or not key:
            return None
        return (
            f'SELECT o."{col}" AS t FROM {parquet_scan(others)} o '
            f"SEMI JOIN (SELECT {key} FROM {parquet_scan(files)}) n USING ({key})"
        )


@dataclass(frozen=True)
class Plan:
    """What to recompute for one metric: ``windows`` (empty: nothing) and why."""

    windows: tuple[Window, ...]
    reason: str
    full: bool


def _align(spec: MetricSpec, lo: date, hi: date) -> Window:
    if spec.period == "day":
        return lo, hi
    if spec.period == "week":
        return lo - timedelta(days=lo.weekday()), hi + timedelta(days=6 - hi.weekday())
    nxt = date(hi.year + hi.month // 12, hi.month % 12 + 1, 1)
    return date(lo.year, lo.month, 1), nxt - timedelta(days=1)


def plan(
    spec: MetricSpec,
    index: BatchIndex,
    state: dict[str, Any],
    window: Window,
    *,
    full: bool = False,
) -> Plan:
    seen_entry = state.get("metrics", {}).get(spec.key)
    current = set(index.batch_ids(dependencies(spec)))
    if full:
        return Plan((window,), "full run requested", True)
    if seen_entry is None:
        return Plan((window,), "never computed", True)
    prev = (date.fromisoformat(seen_entry["start"]), date.fromisoformat(seen_entry["end"]))
    if window[0] < prev[0] or window[1] > prev[1]:
        return Plan((window,), "window extends beyond the last run", True)
    seen = set(seen_entry.get("batches", []))
    if seen - current:
        return Plan((window,), "batches were removed since the last run", True)
    new = sorted(current - seen)
    if not new:
        return Plan((), "no new batches", False)
    spans: list[Window] = []
    for batch_id in new:
        source = index.source_of(batch_id)
        rng = index.event_range(batch_id)
        if source in STATE_SOURCES or rng is None:
            return Plan((window,), f"new batch {batch_id} of {source} (standing data)", True)
        lo, hi = rng
        hi = hi + timedelta(days=(spec.window_days or 1) - 1)
        lo, hi = _align(spec, lo, hi)
        lo, hi = max(lo, window[0]), min(hi, window[1])
        if lo <= hi:
            spans.append((lo, hi))
    merged: list[Window] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    reason = f"{len(new)} new batch(es): " + ", ".join(new)
    return Plan(tuple(merged), reason, False)


def record(state: dict[str, Any], spec: MetricSpec, index: BatchIndex, window: Window) -> None:
    """Remember what a successful run of ``spec`` saw (values outside ``window`` may be
    stale from then on, so a later, wider window recomputes in full)."""
    lo, hi = window
    state.setdefault("metrics", {})[spec.key] = {
        "batches": index.batch_ids(dependencies(spec)),
        "start": lo.isoformat(),
        "end": hi.isoformat(),
    }
