"""Turn one metric's raw result into ``metric_values`` rows: periods, zero-fill, peers, cells.

Runs in DuckDB over the (small) per-subject result whatever engine computed it, so peer
statistics are exact and identical for both engines.

- **Person metrics**: the peer group is the person's unit and rank/grade (``hr_master``);
  when fewer than ``min_peer_group`` people in it have a value, the person is compared
  force-wide with the same rank/grade; below that, there is no comparison. Count metrics
  declared zero-filled give 0 to every person active that period who has no row.
- **Unit metrics** (primary tier): a cell over fewer than ``small_cell_k`` people is stored
  with a null value and ``suppressed = true``; peers are the force's other unsuppressed units.

Statistics: ``peer_median`` and ``peer_mad`` (median absolute deviation) over the group,
``peer_percentile`` the mid-rank percentile of the value in it (ties count half).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from integritas.metrics.model import MetricSpec, Subject
from integritas.metrics.values import VALUES_SCHEMA


def fetch_arrow(con: Any, sql: str, params: list[Any] | None = None) -> pa.Table:
    """Run ``sql`` and read the whole result now (a later statement would invalidate it)."""
    result = con.execute(sql, params or []).arrow()
    return result if isinstance(result, pa.Table) else result.read_all()


def period_starts(period: str, start: date, end: date) -> list[date]:
    """Every period of kind ``period`` that starts inside [start, end]."""
    out: list[date] = []
    if period == "day":
        day = start
        while day <= end:
            out.append(day)
            day += timedelta(days=1)
        return out
    if period == "week":
        day = start + timedelta(days=(7 - start.weekday()) % 7)
        while day <= end:
            out.append(day)
            day += timedelta(days=7)
        return out
    month = date(start.year, start.month, 1)
    if month < start:
        month = _next_month(month)
    while month <= end:
        out.append(month)
        month = _next_month(month)
    return out


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_end_sql(period: str, col: str = "period_start") -> str:
    if period == "day":
        return col
    if period == "week":
        return f"CAST({col} + INTERVAL 6 DAY AS DATE)"
    return f"CAST(last_day({col}) AS DATE)"


# hr_master may hold several snapshots (one per batch): the latest batch describes a person.
PEOPLE_SQL = """
  SELECT person_id, unit_id, rank_grade, start_date, leave_date FROM (
    SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY _batch_id DESC) AS _k
    FROM hr_master WHERE person_id IS NOT NULL) WHERE _k = 1
"""

_STATS = """
  SELECT *, count(*) OVER g AS g_n,
         median(value) OVER g AS g_median,
         (rank() OVER (g ORDER BY value) - 1
           + 0.5 * count(*) OVER (PARTITION BY period_start, {key}, value)) AS g_below
  FROM {src}
  WINDOW g AS (PARTITION BY period_start, {key})
"""


def finalise(
    con: Any,
    spec: MetricSpec,
    raw: pa.Table,
    *,
    start: date,
    end: date,
    zero_fill: bool,
    small_cell_k: int,
    min_peer_group: int,
    batch_ids: list[str],
    computed_at: datetime,
) -> pa.Table:
    """``raw`` (subject_id, period_start, value[, n_people]) -> rows in VALUES_SCHEMA."""
    unit = spec.subject is Subject.UNIT
    if "n_people" not in raw.column_names:
        raw = raw.append_column("n_people", pa.nulls(raw.num_rows, pa.int64()))
    raw = raw.select(["subject_id", "period_start", "value", "n_people"]).cast(
        pa.schema(
            [
                ("subject_id", pa.string()),
                ("period_start", pa.date32()),
                ("value", pa.float64()),
                ("n_people", pa.int64()),
            ]
        )
    )
    con.register("__raw", raw)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE __cur AS SELECT * FROM __raw "
            "WHERE period_start BETWEEN ? AND ? AND subject_id IS NOT NULL",
            [start, end],
        )
        pend = period_end_sql(spec.period)
        if zero_fill and not unit:
            periods = pa.table(
                {"period_start": pa.array(period_starts(spec.period, start, end), pa.date32())}
            )
            con.register("__periods", periods)
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE __cur AS
                WITH active AS (
                  SELECT h.person_id AS subject_id, p.period_start
                  FROM ({PEOPLE_SQL}) h,
                       __periods p
                  WHERE (h.start_date IS NULL OR h.start_date <= {pend.replace("period_start", "p.period_start")})
                    AND (h.leave_date IS NULL OR h.leave_date >= p.period_start))
                SELECT coalesce(c.subject_id, a.subject_id) AS subject_id,
                       coalesce(c.period_start, a.period_start) AS period_start,
                       coalesce(c.value, 0.0) AS value, c.n_people
                FROM __cur c FULL OUTER JOIN active a
                  ON c.subject_id = a.subject_id AND c.period_start = a.period_start"""
            )
            con.unregister("__periods")
        if unit:
            sql = _unit_sql(pend)
            params: list[Any] = [small_cell_k]
        else:
            sql = _person_sql(pend)
            params = [min_peer_group, min_peer_group]
        body = fetch_arrow(con, sql, params)
    finally:
        con.unregister("__raw")
    n = body.num_rows
    body = body.append_column("subject_type", pa.array([spec.subject.value] * n, pa.string()))
    body = body.append_column("metric", pa.array([spec.name] * n, pa.string()))
    body = body.append_column("version", pa.array([spec.version] * n, pa.int64()))
    body = body.append_column("tier", pa.array([spec.tier.value] * n, pa.string()))
    body = body.append_column("batch_ids", pa.array([list(batch_ids)] * n, pa.list_(pa.string())))
    body = body.append_column(
        "computed_at", pa.array([computed_at] * n, pa.timestamp("us", tz="UTC"))
    )
    return body.select(VALUES_SCHEMA.names).cast(VALUES_SCHEMA)


