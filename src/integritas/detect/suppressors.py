"""Shared context suppressors: legitimate explanations that remove a rule's hit before it flags.

Each suppressor is SQL over the candidate hits (``person_id``, ``period_start``, ``period_end``)
and the curated views registered in the same DuckDB connection. It returns
``(person_id, period_start, reason)`` for each hit it explains away; the reason is kept with the
suppressed hit so that a reviewer of the rule can see what the context removed.

Context is read from the same curated sources the metrics use; each suppressor says what it
reads. They are deliberately narrow: a context explains a behaviour only when it plausibly covers
it (a part-time worker is only excused an attendance shortfall that pro-rating removes).
"""

from __future__ import annotations

from typing import Any

from integritas.detect.registry import SUPPRESSORS

# How far back a reasonable adjustment still counts as standing context for a period.
ADJUSTMENT_LOOKBACK_DAYS = 365
# Share of the period's overtime hours that must be on authorised operations to explain it.
MAJOR_EVENT_SHARE = 0.5
# Share of the period's worked shifts that must be nights to count as a night rota.
NIGHT_ROTA_SHARE = 0.5


def _person_flags() -> str:
    """One row per person from hr_master (the latest batch wins where a person repeats)."""
    return """
        SELECT person_id, is_supervisor, role, working_pattern, fte, hybrid_policy_pct,
               attendance_exemption
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY person_id ORDER BY _batch_id DESC, _row_number DESC) AS _rn
            FROM hr_master
        ) WHERE _rn = 1
    """


@SUPPRESSORS.register(
    "reasonable_adjustment",
    description="The person has an absence recorded under a reasonable adjustment in the "
    f"{ADJUSTMENT_LOOKBACK_DAYS} days up to the end of the period: absence and working "
    "patterns are judged against the adjustment, not the general policy.",
    reads=(
        "absence.person_id",
        "absence.reasonable_adjustment",
        "absence.start_date",
        "absence.end_date",
    ),
)
def reasonable_adjustment(con: Any, hits: str) -> str:
    return f"""
        SELECT h.person_id, h.period_start,
               'reasonable adjustment recorded (' || count(*) || ' absence(s) since '
                 || strftime(min(a.start_date), '%Y-%m-%d') || ')' AS reason
        FROM {hits} h
        JOIN absence a ON a.person_id = h.person_id
        WHERE coalesce(a.reasonable_adjustment, false)
          AND a.start_date <= h.period_end
          AND coalesce(a.end_date, a.start_date)
              >= h.period_start - INTERVAL {ADJUSTMENT_LOOKBACK_DAYS} DAY
        GROUP BY h.person_id, h.period_start
    """


@SUPPRESSORS.register(
    "attendance_exemption",
    description="The person holds an approved exemption from the office-attendance policy.",
    reads=("hr_master.person_id", "hr_master.attendance_exemption"),
)
def attendance_exemption(con: Any, hits: str) -> str:
    return f"""
        SELECT h.person_id, h.period_start,
               'approved exemption from the office-attendance policy' AS reason
        FROM {hits} h JOIN ({_person_flags()}) p USING (person_id)
        WHERE coalesce(p.attendance_exemption, false)
    """


@SUPPRESSORS.register(
    "part_time_pro_rata",
    description="A part-time person whose office days meet their attendance policy once the "
    "policy is pro-rated by FTE over the weekdays of the period.",
    reads=(
        "hr_master.person_id",
        "hr_master.fte",
        "hr_master.working_pattern",
        "hr_master.hybrid_policy_pct",
        "badge_access.person_id",
        "badge_access.event_time",
        "badge_access.result",
    ),
)
def part_time_pro_rata(con: Any, hits: str) -> str:
    return f"""
        WITH pt AS (
            SELECT h.person_id, h.period_start, h.period_end, p.fte, p.hybrid_policy_pct
            FROM {hits} h JOIN ({_person_flags()}) p USING (person_id)
            WHERE (p.fte < 1 OR p.working_pattern = 'part_time') AND p.hybrid_policy_pct > 0
        ),
        weekdays AS (
            SELECT pt.person_id, pt.period_start, count(*) AS n
            FROM pt, range(pt.period_start, pt.period_end + INTERVAL 1 DAY, INTERVAL 1 DAY) r(d)
            WHERE isodow(r.d) <= 5
            GROUP BY ALL
        ),
        office AS (
            SELECT pt.person_id, pt.period_start, count(DISTINCT b.event_time::date) AS n
            FROM pt JOIN badge_access b ON b.person_id = pt.person_id
             AND b.event_time::date BETWEEN pt.period_start AND pt.period_end
             AND b.result = 'granted'
            GROUP BY ALL
        )
        SELECT pt.person_id, pt.period_start,
               'part-time (FTE ' || round(coalesce(pt.fte, 1), 2) || '): '
                 || coalesce(o.n, 0) || ' office days meets the pro-rated policy of '
                 || round(pt.hybrid_policy_pct * coalesce(pt.fte, 1) * w.n / 100, 1) AS reason
        FROM pt JOIN weekdays w USING (person_id, period_start)
        LEFT JOIN office o USING (person_id, period_start)
        WHERE coalesce(pt.fte, 1) < 1
          AND coalesce(o.n, 0) >= pt.hybrid_policy_pct * pt.fte * w.n / 100
    """


