from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from integritas.audit.service import append
from integritas.detect.models import Rule, Tier
from integritas.detect.service import run_detection
from integritas.retention.testing import Planted, copy_planted, plant
from integritas.rights.disputes import (
    RightsError,
    disputed_rows,
    raise_dispute,
    resolve_dispute,
)
from integritas.rights.objections import decide_objection, paused, raise_objection
from integritas.rights.sar import export_sar
from integritas.store.session import workspace_sessions

RULE = Rule(
    name="planted_overtime",
    version=1,
    title="Planted overtime rule",
    owner="test",
    tier=Tier.SECONDARY,
    metric="overtime_hours",
    threshold=4.0,
    scenario="test",
    explanation="{value} hours",
    rationale="test only",
)


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return plant(tmp_path_factory.mktemp("planted") / "home")


@pytest.fixture
def world(planted: Planted, tmp_path: Path) -> Planted:
    return copy_planted(planted, tmp_path / "home")


def _view(s: Session, actor: str, person: str, purpose: str) -> None:
    append(
        s,
        actor=actor,
        role="investigator",
        action="flag.read_evidence",
        object_type="flag",
        object_id="F-1",
        purpose=purpose,
        subjects=[person],
    )


def _row(world: Planted, claim_id: str) -> dict[str, object]:
    from integritas.retention.testing import curated_rows

    return next(r for r in curated_rows(world.ws, "overtime_claims") if r["claim_id"] == claim_id)


def test_sar_has_every_planted_row_for_the_person_and_none_of_anyone_elses(
    world: Planted, tmp_path: Path
) -> None:
    a, b, c = (world.people[s] for s in ("S100", "S200", "S300"))
    out = tmp_path / "sar.zip"
    with workspace_sessions(world.ws).begin() as s:
        _view(s, "inv-alpha", a, "case 12 review")
        _view(s, "inv-beta", b, "case 13 review")
        export = export_sar(world.ws, staff_number="S100", out=out, session=s, actor="dpo-1")
    assert export.person_id == a
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        everything = "\n".join(z.read(n).decode() for n in names)
        claims = json.loads(z.read("sources/overtime_claims.json"))
        identity = json.loads(z.read("identity/hr_master.json"))
        values = json.loads(z.read("derived/metric_values.json"))
        flags = json.loads(z.read("derived/flags.json"))
        views = json.loads(z.read("audit/who_viewed.json"))
        summary = z.read("summary.html").decode()
    assert {"sources/overtime_claims.csv", "sources/hr_master.json", "manifest.json"} <= names
    assert {r["claim_id"] for r in claims} == {"OT-OLD-A", "OT-NEW-A"}
    assert [r["surname"] for r in identity] == ["PersonS100"]
    assert len(values) == 2 and {v["subject_id"] for v in values} == {a}
    assert [f["flag_id"] for f in flags] == [world.old_flag]
    assert [v["actor"] for v in views] == ["inv-alpha"]
    assert views[0]["purpose"] == "case 12 review"
    # Nothing of anyone else's, anywhere in the archive.
    for other in (b, c, "PersonS200", "PersonS300", "OT-NEW-B", "OT-NEW-C", "inv-beta", "CD-1"):
        assert other not in everything
    assert "inv-alpha" in summary and "case 12 review" in summary


def test_dispute_excludes_the_row_and_recomputes_flags(world: Planted) -> None:
    a, b = world.people["S100"], world.people["S200"]
    before = run_detection(world.ws, rules=[RULE])
    assert sorted((f.person_id, f.period_start.year) for f in before.flags) == sorted(
        [(a, 2015), (a, world.recent.year), (b, world.recent.year)]
    )
    row = _row(world, "OT-NEW-A")
    with workspace_sessions(world.ws).begin() as s:
        _view(s, "inv-alpha", a, "triage")
        res = raise_dispute(
            world.ws,
            session=s,
            source="overtime_claims",
            batch_id=str(row["_batch_id"]),
            row_number=int(str(row["_row_number"])),
            reason="I did not work that day",
            actor="S100",
            rules=[RULE],
        )
    assert res.values_removed == 1 and res.flags_removed == 1
    assert res.flags_after == 2
    after = run_detection(world.ws, rules=[RULE])
    assert sorted((f.person_id, f.period_start.year) for f in after.flags) == sorted(
        [(a, 2015), (b, world.recent.year)]
    )
    excluded = disputed_rows(world.ws).to_pylist()
    assert [(r["source"], r["row_number"], r["person_id"]) for r in excluded] == [
        ("overtime_claims", row["_row_number"], a)
    ]
    assert [n["actor"] for n in res.notify] == ["inv-alpha"]
    with workspace_sessions(world.ws).begin() as s:
        done = resolve_dispute(
            world.ws,
            session=s,
            dispute_id=res.dispute.id,
            status="corrected",
            resolution="Claim withdrawn by payroll",
            actor="dpo-1",
        )
        assert [n["actor"] for n in done.notify] == ["inv-alpha"]
        with pytest.raises(RightsError, match="already corrected"):
            resolve_dispute(
                world.ws,
                session=s,
                dispute_id=res.dispute.id,
                status="rejected",
                resolution="x",
                actor="dpo-1",
            )
    # A corrected row stays excluded: it was wrong.
    assert disputed_rows(world.ws).num_rows == 1


def test_dispute_of_a_missing_row_is_refused_clearly(world: Planted) -> None:
    row = _row(world, "OT-NEW-A")
    with workspace_sessions(world.ws).begin() as s:
        with pytest.raises(RightsError, match="has no row 999"):
            raise_dispute(
                world.ws,
                session=s,
                source="overtime_claims",
                batch_id=str(row["_batch_id"]),
                row_number=999,
                reason="x",
                actor="S100",
            )
        with pytest.raises(RightsError, match="no committed batch"):
            raise_dispute(
                world.ws,
                session=s,
                source="overtime_claims",
                batch_id="B-nope",
                row_number=1,
                reason="x",
                actor="S100",
            )
    assert disputed_rows(world.ws).num_rows == 0


def test_objection_pauses_until_decided(world: Planted) -> None:
    from integritas.detect.flags import read_flags

    a = world.people["S100"]
    with workspace_sessions(world.ws).begin() as s:
        o, withdrawn = raise_objection(
            world.ws,
            session=s,
            person_id=a,
            metric="overtime_hours",
            reason="Caring responsibilities",
            actor="S100",
        )
    assert withdrawn == 1 and read_flags(world.ws).num_rows == 0
    assert paused(world.ws).to_pylist()[0]["metric"] == "overtime_hours"
    with workspace_sessions(world.ws).begin() as s:
        decide_objection(
            world.ws,
            session=s,
            objection_id=o.id,
            upheld=False,
            decision="Measure is proportionate; adjustments noted",
            actor="dpo-1",
        )
    assert paused(world.ws).num_rows == 0