def _unit_sql(pend: str) -> str:
    return f"""
    WITH cells AS (
      SELECT subject_id, period_start, {pend} AS period_end,
             CASE WHEN n_people IS NULL OR n_people < $1 THEN NULL ELSE value END AS value,
             (n_people IS NULL OR n_people < $1) AS suppressed, n_people
      FROM __cur),
    shown AS (SELECT * FROM cells WHERE NOT suppressed AND value IS NOT NULL),
    stats AS ({_STATS.format(key="'force'", src="shown")}),
    mad AS (
      SELECT period_start, median(abs(value - g_median)) AS g_mad FROM stats GROUP BY 1)
    SELECT c.subject_id, c.period_start, c.period_end, c.value, c.suppressed, c.n_people,
           CASE WHEN s.g_n IS NULL THEN NULL ELSE 'force' END AS peer_group,
           s.g_n AS peer_n, s.g_median AS peer_median, m.g_mad AS peer_mad,
           100.0 * s.g_below / s.g_n AS peer_percentile
    FROM cells c
    LEFT JOIN stats s ON s.subject_id = c.subject_id AND s.period_start = c.period_start
    LEFT JOIN mad m ON m.period_start = c.period_start
    ORDER BY c.period_start, c.subject_id
    """


def _person_sql(pend: str) -> str:
    return f"""
    WITH people AS ({PEOPLE_SQL}),
    cur AS (
      SELECT c.subject_id, c.period_start, c.value, c.n_people,
             p.unit_id, p.rank_grade,
             coalesce(p.unit_id, '?') || ' / ' || coalesce(p.rank_grade, '?') AS unit_key,
             coalesce(p.rank_grade, '?') AS rank_key,
             p.person_id IS NOT NULL AS known
      FROM __cur c LEFT JOIN people p ON p.person_id = c.subject_id),
    valued AS (SELECT * FROM cur WHERE value IS NOT NULL AND known),
    by_unit AS ({_STATS.format(key="unit_key", src="valued")}),
    by_rank AS ({_STATS.format(key="rank_key", src="valued")}),
    mad_unit AS (
      SELECT period_start, unit_key, median(abs(value - g_median)) AS g_mad
      FROM by_unit GROUP BY 1, 2),
    mad_rank AS (
      SELECT period_start, rank_key, median(abs(value - g_median)) AS g_mad
      FROM by_rank GROUP BY 1, 2),
    picked AS (
      SELECT c.subject_id, c.period_start, c.value, c.n_people,
        CASE WHEN u.g_n >= $1 THEN 'unit+rank: ' || c.unit_key
             WHEN r.g_n >= $2 THEN 'rank: ' || c.rank_key END AS peer_group,
        CASE WHEN u.g_n >= $1 THEN u.g_n WHEN r.g_n >= $2 THEN r.g_n END AS peer_n,
        CASE WHEN u.g_n >= $1 THEN u.g_median WHEN r.g_n >= $2 THEN r.g_median END
          AS peer_median,
        CASE WHEN u.g_n >= $1 THEN mu.g_mad WHEN r.g_n >= $2 THEN mr.g_mad END AS peer_mad,
        CASE WHEN u.g_n >= $1 THEN 100.0 * u.g_below / u.g_n
             WHEN r.g_n >= $2 THEN 100.0 * r.g_below / r.g_n END AS peer_percentile
      FROM cur c
      LEFT JOIN by_unit u ON u.subject_id = c.subject_id AND u.period_start = c.period_start
      LEFT JOIN by_rank r ON r.subject_id = c.subject_id AND r.period_start = c.period_start
      LEFT JOIN mad_unit mu ON mu.period_start = c.period_start AND mu.unit_key = c.unit_key
      LEFT JOIN mad_rank mr ON mr.period_start = c.period_start AND mr.rank_key = c.rank_key)
    SELECT subject_id, period_start, {pend} AS period_end, value, false AS suppressed,
           n_people, peer_group, peer_n, peer_median, peer_mad, peer_percentile
    FROM picked ORDER BY period_start, subject_id
    """