@SUPPRESSORS.register(
    "night_rota",
    description="The person works a night rota: night working pattern, or at least "
    f"{NIGHT_ROTA_SHARE:.0%} of their worked shifts in the period were nights.",
    reads=(
        "hr_master.person_id",
        "hr_master.working_pattern",
        "duty_roster.person_id",
        "duty_roster.shift_date",
        "duty_roster.shift_type",
        "duty_roster.status",
    ),
)
def night_rota(con: Any, hits: str) -> str:
    return f"""
        WITH shifts AS (
            SELECT h.person_id, h.period_start,
                   count(*) FILTER (WHERE r.shift_type = 'night') AS nights,
                   count(r.shift_id) AS worked
            FROM {hits} h LEFT JOIN duty_roster r ON r.person_id = h.person_id
             AND r.shift_date BETWEEN h.period_start AND h.period_end AND r.status = 'worked'
            GROUP BY ALL
        )
        SELECT s.person_id, s.period_start,
               CASE WHEN p.working_pattern = 'nights' THEN 'works a night rota (pattern: nights)'
                    ELSE 'works a night rota (' || s.nights || ' of ' || s.worked
                         || ' worked shifts were nights)' END AS reason
        FROM shifts s LEFT JOIN ({_person_flags()}) p USING (person_id)
        WHERE p.working_pattern = 'nights'
           OR (s.worked > 0 AND s.nights >= {NIGHT_ROTA_SHARE} * s.worked)
    """


@SUPPRESSORS.register(
    "major_event_overtime",
    description="At least half of the person's overtime hours in the period were claimed "
    "against a major-event operation with overtime authorised, on the operation's dates.",
    reads=(
        "overtime_claims.person_id",
        "overtime_claims.work_date",
        "overtime_claims.hours",
        "overtime_claims.operation_code",
        "overtime_claims.status",
        "major_events.operation_code",
        "major_events.start_date",
        "major_events.end_date",
        "major_events.overtime_authorised",
    ),
)
def major_event_overtime(con: Any, hits: str) -> str:
    return f"""
        WITH claims AS (
            SELECT h.person_id, h.period_start, c.hours, c.operation_code,
                   EXISTS (
                       SELECT 1 FROM major_events e
                       WHERE e.operation_code = c.operation_code
                         AND coalesce(e.overtime_authorised, false)
                         AND c.work_date BETWEEN e.start_date AND e.end_date
                   ) AS authorised
            FROM {hits} h JOIN overtime_claims c ON c.person_id = h.person_id
             AND c.work_date BETWEEN h.period_start AND h.period_end
             AND coalesce(c.status, '') <> 'rejected'
        ),
        summed AS (
            SELECT person_id, period_start,
                   sum(hours) FILTER (WHERE authorised) AS op_hours, sum(hours) AS all_hours,
                   string_agg(DISTINCT operation_code, ', ') FILTER (WHERE authorised) AS ops
            FROM claims GROUP BY ALL
        )
        SELECT person_id, period_start,
               round(op_hours, 1) || ' of ' || round(all_hours, 1)
                 || ' overtime hours on authorised major-event operations (' || ops || ')'
                 AS reason
        FROM summed
        WHERE all_hours > 0 AND coalesce(op_hours, 0) >= {MAJOR_EVENT_SHARE} * all_hours
    """


@SUPPRESSORS.register(
    "rostering_role",
    description="The person is a supervisor or holds a rostering/resourcing role: editing "
    "other people's rosters is part of their job.",
    reads=("hr_master.person_id", "hr_master.is_supervisor", "hr_master.role"),
)
def rostering_role(con: Any, hits: str) -> str:
    return f"""
        SELECT h.person_id, h.period_start,
               CASE WHEN coalesce(p.is_supervisor, false)
                    THEN 'supervisor: rostering their team is part of the role'
                    ELSE 'role ' || p.role || ' includes rostering' END AS reason
        FROM {hits} h JOIN ({_person_flags()}) p USING (person_id)
        WHERE coalesce(p.is_supervisor, false)
           OR lower(coalesce(p.role, '')) LIKE '%roster%'
           OR lower(coalesce(p.role, '')) LIKE '%resourc%'
    """
