"""Results of an ingest, passed across package boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class BatchStatus(StrEnum):
    COMMITTED = "committed"
    REJECTED = "rejected"  # too many rows quarantined: nothing stored
    NO_OP = "no-op"  # identical export already ingested
    FAILED = "failed"  # the export or its mapping could not be read
    SKIPPED = "skipped"  # feeds no declared source (e.g. a README), or header only


@dataclass(frozen=True)
class QuarantineRecord:
    file: str
    row: int
    column: str
    value: str | None
    reason: str


@dataclass(frozen=True)
class BatchResult:
    file: str
    source: str | None
    status: BatchStatus
    batch_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_dropped_off_duty: int = 0
    rows_superseding: int = 0  # rows whose key an earlier batch already held (latest wins)
    columns_dropped: tuple[str, ...] = ()
    quarantine_file: str | None = None
    quarantine_sample: tuple[QuarantineRecord, ...] = ()
    quarantine_counts: tuple[tuple[str, str, int], ...] = ()  # (column, reason, rows)
    problems: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class IngestReport:
    results: list[BatchResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        ok = (BatchStatus.COMMITTED, BatchStatus.NO_OP, BatchStatus.SKIPPED)
        return all(r.status in ok for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all stored (or no-op); 1 a batch rejected over tolerance; 2 unreadable input."""
        if any(r.status is BatchStatus.FAILED for r in self.results):
            return 2
        if any(r.status is BatchStatus.REJECTED for r in self.results):
            return 1
        return 0
