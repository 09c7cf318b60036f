"""A small synthetic force, generated once per test session, with helpers to read it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from integritas.synth.config import SynthConfig
from integritas.synth.service import EXPORTS, SynthReport, generate


@dataclass
class Generated:
    out: Path
    cfg: SynthConfig
    report: SynthReport
    con: duckdb.DuckDBPyConnection
    loaded: set[str] = field(default_factory=set)

    def path(self, source: str) -> Path:
        return self.out / EXPORTS[source][0]

    def raw(self, source: str) -> str:
        """A DuckDB relation name over the export as written (every column text)."""
        name = f"raw_{source}"
        if name in self.loaded:
            return name
        self.loaded.add(name)
        p = self.path(source)
        if p.suffix == ".csv":
            sql = f"SELECT * FROM read_csv('{p}', all_varchar = true, header = true)"
        elif p.suffix == ".parquet":
            sql = f"SELECT * FROM read_parquet('{p}')"
        elif p.suffix == ".jsonl":
            sql = f"SELECT * FROM read_json('{p}', format = 'newline_delimited')"
        else:
            from openpyxl import load_workbook

            ws = load_workbook(p, read_only=True).active
            rows = list(ws.iter_rows(values_only=True))
            import pyarrow as pa

            tbl = pa.table(
                {
                    h: [None if v is None else str(v) for v in col]
                    for h, *col in zip(*rows, strict=True)
                }
            )
            self.con.register(f"xl_{source}", tbl)
            sql = f"SELECT * FROM xl_{source}"
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        return name

    def mapping(self, source: str) -> dict[str, Any] | None:
        p = self.out / "mappings" / f"{source}.yaml"
        return yaml.safe_load(p.read_text()) if p.exists() else None

    def std(self, source: str) -> str:
        """A relation in the declared shape: the export after its mapping, if it has one."""
        from integritas.catalog.registry import catalog

        raw = self.raw(source)
        mapping = self.mapping(source)
        if mapping is None:
            self.con.execute(f"CREATE OR REPLACE VIEW std_{source} AS SELECT * FROM {raw}")
            return raw
        cols = []
        for f in catalog()[source].fields:
            spec = mapping["columns"].get(f.name)
            if spec is None:
                expr = "NULL"
            elif isinstance(spec, str):
                expr = f'"{spec}"'
            elif "expr" in spec:
                expr = spec["expr"]
            elif "value" in spec:
                expr = f"'{spec['value']}'"
            elif "codes" in spec:
                whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in spec["codes"].items())
                expr = f'CASE "{spec["from"]}" {whens} ELSE "{spec["from"]}" END'
            else:
                expr = f"strptime(\"{spec['from']}\", '{spec['format']}')"
                if f.type == "date":
                    expr = f"CAST({expr} AS DATE)"
            cols.append(f"{expr} AS {f.name}")
        name = f"std_{source}"
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(cols)} FROM {raw}")
        return name

    def q(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()


@pytest.fixture(scope="session")
def force(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("force")
    cfg = SynthConfig(staff=600, days=100, seed=11)
    report = generate(cfg, out)
    con = duckdb.connect()
    gen = Generated(out, cfg, report, con)
    for source in EXPORTS:
        gen.std(source)
    con.execute(
        f"CREATE VIEW truth AS SELECT * FROM read_csv('{out / 'ground_truth.csv'}', all_varchar=true)"
    )
    con.execute(
        f"CREATE VIEW link AS SELECT * FROM read_csv('{out / 'linkage_truth.csv'}', all_varchar=true)"
    )
    return gen
