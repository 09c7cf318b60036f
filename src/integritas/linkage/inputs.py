"""Find linkage inputs: the staff identity vault and a registry source's curated Parquet."""

from __future__ import annotations

from pathlib import Path

from integritas.ingest.layout import curated_files, vault_files
from integritas.settings import Workspace

STAFF_SOURCE = "hr_master"
REGISTRY_FIELDS = ("record_id", "forenames", "surname", "organisation_name")


class LinkageInputError(Exception):
    """Every problem found with the inputs of a linkage run, listed once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def registry_sources() -> list[str]:
    """Names of declared sources of kind ``registry``."""
    from integritas.catalog.registry import catalog

    return sorted(name for name, src in catalog().items() if str(src.kind) == "registry")


def _check_registry(name: str) -> list[str]:
    from integritas.catalog.registry import catalog

    cat = catalog()
    if name not in cat:
        return [f"no declared source named {name!r} (registries: {', '.join(registry_sources())})"]
    src = cat[name]
    problems = []
    if str(src.kind) != "registry":
        problems.append(f"source {name!r} is of kind {src.kind}, not registry")
    fields = {f.name for f in src.fields}
    missing = [f for f in REGISTRY_FIELDS if f not in fields]
    if missing:
        problems.append(f"source {name!r} lacks standard registry fields: {', '.join(missing)}")
    return problems


def staff_files(ws: Workspace) -> list[Path]:
    files = vault_files(ws, STAFF_SOURCE)
    if not files:
        raise LinkageInputError([f"no committed {STAFF_SOURCE} identity-vault batch in {ws.home}"])
    return files


def registry_files(ws: Workspace, name: str) -> list[Path]:
    problems = _check_registry(name)
    files = curated_files(ws, name) if not problems else []
    if not problems and not files:
        problems.append(f"no committed batch of registry {name!r} in {ws.home}")
    if problems:
        raise LinkageInputError(problems)
    return files
