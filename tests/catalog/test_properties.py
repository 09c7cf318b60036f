"""Arbitrary YAML never crashes the catalog loader: it is valid or a CatalogError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from integritas.catalog import CatalogError, load_sources

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=300), values.map(repr)))
def test_arbitrary_text_is_a_clear_catalog_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "x.yaml").write_text(text, encoding="utf-8")
        try:
            load_sources(Path(tmp))
        except CatalogError as exc:
            assert exc.problems and all(p.startswith("x.yaml") for p in exc.problems)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "fields", "purposes", "kind", "x"]), values))
def test_arbitrary_mappings_are_clear_catalog_errors(data: dict) -> None:
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "x.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        try:
            load_sources(Path(tmp))
        except CatalogError as exc:
            assert exc.problems
