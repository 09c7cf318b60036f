"""Exports in a "foreign" shape, as real systems write them, and the mappings that read them.

Overtime claims come out of payroll (other headers, UK dates, display codes, minutes rather
than hours); company directors come in a companies-registry shape ("SURNAME, Forenames",
month and year of birth only). The mapping files follow docs/architecture.md.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml

OT_FILE = "payroll_ot_export.csv"
CH_FILE = "companies_officers_extract.csv"
REASONS = {
    "major_event": "Major Event",
    "staff_shortage": "Staffing Shortfall",
    "late_arrest": "Late Arrest",
    "court": "Court",
    "training": "Training",
    "other": "Other",
}
STATUS = {"approved": "APPROVED", "pending": "PENDING", "rejected": "REJECTED", "paid": "PAID"}
ROLES = {"director": "Director", "secretary": "Secretary", "member": "LLP Member"}


def _recode(arr: pa.Array, codes: dict[str, str]) -> pa.Array:
    keys = list(codes)
    idx = pc.index_in(arr, value_set=pa.array(keys))
    return pc.take(pa.array(list(codes.values())), idx)


def payroll_overtime(t: pa.Table) -> pa.Table:
    mins = pc.cast(pc.round(pc.multiply(t["hours"], 60.0)), pa.int64())
    return pa.table(
        {
            "Claim Ref": t["claim_id"],
            "Emp No": t["staff_number"],
            "Cost Centre": t["unit_id"],
            "Date Worked": pc.strftime(t["work_date"], format="%d/%m/%Y"),
            "Start": pc.strftime(t["start_time"], format="%d/%m/%Y %H:%M"),
            "Finish": pc.strftime(t["end_time"], format="%d/%m/%Y %H:%M"),
            "Mins": mins,
            "Rate": pc.if_else(pc.equal(t["reason_code"], "major_event"), "T2.0", "T1.5"),
            "Reason": _recode(t["reason_code"], REASONS),
            "Op Code": t["operation_code"],
            "Authorised By": t["authoriser_staff_number"],
            "Submitted": pc.strftime(t["submitted_at"], format="%d/%m/%Y %H:%M"),
            "Status": _recode(t["status"], STATUS),
            "Duty Ref": t["shift_id"],
            "Notes": t["notes"],
        }
    )


def companies_house(t: pa.Table) -> pa.Table:
    name = pc.binary_join_element_wise(
        pc.utf8_upper(t["surname"]), pc.fill_null(t["forenames"], ""), ", "
    )
    return pa.table(
        {
            "Officer ID": t["record_id"],
            "Company Number": t["organisation_id"],
            "Company Name": pc.utf8_upper(t["organisation_name"]),
            "Officer Name": name,
            "Officer Role": _recode(t["role"], ROLES),
            "Month of Birth": t["birth_month"],
            "Year of Birth": t["birth_year"],
            "Address Postcode": t["postcode"],
            "Appointed On": pc.strftime(t["start_date"], format="%d/%m/%Y"),
            "Resigned On": pc.strftime(t["end_date"], format="%d/%m/%Y"),
            "Nationality": pa.array(["British"] * t.num_rows),
        }
    )


def mappings() -> dict[str, dict[str, object]]:
    """Mapping documents by source, in the format of docs/architecture.md."""
    ts = "%d/%m/%Y %H:%M"
    return {
        "overtime_claims": {
            "source": "overtime_claims",
            "match": "payroll_ot_*.csv",
            "columns": {
                "claim_id": "Claim Ref",
                "staff_number": "Emp No",
                "unit_id": "Cost Centre",
                "work_date": {"from": "Date Worked", "format": "%d/%m/%Y"},
                "start_time": {"from": "Start", "format": ts},
                "end_time": {"from": "Finish", "format": ts},
                "hours": {"expr": 'round(CAST("Mins" AS DOUBLE) / 60.0, 2)'},
                "reason_code": {"from": "Reason", "codes": {v: k for k, v in REASONS.items()}},
                "operation_code": "Op Code",
                "authoriser_staff_number": "Authorised By",
                "submitted_at": {"from": "Submitted", "format": ts},
                "status": {"from": "Status", "codes": {v: k for k, v in STATUS.items()}},
                "shift_id": "Duty Ref",
                "notes": "Notes",
            },
        },
        "registry_company_directors": {
            "source": "registry_company_directors",
            "match": "companies_officers_*.csv",
            "columns": {
                "record_id": "Officer ID",
                "surname": {"expr": "trim(split_part(\"Officer Name\", ',', 1))"},
                "forenames": {"expr": "nullif(trim(split_part(\"Officer Name\", ',', 2)), '')"},
                "birth_year": "Year of Birth",
                "birth_month": "Month of Birth",
                "postcode": "Address Postcode",
                "organisation_name": "Company Name",
                "organisation_id": "Company Number",
                "role": {"from": "Officer Role", "codes": {v: k for k, v in ROLES.items()}},
                "start_date": {"from": "Appointed On", "format": "%d/%m/%Y"},
                "end_date": {"from": "Resigned On", "format": "%d/%m/%Y"},
            },
        },
    }


def write_mappings(out: Path) -> list[str]:
    folder = out / "mappings"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for source, doc in mappings().items():
        path = folder / f"{source}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        written.append(f"mappings/{path.name}")
    return written
