"""Each injected scenario is in the ground truth, with consistent evidence in the exports."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from integritas.synth.config import SynthConfig
from integritas.synth.force import build_force
from integritas.synth.scenarios import SCENARIOS, assign, eligible_rate_base


def people(force: Any, scenario: str) -> list[str]:
    return [r[0] for r in force.q(f"SELECT staff_number FROM truth WHERE scenario = '{scenario}'")]


def test_every_scenario_and_lookalike_is_in_the_truth(force: Any) -> None:
    kinds = dict(force.q("SELECT scenario, any_value(kind) FROM truth GROUP BY ALL"))
    for spec in SCENARIOS:
        assert kinds.get(spec.name) == spec.kind, spec.name
    for name in ("part_time_worker", "night_worker", "rostering_supervisor"):
        assert kinds.get(name) == "benign"


def test_rates_within_tolerance_of_configured() -> None:
    cfg = SynthConfig(staff=20000, days=14, seed=3)
    f = build_force(cfg, np.random.default_rng(3))
    asg = assign(f, cfg, np.random.default_rng(4))
    rates = cfg.rates.model_dump()
    for i, spec in enumerate(SCENARIOS):
        pool = eligible_rate_base(f, cfg, spec.eligible).sum()
        expected = rates[spec.name] * pool
        got = (asg.scenario == i).sum()
        sd = np.sqrt(expected * (1 - rates[spec.name])) + 1
        assert abs(got - max(expected, len(spec.variants))) <= 4 * sd + len(spec.variants), (
            spec.name
        )


def test_overtime_without_presence(force: Any) -> None:
    for sn in people(force, "overtime_no_presence"):
        claims = force.q(
            f"SELECT start_time, end_time FROM std_overtime_claims WHERE staff_number = '{sn}' "
            "AND reason_code = 'staff_shortage'"
        )
        assert len(claims) >= 3
        ghost = 0
        for start, end in claims:
            (swipes,) = force.q(
                f"SELECT count(*) FROM raw_badge_access WHERE staff_number = '{sn}' "
                f"AND CAST(event_time AS TIMESTAMP) BETWEEN TIMESTAMP '{start}' + INTERVAL 30 MINUTE "
                f"AND TIMESTAMP '{end}'"
            )[0]
            ghost += swipes == 0
        assert ghost == len(claims)
    # heavy but legitimate major-event overtime carries an authorised operation code
    for sn in people(force, "major_event_heavy_overtime"):
        (ops,) = force.q(
            f"SELECT count(*) FROM std_overtime_claims o JOIN raw_major_events e USING (operation_code) "
            f"WHERE staff_number = '{sn}' AND reason_code = 'major_event'"
        )[0]
        assert ops >= 1


def test_double_and_self_authorised_claims(force: Any) -> None:
    for sn in people(force, "double_claim"):
        (dupes,) = force.q(
            f"SELECT count(*) FROM std_overtime_claims a JOIN std_overtime_claims b "
            f"ON a.staff_number = b.staff_number AND a.claim_id < b.claim_id "
            f"AND a.start_time < b.end_time AND b.start_time < a.end_time "
            f"WHERE a.staff_number = '{sn}'"
        )[0]
        assert dupes >= 2
    for sn in people(force, "self_authorised_claim"):
        (own,) = force.q(
            f"SELECT count(*) FROM std_overtime_claims WHERE staff_number = '{sn}' "
            f"AND authoriser_staff_number = '{sn}'"
        )[0]
        assert own >= 1
    (others,) = force.q(
        "SELECT count(*) FROM std_overtime_claims WHERE staff_number = authoriser_staff_number "
        "AND staff_number NOT IN (SELECT staff_number FROM truth WHERE scenario = 'self_authorised_claim')"
    )[0]
    assert others == 0


def test_roster_manipulation_self_and_retrospective_edits(force: Any) -> None:
    variants = set()
    for sn in people(force, "roster_manipulation"):
        rows = force.q(
            f"SELECT edit_type, CAST(edited_at AS TIMESTAMP) > CAST(shift_date AS TIMESTAMP) + INTERVAL 2 DAY "
            f"FROM raw_roster_audit a JOIN raw_duty_roster r USING (shift_id) "
            f"WHERE editor_staff_number = '{sn}' AND subject_staff_number = '{sn}' "
            f"AND CAST(overtime_hours_delta AS DOUBLE) > 0"
        )
        assert len(rows) >= 3
        variants |= {"retrospective" if retro else typ for typ, retro in rows}
    assert {"overtime_add", "retrospective"} <= variants
    # supervisors who roster edit many other people's duties: the benign look-alike
    (edits,) = force.q(
        "SELECT median(n) FROM (SELECT count(*) n FROM raw_roster_audit a JOIN truth t "
        "ON a.editor_staff_number = t.staff_number AND t.scenario = 'rostering_supervisor' "
        "WHERE subject_staff_number <> editor_staff_number GROUP BY editor_staff_number)"
    )[0]
    assert edits >= 10


def test_registry_interests_declared_or_not(force: Any) -> None:
    und = people(force, "undeclared_secondary_employment")
    dec = people(force, "declared_second_job")
    assert und and dec
    linked = {
        r[0]
        for r in force.q(
            "SELECT staff_number FROM link WHERE registry = 'registry_company_directors'"
        )
    }
    declared = {
        r[0]
        for r in force.q(
            "SELECT staff_number FROM raw_business_interests WHERE status = 'approved' "
            "AND company_number IS NOT NULL"
        )
    }
    assert set(und) <= linked and set(dec) <= linked
    assert not set(und) & declared and set(dec) <= declared
    # the declared company numbers are the registry's
    (hits,) = force.q(
        "SELECT count(*) FROM raw_business_interests b JOIN std_registry_company_directors r "
        "ON b.company_number = r.organisation_id"
    )[0]
    assert hits >= len(dec)
    sick = [
        sn
        for sn in und
        if force.q(
            f"SELECT count(*) FROM raw_absence WHERE staff_number = '{sn}' "
            "AND absence_type = 'sickness'"
        )[0][0]
        >= 2
    ]
    assert sick, "some undeclared directors are absent sick while active"
    mem = people(force, "undeclared_membership")
    mlinked = {
        r[0]
        for r in force.q("SELECT staff_number FROM link WHERE registry = 'registry_memberships'")
    }
    assoc = {r[0] for r in force.q("SELECT staff_number FROM raw_associations")}
    assert set(mem) <= mlinked and not set(mem) & assoc


def test_registry_name_variants_and_namesakes(force: Any) -> None:
    variants = {r[0] for r in force.q("SELECT DISTINCT variant FROM link")}
    assert (
        len(
            variants
            & {
                "nickname",
                "typo",
                "swapped",
                "double_barrelled",
                "missing_birth",
                "district_only",
                "exact",
            }
        )
        >= 4
    )
    for sn in people(force, "registry_namesake"):
        fore, sur, dob, _pc = force.q(
            f"SELECT forename, surname, date_of_birth, home_postcode FROM raw_hr_master "
            f"WHERE staff_number = '{sn}'"
        )[0]
        rows = force.q(
            "SELECT record_id, birth_year FROM (SELECT record_id, forenames, surname, birth_year FROM std_registry_company_directors "
            "UNION ALL SELECT record_id, forenames, surname, birth_year FROM std_registry_memberships) "
            f"WHERE lower(surname) = lower('{sur.replace(chr(39), chr(39) * 2)}') AND forenames = '{fore}' "
            "AND record_id NOT IN (SELECT record_id FROM link)"
        )
        assert any(y is not None and int(y) != int(dob[:4]) for _, y in rows), sn
    (staff_rows,) = force.q("SELECT count(*) FROM link")[0]
    (all_rows,) = force.q("SELECT count(*) FROM std_registry_company_directors")[0]
    assert staff_rows < all_rows / 10  # mostly people who are not staff


def test_hybrid_attendance_and_exemptions(force: Any) -> None:
    def ratio(scenario: str) -> float:
        (r,) = force.q(
            "WITH w AS (SELECT staff_number, count(*) n FROM raw_duty_roster WHERE status = 'worked' GROUP BY 1), "
            "b AS (SELECT staff_number, count(DISTINCT CAST(event_time AS DATE)) d FROM raw_badge_access GROUP BY 1) "
            f"SELECT median(coalesce(b.d, 0) / w.n * 100 / CAST(h.hybrid_policy_pct AS DOUBLE)) FROM truth t "
            "JOIN raw_hr_master h USING (staff_number) JOIN w USING (staff_number) LEFT JOIN b USING (staff_number) "
            f"WHERE t.scenario = '{scenario}'"
        )[0]
        return float(r)

    assert ratio("hybrid_noncompliance") < 0.7
    assert ratio("attendance_exemption") < 0.5
    exempt = {
        r[0]
        for r in force.q(
            "SELECT staff_number FROM raw_hr_master WHERE attendance_exemption = 'true'"
        )
    }
    assert exempt == set(people(force, "attendance_exemption"))


def test_welfare_and_adjustments(force: Any) -> None:
    for sn in people(force, "reasonable_adjustment"):
        (n,) = force.q(
            f"SELECT count(*) FROM raw_absence WHERE staff_number = '{sn}' AND absence_type = 'sickness' "
            "AND reasonable_adjustment = 'true'"
        )[0]
        assert n >= 1
    (ra_others,) = force.q(
        "SELECT count(*) FROM raw_absence WHERE reasonable_adjustment = 'true' AND staff_number "
        "NOT IN (SELECT staff_number FROM truth WHERE scenario = 'reasonable_adjustment')"
    )[0]
    assert ra_others == 0
    for sn in people(force, "no_leave"):
        assert (
            force.q(
                f"SELECT count(*) FROM raw_absence WHERE staff_number = '{sn}' AND absence_type = 'annual_leave'"
            )[0][0]
            == 0
        )
    (hours_ratio,) = force.q(
        "WITH h AS (SELECT staff_number, sum(hours) hrs FROM std_overtime_claims GROUP BY 1) "
        "SELECT (SELECT median(hrs) FROM h JOIN truth USING (staff_number) WHERE scenario = 'excessive_hours') "
        "/ (SELECT median(hrs) FROM h)"
    )[0]
    assert hours_ratio > 3
    half = f"DATE '{force.cfg.start}' + {force.cfg.days // 2}"
    late, early = force.q(
        f"SELECT count(*) FILTER (work_date >= {half}), count(*) FILTER (work_date < {half}) "
        "FROM std_overtime_claims JOIN truth USING (staff_number) "
        "WHERE scenario = 'rising_sickness_overtime'"
    )[0]
    assert late > 2 * early


def test_system_misuse_variants(force: Any) -> None:
    rows = force.q(
        "SELECT t.detail, i.* FROM truth t JOIN raw_it_access i ON i.user_staff_number = t.staff_number "
        "WHERE t.scenario = 'system_misuse'"
    )
    seen = {r[0].split(":")[0] for r in rows}
    assert seen == {
        "no_incident",
        "colleague",
        "same_surname",
        "same_postcode",
        "bulk",
        "out_of_duty",
    }
    (colleague,) = force.q(
        "SELECT count(*) FROM raw_it_access i JOIN truth t ON i.user_staff_number = t.staff_number "
        "WHERE t.detail LIKE 'colleague%' AND i.subject_staff_number IS NOT NULL AND i.incident_reference IS NULL"
    )[0]
    assert colleague >= 4
    (linked,) = force.q(
        "SELECT avg(CASE WHEN incident_reference IS NULL THEN 0 ELSE 1 END) FROM raw_it_access"
    )[0]
    assert linked > 0.85


def test_complaints_gifts_vetting_training(force: Any) -> None:
    for sn in people(force, "complaint_pattern"):
        (best,) = force.q(
            f"SELECT max(n) FROM (SELECT count(DISTINCT complainant_reference) n FROM raw_complaints "
            f"WHERE staff_number = '{sn}' GROUP BY allegation_category)"
        )[0]
        assert best >= 3
    for sn in people(force, "undeclared_supplier_gifts"):
        (n,) = force.q(
            f"SELECT count(*) FROM raw_gifts_hospitality g WHERE staff_number = '{sn}' AND supplier_id IS NULL "
            "AND accepted = 'true' AND approved IS NULL"
        )[0]
        assert n >= 2
    end = f"DATE '{force.cfg.start}' + {force.cfg.days}"
    for sn in people(force, "vetting_lapsed"):
        (bad,) = force.q(
            f"SELECT count(*) FROM raw_vetting WHERE staff_number = '{sn}' AND (status = 'lapsed' OR "
            f"CAST(review_due_date AS DATE) < DATE '{force.cfg.start}')"
        )[0]
        assert bad == 1
    (ok_lapsed,) = force.q(
        f"SELECT count(*) FROM raw_vetting WHERE CAST(review_due_date AS DATE) < {end} AND staff_number "
        "NOT IN (SELECT staff_number FROM truth WHERE scenario = 'vetting_lapsed')"
    )[0]
    assert ok_lapsed == 0
    for sn in people(force, "training_overdue"):
        (n,) = force.q(
            f"SELECT count(*) FROM raw_training WHERE staff_number = '{sn}' AND mandatory = 'true' "
            f"AND completed_date IS NULL AND CAST(due_date AS DATE) < DATE '{force.cfg.start}' - 30"
        )[0]
        assert n >= 1


def test_pings_around_the_clock_only_for_device_holders(force: Any) -> None:
    (holders, staff) = force.q(
        "SELECT count(DISTINCT staff_number), (SELECT count(*) FROM raw_hr_master) FROM raw_device_location"
    )[0]
    assert 0 < holders < staff
    (off_duty,) = force.q(
        "SELECT avg(CASE WHEN r.shift_id IS NULL THEN 1 ELSE 0 END) FROM raw_device_location p LEFT JOIN raw_duty_roster r "
        "ON r.staff_number = p.staff_number AND r.actual_start IS NOT NULL "
        "AND p.ping_time BETWEEN CAST(r.actual_start AS TIMESTAMP) - INTERVAL 30 MINUTE "
        "AND CAST(r.actual_end AS TIMESTAMP) + INTERVAL 30 MINUTE"
    )[0]
    assert 0.1 < off_duty < 0.9


@pytest.mark.parametrize("pattern", ["part_time_worker", "night_worker"])
def test_structural_lookalikes_match_hr(force: Any, pattern: str) -> None:
    wp = {"part_time_worker": "part_time", "night_worker": "nights"}[pattern]
    rows = force.q(
        f"SELECT count(*), count(*) FILTER (h.working_pattern = '{wp}') FROM truth t JOIN raw_hr_master h "
        f"USING (staff_number) WHERE t.scenario = '{pattern}'"
    )[0]
    assert rows[0] > 0 and rows[0] == rows[1]
