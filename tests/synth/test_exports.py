"""Every export fits its declared source (after its mapping), checked against the catalog itself."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from integritas.catalog.registry import catalog
from integritas.synth.config import SynthConfig
from integritas.synth.service import EXPORTS, generate

DUCK = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def test_one_export_per_declared_source() -> None:
    assert set(EXPORTS) == set(catalog())
    formats = {f for _, f in EXPORTS.values()}
    assert {"csv", "parquet", "jsonl", "xlsx"} <= formats


@pytest.mark.parametrize("source", sorted(EXPORTS))
def test_export_fits_declared_fields(force: Any, source: str) -> None:
    src = catalog()[source]
    rel = force.std(source)
    cols = {r[0] for r in force.q(f"DESCRIBE {rel}")}
    problems = []
    (n,) = force.q(f"SELECT count(*) FROM {rel}")[0]
    assert n > 0, f"{source}: empty export"
    for f in src.fields:
        if f.name not in cols:
            if not f.nullable:
                problems.append(f"{f.name}: missing non-nullable column")
            continue
        col = f'CAST("{f.name}" AS VARCHAR)'
        if not f.nullable:
            (nulls,) = force.q(f"SELECT count(*) FROM {rel} WHERE {col} IS NULL OR {col} = ''")[0]
            if nulls:
                problems.append(f"{f.name}: {nulls} empty values in a non-nullable field")
        cast = f"TRY_CAST({col} AS {DUCK[f.type]})"
        (bad,) = force.q(
            f"SELECT count(*) FROM {rel} WHERE {col} IS NOT NULL AND {col} <> '' AND {cast} IS NULL"
        )[0]
        if bad:
            problems.append(f"{f.name}: {bad} values are not {f.type}")
        if f.values:
            allowed = ", ".join(f"'{v}'" for v in f.values)
            (bad,) = force.q(
                f"SELECT count(*) FROM {rel} WHERE {col} <> '' AND {col} NOT IN ({allowed})"
            )[0]
            if bad:
                problems.append(f"{f.name}: {bad} values outside the code list")
        if f.min is not None or f.max is not None:
            lo = f.min if f.min is not None else -1e18
            hi = f.max if f.max is not None else 1e18
            (bad,) = force.q(
                f"SELECT count(*) FROM {rel} WHERE TRY_CAST({col} AS DOUBLE) NOT BETWEEN {lo} AND {hi}"
            )[0]
            if bad:
                problems.append(f"{f.name}: {bad} values outside [{lo}, {hi}]")
    for k in src.key:
        (dupes,) = force.q(f'SELECT count(*) - count(DISTINCT "{k}") FROM {rel}')[0]
        if dupes:
            problems.append(f"key {k}: {dupes} duplicates")
    assert not problems, f"{source}: " + "; ".join(problems)


def test_foreign_shapes_need_their_mapping(force: Any) -> None:
    mapped = sorted(p.stem for p in (force.out / "mappings").glob("*.yaml"))
    assert len(mapped) >= 2
    for source in mapped:
        doc = yaml.safe_load((force.out / "mappings" / f"{source}.yaml").read_text())
        assert doc["source"] == source
        raw_cols = {r[0] for r in force.q(f"DESCRIBE {force.raw(source)}")}
        assert not {f.name for f in catalog()[source].fields} & raw_cols  # really another shape
    row = force.q(
        'SELECT "Date Worked", "Reason" FROM raw_overtime_claims WHERE "Reason" = \'Major Event\' LIMIT 1'
    )
    assert row and row[0][0][2] == "/"


def test_undeclared_columns_are_there_to_be_dropped(force: Any) -> None:
    for source, column in (
        ("absence", "diagnosis_note"),
        ("hr_master", "national_insurance_number"),
        ("device_location", "battery_level"),
    ):
        cols = {r[0] for r in force.q(f"DESCRIBE {force.raw(source)}")}
        assert column in cols
        assert column not in {f.name for f in catalog()[source].fields}


def test_geofences_cover_badge_sites(force: Any) -> None:
    sites = {s["code"] for s in yaml.safe_load((force.out / "geofences.yaml").read_text())["sites"]}
    used = {r[0] for r in force.q("SELECT DISTINCT site_code FROM raw_badge_access")}
    assert used <= sites and len(used) >= 3


def test_synth_json_counts_rows(force: Any) -> None:
    meta = json.loads((force.out / "synth.json").read_text())
    assert meta["seed"] == 11
    (n,) = force.q("SELECT count(*) FROM raw_duty_roster")[0]
    assert meta["rows"]["duty_roster.csv"] == n


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    cfg = SynthConfig(staff=300, days=21, seed=5, chunk_staff=120)
    generate(cfg, tmp_path / "a")
    generate(cfg, tmp_path / "b")
    generate(cfg.model_copy(update={"seed": 6}), tmp_path / "c")
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert len(a) == len(EXPORTS) + 4 + 2  # exports, two truths, synth.json, geofences, mappings
    differing = [k for k in a if a[k] != c[k]]
    assert "duty_roster.csv" in differing and "hr_master.csv" in differing
