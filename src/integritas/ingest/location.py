"""Location minimisation: duty-window filter and geofence site labels.

A ping is kept only inside its holder's duty window (actual shift, else rostered, widened by
``duty_tolerance_minutes``), taken from committed ``duty_roster`` data. The test is a
day-bucketed equi-join: each window is expanded to the days it touches, pings join on
(person, day), and only then is the time compared, so the join never degenerates into a
range join over every shift.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integritas.ingest.errors import IngestError
from integritas.ingest.layout import atomic_write_text, curated_files
from integritas.ingest.readers import sql_literal
from integritas.settings import Workspace

OFF_SITE = "off-site"


class GeoSite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float = Field(gt=0)


class Geofences(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sites: tuple[GeoSite, ...] = ()


def parse_geofences(text: str, label: str) -> Geofences:
    try:
        raw = yaml.safe_load(text) or {}
        gf = Geofences.model_validate(raw)
    except yaml.YAMLError as exc:
        raise IngestError(f"{label}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise IngestError(
            [f"{label}: {'.'.join(map(str, er['loc']))}: {er['msg']}" for er in exc.errors()]
        ) from None
    codes = [s.code for s in gf.sites]
    dupes = sorted({c for c in codes if codes.count(c) > 1} | ({OFF_SITE} & set(codes)))
    if dupes:
        raise IngestError(f"{label}: duplicate or reserved site codes {dupes}")
    return gf


def load_geofences(ws: Workspace) -> Geofences:
    if not ws.geofences.exists():
        return Geofences()
    return parse_geofences(ws.geofences.read_text(encoding="utf-8"), str(ws.geofences))


def store_geofences(ws: Workspace, path: Path) -> Geofences:
    """Validate ``path`` and make it the workspace's geofences (atomically)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: cannot read geofences: {exc}") from None
    gf = parse_geofences(text, path.name)
    atomic_write_text(ws.geofences, text)
    return gf


def site_label_sql(gf: Geofences, lat: str, lon: str) -> str:
    """SQL giving the geofence code containing (lat, lon), smallest site first, else off-site."""
    if not gf.sites:
        return sql_literal(OFF_SITE)
    whens = []
    for s in sorted(gf.sites, key=lambda s: s.radius_m):
        dist = (
            f"2 * 6371000 * asin(sqrt(pow(sin(radians({lat} - {s.lat!r}) / 2), 2) + "
            f"cos(radians({s.lat!r})) * cos(radians({lat})) * "
            f"pow(sin(radians({lon} - {s.lon!r}) / 2), 2)))"
        )
        whens.append(f"WHEN {dist} <= {s.radius_m!r} THEN {sql_literal(s.code)}")
    return f"CASE {' '.join(whens)} ELSE {sql_literal(OFF_SITE)} END"


def build_duty_windows(con: duckdb.DuckDBPyConnection, ws: Workspace, tolerance_min: int) -> int:
    """Create ``__duty_days(person_id, day, w_start, w_end)``; returns the number of windows."""
    files = curated_files(ws, "duty_roster")
    if not files:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE __duty_days "
            "(person_id VARCHAR, day DATE, w_start TIMESTAMP, w_end TIMESTAMP)"
        )
        return 0
    lst = "[" + ", ".join(sql_literal(str(f)) for f in files) + "]"
    tol = f"INTERVAL {int(tolerance_min)} MINUTE"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE __duty_days AS
        WITH w AS (
            SELECT person_id,
                   CASE WHEN actual_start IS NOT NULL AND actual_end IS NOT NULL
                        THEN actual_start ELSE rostered_start END - {tol} AS w_start,
                   CASE WHEN actual_start IS NOT NULL AND actual_end IS NOT NULL
                        THEN actual_end ELSE rostered_end END + {tol} AS w_end
            FROM read_parquet({lst}, union_by_name=true)
        )
        SELECT person_id, w_start, w_end,
               CAST(unnest(generate_series(date_trunc('day', w_start),
                                           date_trunc('day', w_end), INTERVAL 1 DAY)) AS DATE)
                   AS day
        FROM w
        WHERE w_start IS NOT NULL AND w_end IS NOT NULL AND w_end >= w_start
        """
    )
    return int(con.execute("SELECT count(*) FROM __duty_days").fetchone()[0])  # type: ignore[index]


def mark_on_duty(con: duckdb.DuckDBPyConnection, person_sql: str, time_col: str) -> None:
    """Create ``__on_duty(__rn)``: staged rows whose person and time fall in a duty window.

    ``person_sql`` is a relation ``(__rn, person_id)`` giving each staged row's pseudonym.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE __ping_person AS
        SELECT s.__rn, p.person_id, s.{time_col} AS t, CAST(s.{time_col} AS DATE) AS day
        FROM __staged s JOIN ({person_sql}) p ON p.__rn = s.__rn
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE __on_duty AS
        SELECT DISTINCT q.__rn
        FROM __ping_person q
        JOIN __duty_days d ON d.person_id = q.person_id AND d.day = q.day
        WHERE q.t BETWEEN d.w_start AND d.w_end
        """
    )
    con.execute("DROP TABLE __ping_person")
