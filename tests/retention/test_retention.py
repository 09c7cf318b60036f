from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import inspect, text

from integritas.retention.service import apply
from integritas.retention.testing import Planted, copy_planted, curated_rows, plant
from integritas.store.session import make_engine


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return plant(tmp_path_factory.mktemp("planted") / "home")


@pytest.fixture
def world(planted: Planted, tmp_path: Path) -> Planted:
    return copy_planted(planted, tmp_path / "home")


def _snapshot(home: Path) -> dict[str, str]:
    return {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.suffix in (".parquet", ".json", ".csv")
    }


def _parquet_text(home: Path) -> str:
    """Every value of every Parquet file in the workspace, as one text to search."""
    con = duckdb.connect()
    parts = []
    for p in home.rglob("*.parquet"):
        rows = con.execute(f"SELECT * FROM read_parquet('{p}')").fetchall()
        parts.append(repr(rows))
    return "\n".join(parts)


def _database_text(url: str) -> str:
    engine = make_engine(url)
    parts = []
    with engine.connect() as con:
        for table in inspect(con).get_table_names():
            parts.append(repr(con.execute(text(f"SELECT * FROM {table}")).all()))
    engine.dispose()
    return "\n".join(parts)


def _session(world: Planted):  # type: ignore[no-untyped-def]
    from integritas.store.session import workspace_sessions

    return workspace_sessions(world.ws).begin()


def _plant_review_flag(world: Planted) -> None:
    engine = make_engine(world.ws.database_url)
    with engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO review_flags (flag_id, person_id, rule, rule_version, tier, severity, "
                "period_start, period_end, metric, value, evidence, explanation, scenario, status, "
                "received_at) VALUES (:f, :p, 'overtime_high', 1, 'secondary', 'medium', "
                "'2015-03-01', '2015-03-28', 'overtime_hours', 4.0, '[]', 'x', 'test', 'new', "
                "'2026-01-01 00:00:00')"
            ),
            {"f": world.old_flag, "p": world.people["S100"]},
        )
    engine.dispose()


def test_dry_run_plans_and_deletes_nothing(world: Planted) -> None:
    before = _snapshot(world.ws.home)
    with _session(world) as s:
        cert = apply(world.ws, session=s, dry_run=True)
    assert _snapshot(world.ws.home) == before
    text_plan = "\n".join(cert.lines())
    assert "would delete" in text_plan
    counts = {i.what.split(" (")[0]: i.count for i in cert.items}
    assert counts["curated rows of overtime_claims"] == 1
    assert counts["curated rows of hr_master"] == 1  # S200 left in 2012
    assert counts["flags"] == 1
    assert counts["linkage candidates"] == 1
    assert not (world.ws.home / "certificates").exists()


def test_apply_removes_expired_rows_and_everything_derived(world: Planted) -> None:
    _plant_review_flag(world)
    old_claim = world.old_claim
    gone_person = world.people["S200"]
    assert old_claim in _parquet_text(world.ws.home)
    assert world.old_flag in _database_text(world.ws.database_url)
    with _session(world) as s:
        cert = apply(world.ws, session=s, actor="dpo-test")
    # Raw rows: the old claim and the leaver's HR record are gone; the rest stay.
    claims = {r["claim_id"] for r in curated_rows(world.ws, "overtime_claims")}
    assert claims == {"OT-NEW-A", "OT-NEW-B", "OT-NEW-C"}
    hr_people = {r["person_id"] for r in curated_rows(world.ws, "hr_master")}
    assert gone_person not in hr_people and len(hr_people) == 2
    # Search the whole workspace: no Parquet file anywhere names the disposed row or flag.
    everything = _parquet_text(world.ws.home)
    assert old_claim not in everything
    assert world.old_flag not in everything
    assert "CD-1" not in everything  # linkage candidate of the person whose HR record went
    assert "CD-2" in everything  # the other candidate stays
    # The metric value and evidence built on the old claim went; the recent ones stayed.
    con = duckdb.connect()
    mv = world.ws.home / "derived" / "metric_values.parquet"
    periods = con.execute(
        f"SELECT strftime(period_start, '%Y') FROM read_parquet('{mv}')"
    ).fetchall()
    assert ("2015",) not in periods and len(periods) == 2
    ev = world.ws.home / "derived" / "metric_evidence.parquet"
    assert con.execute(f"SELECT count(*) FROM read_parquet('{ev}')").fetchone() == (2,)
    # And the whole database: the review-queue row went; the certificate holds no data.
    db = _database_text(world.ws.database_url)
    assert world.old_flag not in db and old_claim not in db
    assert cert.certificate_id in db
    # Certificate: in the audit log, and as a file, with counts and reasons.
    assert (world.ws.home / "certificates" / f"{cert.certificate_id}.json").exists()
    engine = make_engine(world.ws.database_url)
    with engine.connect() as c:
        ev_row = c.execute(
            text("SELECT action, object_id, detail FROM audit_events WHERE action='retention.run'")
        ).one()
    engine.dispose()
    assert ev_row[1] == cert.certificate_id and '"rows_disposed": ' in ev_row[2]
    # The manifest records the disposal; a second run finds nothing more to delete.
    with _session(world) as s:
        again = apply(world.ws, session=s)
    assert again.rows_disposed == 0


def test_views_still_work_after_disposal(world: Planted) -> None:
    from integritas.ingest.views import refresh_views

    with _session(world) as s:
        apply(world.ws, session=s)
    con = duckdb.connect(str(world.ws.warehouse))
    refresh_views(world.ws, con=con)
    assert con.execute("SELECT count(*) FROM overtime_claims").fetchone() == (3,)


def test_dismissed_flags_leave_the_review_queue_after_their_period(world: Planted) -> None:
    engine = make_engine(world.ws.database_url)
    with engine.begin() as con:
        for flag_id, days_ago in (("F-DISMISSED-OLD", 200), ("F-DISMISSED-NEW", 10)):
            con.execute(
                text(
                    "INSERT INTO review_flags (flag_id, person_id, rule, rule_version, tier, "
                    "severity, period_start, period_end, metric, value, evidence, explanation, "
                    "scenario, status, received_at, dismissed_reason, dismissed_at) VALUES (:f, "
                    "'P-X', 'r', 1, 'secondary', 'low', '2026-01-01', '2026-01-07', 'm', 1.0, "
                    "'[]', 'x', 'x', 'dismissed', '2026-01-01 00:00:00', 'context', "
                    ":at)"
                ),
                {"f": flag_id, "at": datetime.now() - timedelta(days=days_ago)},
            )
    engine.dispose()
    with _session(world) as s:
        cert = apply(world.ws, session=s)
    items = {i.what: i.count for i in cert.items}
    assert items["dismissed flags in the review queue"] == 1
    db = _database_text(world.ws.database_url)
    assert "F-DISMISSED-OLD" not in db and "F-DISMISSED-NEW" in db


def test_cli_dry_run_then_apply(world: Planted) -> None:
    from typer.testing import CliRunner

    from integritas.cli import app

    home = str(world.ws.home)
    runner = CliRunner()
    dry = runner.invoke(app, ["--home", home, "retention", "apply", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete" in dry.output and "curated rows of overtime_claims" in dry.output
    assert world.old_claim in _parquet_text(world.ws.home)
    done = runner.invoke(app, ["--home", home, "retention", "apply"])
    assert done.exit_code == 0, done.output
    assert "certificate RC-" in done.output
    assert world.old_claim not in _parquet_text(world.ws.home)
