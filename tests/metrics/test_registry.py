"""The registry rejects duplicate names and purpose creep; docs cover every metric."""

from __future__ import annotations

from typing import Any

import pytest

from integritas.metrics.docs import missing_metadata, render_metrics
from integritas.metrics.minimisation import minimisation_report
from integritas.metrics.registry import MetricDeclarationError, MetricRegistry, load_metrics, metric


def _spec(**over: Any) -> dict[str, Any]:
    spec: dict[str, Any] = dict(
        name="test_metric",
        version=1,
        tier="secondary",
        subject="person",
        period="month",
        purpose="welfare",
        reads=("absence.person_id", "absence.start_date"),
        owner="Owner of tests",
        family="tests",
        description="A metric declared by a test.",
        explanation="{value:.0f} things in the month",
    )
    spec.update(over)
    return spec


def _fn(ctx: Any) -> Any:
    """Counts nothing."""
    return None


def test_duplicate_names_are_rejected() -> None:
    reg = MetricRegistry()
    metric(registry=reg, **_spec())(_fn)
    with pytest.raises(MetricDeclarationError, match="already declared"):
        metric(registry=reg, **_spec())(_fn)
    assert len(reg) == 1


def test_purpose_creep_is_rejected() -> None:
    reg = MetricRegistry()
    with pytest.raises(MetricDeclarationError, match="protected_characteristics"):
        metric(
            registry=reg,
            evidence=_fn,
            **_spec(
                tier="tertiary",
                purpose="conduct",
                reads=("protected_characteristics.person_id", "protected_characteristics.sex"),
            ),
        )(_fn)
    assert len(reg) == 0


def test_primary_metric_may_not_read_a_source_without_organisational_health() -> None:
    reg = MetricRegistry()
    with pytest.raises(MetricDeclarationError, match="business_interests"):
        metric(
            registry=reg,
            **_spec(
                tier="primary",
                subject="unit",
                purpose="organisational_health",
                reads=("business_interests.person_id",),
            ),
        )(_fn)


def test_every_registered_metric_has_complete_metadata_and_docs() -> None:
    ms = load_metrics()
    assert ms
    incomplete = {m.name: missing_metadata(m) for m in ms if missing_metadata(m)}
    assert incomplete == {}
    page = render_metrics()
    for m in ms:
        assert f"## {m.name}\n" in page
        assert m.spec.explanation.replace("|", "\\|") in page


def test_minimisation_lists_readers_and_unused_fields() -> None:
    report = minimisation_report()
    used = {f"{u.source}.{u.field}": u.metrics for u in report.used}
    assert "unit_sickness_absence_rate" in used["absence.absence_type"]
    unused = {f"{u.source}.{u.field}" for u in report.unused}
    assert "protected_characteristics.sex" in unused
    assert not unused & set(used)


def test_a_field_read_twice_is_rejected() -> None:
    reg = MetricRegistry()
    with pytest.raises(MetricDeclarationError, match="more than once"):
        metric(registry=reg, **_spec(reads=("absence.person_id", "absence.person_id")))(_fn)
    assert len(reg) == 0
