"""`retention apply`: plan what has expired, delete it and everything derived, certify it.

The plan and the disposal are the same computation; a dry run stops before writing. The
certificate records what, how many, why and when, never the data: batch ids, counts and
reasons only. It is appended to the audit chain (action ``retention.run``), stored in the
operational store and written to ``<home>/certificates/<id>.json``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from integritas.cases.disposal import DueCase, dispose_cases, due_cases
from integritas.engine import duck
from integritas.retention.curated import CuratedPlan, dispose_batch, plan_curated
from integritas.retention.derived import CUTOFF_SCHEMA, DerivedCounts, cascade
from integritas.retention.policies import (
    AUDIT_DAYS,
    CLOSED_CASE_DAYS,
    CLOSED_CASE_DEFAULT_DAYS,
    DISMISSED_FLAG_DAYS,
    source_policies,
)
from integritas.settings import Workspace


@dataclass
class Item:
    what: str
    count: int
    reason: str
    action: str = "deleted"  # deleted | due | held


@dataclass
class Certificate:
    certificate_id: str
    issued_at: str
    issued_by: str
    today: str
    dry_run: bool
    items: list[Item] = field(default_factory=list)

    @property
    def rows_disposed(self) -> int:
        return sum(i.count for i in self.items if i.action == "deleted")

    def to_json(self) -> str:
        body = asdict(self)
        body["rows_disposed"] = self.rows_disposed
        return json.dumps(body, indent=2, sort_keys=True)

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [
            f"retention {'plan (dry run)' if self.dry_run else 'certificate ' + self.certificate_id}"
        ]
        for i in self.items:
            act = verb if i.action == "deleted" else i.action
            out.append(f"  {act:>12} {i.count:>8}  {i.what}: {i.reason}")
        if not self.items:
            out.append("  nothing has expired")
        out.append(f"  total {verb}: {self.rows_disposed}")
        return out


def certificates_dir(ws: Workspace) -> Path:
    return ws.home / "certificates"


def _tables(session: Session | None) -> set[str]:
    if session is None:
        return set()
    return set(inspect(session.connection()).get_table_names())


def _dismissed(session: Session | None, today: date) -> list[str]:
    if "review_flags" not in _tables(session):
        return []
    assert session is not None
    cutoff = datetime.combine(today - timedelta(days=DISMISSED_FLAG_DAYS), datetime.min.time())
    rows = session.execute(
        text(
            "SELECT flag_id FROM review_flags WHERE status = 'dismissed' AND case_id IS NULL "
            "AND dismissed_at < :cutoff"
        ),
        {"cutoff": cutoff},
    )
    return [str(r[0]) for r in rows]


def _closed_cases_due(session: Session | None, today: date) -> list[DueCase]:
    """Closed cases past their outcome's retention period (since their last activity)."""
    if not {"cases", "case_outcomes", "case_disposals"} <= _tables(session):
        return []
    assert session is not None
    return due_cases(
        session, today, lambda outcome: CLOSED_CASE_DAYS.get(outcome, CLOSED_CASE_DEFAULT_DAYS)
    )


def _audit_due(session: Session | None, today: date) -> int:
    if "audit_events" not in _tables(session):
        return 0
    assert session is not None
    cutoff = (today - timedelta(days=AUDIT_DAYS)).isoformat()
    return int(
        session.execute(
            text("SELECT count(*) FROM audit_events WHERE at < :c"), {"c": cutoff}
        ).scalar_one()
    )


def _gone_people(ws: Workspace, plan: CuratedPlan, con: duckdb.DuckDBPyConnection) -> list[str]:
    """People whose every HR master row expires: their linkage candidates go too."""
    from integritas.ingest.layout import curated_files

    expired = plan.expired_rows()
    hr = [r for r in expired.to_pylist() if r["source"] == "hr_master" and r["person_id"]]
    if not hr:
        return []
    files = curated_files(ws, "hr_master")
    con.register("__hr_gone", pa.Table.from_pylist(hr))
    listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    rows = con.execute(
        "SELECT DISTINCT g.person_id FROM __hr_gone g WHERE NOT EXISTS (SELECT 1 FROM "
        f"read_parquet([{listing}]) h ANTI JOIN __hr_gone x ON x.batch_id = h._batch_id AND "
        "x.row_number = h._row_number WHERE h.person_id = g.person_id)"
    ).fetchall()
    con.unregister("__hr_gone")
    return sorted(str(r[0]) for r in rows)


