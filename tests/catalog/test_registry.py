from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from integritas.catalog import (
    CatalogError,
    DataCategory,
    Handling,
    Purpose,
    SourceKind,
    catalog,
    load_sources,
)
from integritas.catalog.registry import SOURCES_DIR

REQUIRED = {
    "hr_master",
    "unit_tree",
    "protected_characteristics",
    "duty_roster",
    "roster_audit",
    "overtime_claims",
    "absence",
    "badge_access",
    "it_access",
    "device_location",
    "complaints",
    "conduct_matters",
    "business_interests",
    "associations",
    "gifts_hospitality",
    "expenses",
    "vetting",
    "training",
    "registry_company_directors",
    "registry_memberships",
}


def _copy_catalog(tmp_path: Path, names: list[str]) -> Path:
    for name in names:
        (tmp_path / f"{name}.yaml").write_text((SOURCES_DIR / f"{name}.yaml").read_text())
    return tmp_path


def _edit(folder: Path, name: str, change) -> None:
    path = folder / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


def test_shipped_catalog_declares_every_required_source() -> None:
    cat = catalog()
    assert set(cat) >= REQUIRED
    assert len(cat) >= 18
    assert all(cat[name].active for name in cat), "every shipped source answers Bank Mellat"


def test_every_person_source_pseudonymises_its_person_field() -> None:
    for src in catalog().values():
        if src.person_field:
            field = src.field(src.person_field)
            assert field.handling is Handling.PSEUDONYMISE, src.name
            assert field.curated_name == "person_id", src.name


def test_special_category_sources_declare_article9() -> None:
    for src in catalog().values():
        if any(f.category is DataCategory.SPECIAL_CATEGORY for f in src.fields):
            assert src.lawful_basis.article9, src.name


def test_protected_characteristics_serve_equality_monitoring_only() -> None:
    src = catalog()["protected_characteristics"]
    assert src.purposes == (Purpose.EQUALITY_MONITORING,)


def test_location_never_stores_coordinates() -> None:
    src = catalog()["device_location"]
    assert src.kind is SourceKind.LOCATION
    assert "latitude" not in src.curated_columns()
    assert "longitude" not in src.curated_columns()


def test_identity_fields_go_to_vault_not_curated() -> None:
    hr = catalog()["hr_master"]
    stored = hr.curated_columns()
    assert "forename" not in stored and "date_of_birth" not in stored
    assert "surname" not in stored and "surname_key" in stored
    assert {f.name for f in hr.vault_fields()} >= {"staff_number", "forename", "surname"}


def test_free_text_kept_only_for_a_declared_purpose() -> None:
    cat = catalog()
    assert "notes" not in cat["overtime_claims"].curated_columns()
    assert "description" in cat["gifts_hospitality"].curated_columns()


def test_missing_bank_mellat_answer_loads_but_is_inactive(tmp_path: Path) -> None:
    folder = _copy_catalog(tmp_path, ["badge_access"])
    _edit(folder, "badge_access", lambda d: d["proportionality"].pop("fair_balance"))
    src = load_sources(folder)["badge_access"]
    assert not src.active
    assert src.inactive_reasons() == ["Bank Mellat answer missing: fair_balance"]


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    folder = _copy_catalog(tmp_path, ["absence", "it_access"])
    _edit(folder, "absence", lambda d: d["lawful_basis"].pop("article9"))
    _edit(folder, "it_access", lambda d: d.update(person_field="nobody"))
    (folder / "broken.yaml").write_text("name: [unclosed")
    with pytest.raises(CatalogError) as err:
        load_sources(folder)
    text = "\n".join(err.value.problems)
    assert len(err.value.problems) == 3
    assert "absence.yaml" in text and "Article 9" in text
    assert "it_access.yaml" in text and "'nobody'" in text
    assert "broken.yaml: not valid YAML" in text


def test_duplicate_source_names_are_rejected(tmp_path: Path) -> None:
    folder = _copy_catalog(tmp_path, ["vetting"])
    (folder / "vetting_again.yaml").write_text((folder / "vetting.yaml").read_text())
    with pytest.raises(CatalogError, match="declared twice"):
        load_sources(folder)


def test_unknown_source_lookup_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="declared sources: absence"):
        catalog()["nope"]


def test_every_source_key_is_stored_so_repeats_can_be_found() -> None:
    """A key names curated columns (a pseudonymised key by its pseudonym), for every source."""
    from integritas.catalog.registry import catalog

    keys = {name: src.curated_key() for name, src in catalog().items()}
    assert all(keys.values()), [n for n, k in keys.items() if not k]
    assert keys["hr_master"] == ("person_id",) and keys["badge_access"] == ("event_id",)
