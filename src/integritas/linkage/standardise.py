"""Bring staff identities and registry rows to one shape, inside DuckDB (5M rows in seconds).

Shape: unique_id, forename (first token), forename_canon (via the nickname table, for
blocking), forename_family (the full names it can stand for, for comparing), initial,
surname (letters only, parts joined), surname_parts, surname_first, surname_last, dob,
dob_text, birth_year, birth_month, birth_day, postcode_district, postcode_full (unit
postcode without spaces, only when the value is a whole postcode; the district is then read
from it, so a full postcode agreeing implies its district agreeing), postcode_area.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integritas.linkage.nicknames import canonical_table, family_table

_SHAPE_SQL = """
WITH raw AS ({inner}),
cleaned AS (
  SELECT unique_id,
    nullif(trim(regexp_replace(regexp_replace(lower(coalesce(fn_raw, '')), '\\s+', ' ', 'g'), '[^a-z ]', '', 'g')), '') AS fn_clean,
    nullif(trim(regexp_replace(regexp_replace(lower(coalesce(sn_raw, '')), '\\s+', ' ', 'g'), '[^a-z \\-]', '', 'g')), '') AS sn_clean,
    dob_raw, by_raw, bm_raw,
    nullif(upper(regexp_replace(coalesce(pc_raw, ''), '[^A-Za-z0-9 ]', '', 'g')), '') AS pc_clean
  FROM raw
),
shaped AS (
  SELECT unique_id,
    split_part(fn_clean, ' ', 1) AS forename,
    list_filter(regexp_split_to_array(sn_clean, '[\\s\\-]+'), lambda x: x <> '') AS surname_parts,
    dob_raw AS dob,
    coalesce(year(dob_raw), by_raw) AS birth_year,
    coalesce(month(dob_raw), bm_raw) AS birth_month,
    day(dob_raw) AS birth_day,
    CASE
      WHEN pc_clean IS NULL THEN NULL
      WHEN pc_full IS NOT NULL THEN left(pc_full, length(pc_full) - 3)
      WHEN strpos(trim(pc_clean), ' ') > 0 THEN split_part(trim(pc_clean), ' ', 1)
      WHEN length(replace(pc_clean, ' ', '')) >= 5 THEN left(replace(pc_clean, ' ', ''),
           length(replace(pc_clean, ' ', '')) - 3)
      ELSE replace(pc_clean, ' ', '')
    END AS postcode_district,
    pc_full AS postcode_full
  FROM (
    SELECT *,
      CASE WHEN regexp_matches(replace(coalesce(pc_clean, ''), ' ', ''), '^[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}$')
           THEN replace(pc_clean, ' ', '') END AS pc_full
    FROM cleaned
  )
)
SELECT s.unique_id,
  nullif(s.forename, '') AS forename,
  coalesce(n.canonical, nullif(s.forename, '')) AS forename_canon,
  CASE WHEN s.forename <> '' THEN coalesce(f.family, [s.forename]) END AS forename_family,
  nullif(left(s.forename, 1), '') AS initial,
  nullif(array_to_string(s.surname_parts, ''), '') AS surname,
  CASE WHEN len(s.surname_parts) > 0 THEN s.surname_parts END AS surname_parts,
  s.surname_parts[1] AS surname_first,
  s.surname_parts[-1] AS surname_last,
  s.dob, strftime(s.dob, '%Y%m%d') AS dob_text,
  s.birth_year::INTEGER AS birth_year, s.birth_month::INTEGER AS birth_month,
  s.birth_day::INTEGER AS birth_day,
  s.postcode_district, s.postcode_full,
  regexp_extract(s.postcode_district, '^[A-Z]+') AS postcode_area
FROM shaped s LEFT JOIN linkage_nicknames n ON n.name = s.forename
  LEFT JOIN linkage_forename_families f ON f.name = s.forename
"""


def _files_sql(files: list[Path]) -> str:
    quoted = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    return f"read_parquet([{quoted}], union_by_name = true, filename = true)"


def register_nicknames(con: Any) -> None:
    """The nickname tables: ``linkage_nicknames(name, canonical)`` and
    ``linkage_forename_families(name, family)``."""
    import pyarrow as pa

    rows = canonical_table()
    table = pa.table({"name": [r[0] for r in rows], "canonical": [r[1] for r in rows]})
    families = family_table()
    family = pa.table(
        {
            "name": [r[0] for r in families],
            "family": pa.array([list(r[1]) for r in families], pa.list_(pa.string())),
        }
    )
    for name, data in (("linkage_nicknames", table), ("linkage_forename_families", family)):
        con.register(f"{name}_arrow", data)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")


def staff_table(con: Any, files: list[Path], name: str = "linkage_staff") -> int:
    """Standardised staff identities from identity-vault Parquet; returns the row count."""
    inner = (
        "SELECT CAST(person_id AS VARCHAR) AS unique_id, CAST(forename AS VARCHAR) AS fn_raw, "
        "CAST(surname AS VARCHAR) AS sn_raw, TRY_CAST(date_of_birth AS DATE) AS dob_raw, "
        "NULL::INTEGER AS by_raw, NULL::INTEGER AS bm_raw, CAST(home_postcode AS VARCHAR) AS pc_raw "
        f"FROM {_files_sql(files)} QUALIFY row_number() OVER (PARTITION BY person_id "
        "ORDER BY filename DESC) = 1"
    )
    return _create(con, name, inner)


def registry_table(con: Any, files: list[Path], name: str = "linkage_registry") -> int:
    """Standardised registry rows from curated Parquet (standard registry fields)."""
    inner = (
        "SELECT CAST(record_id AS VARCHAR) AS unique_id, CAST(forenames AS VARCHAR) AS fn_raw, "
        "CAST(surname AS VARCHAR) AS sn_raw, TRY_CAST(date_of_birth AS DATE) AS dob_raw, "
        "TRY_CAST(birth_year AS INTEGER) AS by_raw, TRY_CAST(birth_month AS INTEGER) AS bm_raw, "
        f"CAST(postcode AS VARCHAR) AS pc_raw FROM {_files_sql(files)}"
    )
    return _create(con, name, inner)


def _create(con: Any, name: str, inner: str) -> int:
    con.execute(f"CREATE OR REPLACE TABLE {name} AS {_SHAPE_SQL.format(inner=inner)}")
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()
    return int(rows[0][0])