def apply(
    ws: Workspace,
    *,
    session: Session | None,
    actor: str = "system",
    role: str = "system",
    dry_run: bool = False,
    today: date | None = None,
) -> Certificate:
    """Plan, and unless ``dry_run`` delete, everything that has expired; return the certificate."""
    today = today or datetime.now(UTC).date()
    now = datetime.now(UTC)
    cert = Certificate(
        certificate_id=f"RC-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}",
        issued_at=now.isoformat(),
        issued_by=actor,
        today=today.isoformat(),
        dry_run=dry_run,
    )
    con = duck.connect(ws)
    try:
        plan = plan_curated(ws, source_policies(), today, con)
        for b in plan.batches:
            cert.items.append(
                Item(
                    f"curated rows of {b.policy.source} (batch {b.batch_id})",
                    b.count,
                    b.policy.reason(today),
                )
            )
        if plan.quarantine_files:
            cert.items.append(
                Item(
                    "quarantine reports",
                    len(plan.quarantine_files),
                    "rejected-row reports older than their source's retention period",
                )
            )
        cutoffs = pa.Table.from_pylist(
            [{"batch_id": b.batch_id, "cutoff": b.policy.cutoff(today)} for b in plan.batches],
            schema=CUTOFF_SCHEMA,
        )
        dismissed = _dismissed(session, today)
        closed = _closed_cases_due(session, today)
        case_flags = [f for c in closed for f in c.flag_ids]
        people = _gone_people(ws, plan, con)
        derived = cascade(
            ws,
            con,
            plan.expired_rows(),
            batch_cutoffs=cutoffs,
            gone_people=people,
            extra_flag_ids=dismissed + case_flags,
            write=False,
        )
        _derived_items(cert, derived, dismissed, bool(case_flags))
        _case_items(cert, closed)
        if n_audit := _audit_due(session, today):
            cert.items.append(
                Item(
                    "audit events",
                    n_audit,
                    f"older than {AUDIT_DAYS} days; the chain is append-only: "
                    "export and archive them",
                    "held",
                )
            )
        if dry_run:
            return cert
        at = now.isoformat()
        for b in plan.batches:
            dispose_batch(ws, con, b, cert.certificate_id, at)
        for q in plan.quarantine_files:
            q.unlink(missing_ok=True)
        final = cascade(
            ws,
            con,
            plan.expired_rows(),
            batch_cutoffs=cutoffs,
            gone_people=people,
            extra_flag_ids=dismissed + case_flags,
            write=True,
        )
        if closed:
            assert session is not None
            dispose_cases(session, closed, cert.certificate_id)
        _dispose_store(session, sorted(set(final.flag_ids) | set(dismissed)))
    finally:
        con.close()
    _refresh_views(ws)
    _record(ws, session, cert, role)
    return cert


def _derived_items(
    cert: Certificate, d: DerivedCounts, dismissed: list[str], case_flags: bool
) -> None:
    for what, n in d.as_items().items():
        if n:
            why = "derived from disposed rows (lineage)"
            if what == "flags" and dismissed:
                why += f", or dismissed more than {DISMISSED_FLAG_DAYS} days ago"
            if what == "flags" and case_flags:
                why += ", or held by a closed case past its retention period"
            cert.items.append(Item(what, n, why))
    if dismissed:
        cert.items.append(
            Item(
                "dismissed flags in the review queue",
                len(dismissed),
                f"dismissed more than {DISMISSED_FLAG_DAYS} days ago",
            )
        )


def _case_items(cert: Certificate, closed: list[DueCase]) -> None:
    """One line per outcome: the case records (timeline, notes, outcomes, flags) go with it."""
    by_outcome: dict[str, list[DueCase]] = {}
    for c in closed:
        by_outcome.setdefault(c.outcome, []).append(c)
    for outcome, cases in sorted(by_outcome.items()):
        days = cases[0].retention_days
        cert.items.append(
            Item(
                f"closed cases ({outcome}) with their timeline, notes, outcomes and flags",
                len(cases),
                f"closed more than {days} days ago; a disposal record without the person "
                "is kept for rule precision",
            )
        )


def _dispose_store(session: Session | None, flag_ids: list[str]) -> None:
    """Flags that are gone from the warehouse leave the review queue unless a case holds them."""
    if not flag_ids or "review_flags" not in _tables(session):
        return
    assert session is not None
    for i in range(0, len(flag_ids), 500):
        chunk = flag_ids[i : i + 500]
        marks = ", ".join(f":f{j}" for j in range(len(chunk)))
        session.execute(
            text(f"DELETE FROM review_flags WHERE case_id IS NULL AND flag_id IN ({marks})"),
            {f"f{j}": v for j, v in enumerate(chunk)},
        )


def _refresh_views(ws: Workspace) -> None:
    if not ws.warehouse.exists():
        return
    from integritas.ingest.views import refresh_views

    refresh_views(ws)


def _record(ws: Workspace, session: Session | None, cert: Certificate, role: str) -> None:
    body = cert.to_json()
    digest = hashlib.sha256(body.encode()).hexdigest()
    folder = certificates_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    from integritas.ingest.layout import atomic_write_text

    atomic_write_text(folder / f"{cert.certificate_id}.json", body)
    if session is None:
        return
    from integritas.audit.service import append
    from integritas.retention.models import DisposalCertificate

    session.add(
        DisposalCertificate(
            certificate_id=cert.certificate_id,
            issued_by=cert.issued_by,
            rows_disposed=cert.rows_disposed,
            body=body,
            sha256=digest,
        )
    )
    summary: dict[str, Any] = {
        "certificate_id": cert.certificate_id,
        "sha256": digest,
        "rows_disposed": cert.rows_disposed,
        "items": [[i.what, i.count, i.action] for i in cert.items],
    }
    append(
        session,
        actor=cert.issued_by,
        role=role,
        action="retention.run",
        object_type="retention_certificate",
        object_id=cert.certificate_id,
        detail=json.dumps(summary, sort_keys=True),
    )


def nightly(ws: Workspace) -> Certificate:
    """The job `integritas serve` schedules: apply retention in its own transaction."""
    from integritas.store.session import workspace_sessions

    factory = workspace_sessions(ws)
    with factory.begin() as session:
        return apply(ws, session=session, actor="retention-nightly")
