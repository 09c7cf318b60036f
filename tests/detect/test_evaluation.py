from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from integritas.detect.evaluation import (
    ScoredFlag,
    TruthFileError,
    TruthRow,
    read_truth,
    render_table,
    score,
)

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def flag(person: str, tier: str, start: date, rank: float = 0.0) -> ScoredFlag:
    return ScoredFlag(person, tier, start, start.replace(day=28), rank)


def test_hand_computed_scores() -> None:
    truth = [
        TruthRow("A", "roster", JAN, date(2026, 1, 31), "misconduct"),
        TruthRow("B", "roster", FEB, date(2026, 2, 28), "misconduct"),
        TruthRow("C", "misuse", JAN, date(2026, 3, 31), "misconduct"),
        TruthRow("D", "heavy_overtime", JAN, date(2026, 3, 31), "benign"),
        TruthRow("E", "second_job", JAN, date(2026, 3, 31), "benign"),
        TruthRow("W", "excess_hours", JAN, date(2026, 3, 31), "welfare"),
    ]
    flags = [
        flag("A", "tertiary", JAN),  # hit
        flag("B", "tertiary", MAR),  # wrong period: not a hit, a false positive
        flag("C", "tertiary", FEB),  # hit
        flag("D", "tertiary", JAN),  # benign look-alike flagged
        flag("W", "secondary", JAN, rank=5.0),  # welfare hit, ranked first
        flag("Z", "secondary", JAN, rank=1.0),
    ]
    s = score("integritas", flags, truth, k=2)
    assert s.recall == {"misuse": 1.0, "roster": 0.5}
    assert s.tertiary_precision == pytest.approx(2 / 4)
    assert s.benign_people == 2 and s.benign_fpr == pytest.approx(1 / 2)
    assert s.secondary_precision_at_k == pytest.approx(1 / 2)
    table = render_table([s])
    assert "recall: roster (n=2)" in table and "50.0%" in table


def test_truth_file_problems_are_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text(
        "staff_number,scenario,start,end,kind\n"
        "X1,roster,2026-01-01,2026-01-31,misconduct\n"
        "X2,roster,not-a-date,2026-01-31,misconduct\n"
        "X3,roster,2026-01-01,31/01/2026,misconduct\n"
    )
    with pytest.raises(TruthFileError) as err:
        read_truth(path, lambda s: s)
    assert "truth.csv:3" in str(err.value) and "truth.csv:4" in str(err.value)


def test_truth_is_pseudonymised_on_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        "staff_number,scenario,start,end,kind\nX1,roster,2026-01-01,2026-01-31,misconduct\n"
    )
    rows = read_truth(path, lambda s: f"P-{s}")
    assert rows[0].person_id == "P-X1" and rows[0].end == date(2026, 1, 31)


def test_baselines_on_hand_made_values(con) -> None:
    import pyarrow as pa

    from integritas.detect.baselines import fixed_count_baseline, unit_z_baseline

    rows = [
        dict(
            subject_type="person",
            subject_id=f"P{i}",
            metric="complaints",
            tier="tertiary",
            peer_group="U1",
            period_start=JAN,
            period_end=date(2026, 1, 31),
            value=v,
        )
        for i, v in enumerate([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 3, 20])
    ]
    con.register("metric_values", pa.Table.from_pylist(rows))
    assert sorted(f.person_id for f in fixed_count_baseline(con, count=3)) == ["P11", "P12"]
    # mean 25/13 ~ 1.92, sd ~ 5.47: only 20 is more than 3 sd above
    assert [f.person_id for f in unit_z_baseline(con, z=3)] == ["P12"]
