from __future__ import annotations

import csv
import math
from datetime import date, timedelta
from pathlib import Path

import pytest

from integritas.fairness.stats import POOLED, GroupCount, compare, fisher_p
from integritas.settings import IngestSettings, Workspace


def _hand_fisher(a: int, n_a: int, b: int, n_b: int) -> float:
    """Two-sided Fisher exact p by enumerating the hypergeometric distribution."""
    flagged, total = a + b, n_a + n_b

    def prob(x: int) -> float:
        return math.comb(n_a, x) * math.comb(n_b, flagged - x) / math.comb(total, flagged)

    observed = prob(a)
    lo, hi = max(0, flagged - n_b), min(n_a, flagged)
    return sum(prob(x) for x in range(lo, hi + 1) if prob(x) <= observed * (1 + 1e-7))


def test_arithmetic_matches_a_hand_computed_example() -> None:
    # female 12 of 40 flagged (0.30), male 6 of 60 (0.10), 'x' 1 of 3: too small to show.
    dim = compare(
        "sex",
        [GroupCount("female", 40, 12), GroupCount("male", 60, 6), GroupCount("x", 3, 1)],
        small_cell_k=10,
    )
    by = {g.group: g for g in dim.groups}
    assert set(by) == {"female", "male"} and dim.suppressed_groups == 1
    assert by["male"].reference == "male" and by["male"].ratio == 1.0
    assert by["female"].rate == pytest.approx(0.3)
    assert by["female"].ratio == pytest.approx(0.1 / 0.3)  # 0.333...
    hand = _hand_fisher(12, 40, 6, 60)
    assert by["female"].p_value == pytest.approx(hand, rel=1e-9)
    assert 0.005 < hand < 0.02  # about 0.0156: significant at 5%
    assert by["female"].adverse and not by["male"].adverse
    assert dim.adverse == (by["female"],)


def test_small_groups_are_pooled_never_shown_alone() -> None:
    dim = compare(
        "ethnicity",
        [GroupCount("a", 50, 5), GroupCount("b", 6, 3), GroupCount("c", 5, 0)],
        small_cell_k=10,
    )
    assert [g.group for g in dim.groups] == ["a", POOLED]
    pooled = dim.groups[1]
    assert (pooled.n, pooled.flagged, pooled.small_groups) == (11, 3, 2)
    # The reference is a real group: a (0.10); the pool's rate 3/11.
    assert pooled.ratio == pytest.approx(0.1 / (3 / 11))


def test_no_significance_no_adverse_finding() -> None:
    dim = compare("sex", [GroupCount("f", 10, 2), GroupCount("m", 10, 1)], small_cell_k=10)
    f = next(g for g in dim.groups if g.group == "f")
    assert f.ratio == pytest.approx(0.5) and not f.significant and not f.adverse
    assert fisher_p(2, 10, 1, 10) == pytest.approx(_hand_fisher(2, 10, 1, 10))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """40 people, 20 female and 20 male; the planted rule flags 12 women and 2 men."""
    from integritas.detect.flags import write_flags
    from integritas.detect.models import Flag, Mode, Severity, Tier
    from integritas.ingest.pseudonyms import Pseudonymiser
    from integritas.ingest.service import ingest_path
    from integritas.retention.testing import hr
    from integritas.store.migrate import upgrade
    from integritas.store.session import make_engine

    root = tmp_path_factory.mktemp("fair")
    ws = Workspace.from_settings(root / "home")
    staff = [f"F{i:03d}" for i in range(40)]
    _write(
        root / "x" / "hr_master.csv",
        [hr(s, pattern="part_time" if i % 4 == 0 else "full_time") for i, s in enumerate(staff)],
    )
    _write(
        root / "x" / "protected_characteristics.csv",
        [
            {
                "staff_number": s,
                "sex": "female" if i < 20 else "male",
                "ethnicity": "white",
                "disability": "no",
                "religion": "",
                "age_band": "35_44",
            }
            for i, s in enumerate(staff)
        ],
    )
    for name in ("hr_master", "protected_characteristics"):
        ingest_path(ws, root / "x" / f"{name}.csv", settings=IngestSettings(operator="t"))
    ps = Pseudonymiser(ws)
    flagged = staff[:12] + staff[20:22]
    day = date(2026, 1, 5)
    write_flags(
        ws,
        [
            Flag(
                flag_id=f"F-{s}",
                person_id=ps.pseudonym(s),
                rule="planted_rule",
                rule_version=2,
                tier=Tier.TERTIARY,
                severity=Severity.LOW,
                mode=Mode.SHADOW,
                period_start=day,
                period_end=day + timedelta(days=6),
                metric="m",
                value=1.0,
                peer_median=None,
                peer_mad=None,
                peer_n=None,
                peer_low=None,
                peer_high=None,
                robust_z=None,
                percentile=None,
                periods_hit=1,
                evidence=(),
                explanation="x",
                scenario="x",
            )
            for s in flagged
        ],
        [],
    )
    upgrade(make_engine(ws.database_url))
    return ws


def test_report_and_live_gate_on_a_planted_force(force: Workspace) -> None:
    from integritas.fairness.service import fairness_report, gate_problems, justify, record
    from integritas.store.session import workspace_sessions

    with workspace_sessions(force).begin() as s:
        [r] = fairness_report(force, session=s, small_cell_k=10)
        assert (r.rule, r.rule_version, r.tier, r.population, r.flagged) == (
            "planted_rule",
            2,
            "tertiary",
            40,
            14,
        )
        sex = {g.group: g for d in r.dimensions if d.dimension == "sex" for g in d.groups}
        assert sex["female"].rate == pytest.approx(0.6) and sex["male"].rate == pytest.approx(0.1)
        assert sex["female"].ratio == pytest.approx(0.1 / 0.6)
        assert sex["female"].p_value == pytest.approx(_hand_fisher(12, 20, 2, 20))
        # One group of everyone: no comparison, never adverse. Religion unrecorded for all.
        eth = next(d for d in r.dimensions if d.dimension == "ethnicity")
        assert [g.group for g in eth.groups] == ["white"] and not eth.adverse
        assert not r.passed
        record(s, [r], actor="dpo-1", role="dpo")
        problems = gate_problems(s, "planted_rule", 2)
        assert len(problems) == 1 and "sex=female" in problems[0]
        justify(
            s,
            rule="planted_rule",
            rule_version=2,
            dimension="sex",
            group="female",
            text_="Scenario under test concentrates in one team; reviewed by the board.",
            actor="dpo-1",
        )
        assert gate_problems(s, "planted_rule", 2) == []
        assert gate_problems(s, "planted_rule", 3)[0].startswith("no fairness check")
