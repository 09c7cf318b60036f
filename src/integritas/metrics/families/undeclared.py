"""Registry appointments and memberships nobody declared.

Each reads the accepted matches of the linkage review (derived ``linkage_accepted``: a human
accepted every registry match), never the registry alone, and compares the organisation with
the person's declarations after the normalisation in ``declarations.normalise_org``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from integritas.metrics.context import MetricContext
from integritas.metrics.families.declarations import (
    CONDUCT_TERTIARY,
    WITHDRAWN_STATUSES,
    normalise_number,
    normalise_org,
)
from integritas.metrics.registry import metric
from integritas.metrics.windows import calendar, evidence_rows

DECLARE_WITHIN_DAYS = 28  # an appointment is undeclared once this long has passed


def _declared(ctx: MetricContext, source: str) -> ir.Table:
    d = ctx.table(source)
    d = d.filter(~d.status.lower().fill_null("").isin(WITHDRAWN_STATUSES))
    number = (
        normalise_number(d.company_number.fill_null(""))
        if source == "business_interests"
        else ibis.literal("", type="string")
    )
    return d.select(
        d_person=d.person_id,
        d_name=normalise_org(d.organisation_name.fill_null("")),
        d_number=number,
        d_date=d.declared_date,
    )


def undeclared(ctx: MetricContext, registry: str, declarations: str) -> ir.Table:
    """Accepted registry matches (``linkage_accepted``) from ``registry`` active in a period,
    with no declaration of that organisation by the period end (same normalised name, a name
    one edit away for long names, or the same company number)."""
    acc = ctx.table("linkage_accepted")
    reg = ctx.table(registry)
    reg = reg.select(
        r_id=reg.record_id,
        r_name=reg.organisation_name,
        r_org=reg.organisation_id,
        r_start=reg.start_date,
        r_end=reg.end_date,
        _batch_id=reg._batch_id,
        _row_number=reg._row_number,
    )
    a = acc.select(a_person=acc.person_id, a_record=acc.record_id).distinct()
    m = a.join(reg, a.a_record == reg.r_id, how="inner")
    m = m.mutate(
        _name=normalise_org(m.r_name.fill_null("")), _number=normalise_number(m.r_org.fill_null(""))
    )
    j = m.cross_join(calendar(ctx))
    due = j.r_start.fill_null(j.period_start) + ibis.interval(days=DECLARE_WITHIN_DAYS)
    j = j.filter((due <= j.period_end) & (j.r_end.isnull() | (j.r_end >= j.period_start)))
    d = _declared(ctx, declarations)
    same_name = (j._name == d.d_name) & (j._name != "")
    near_name = (j._name.length() >= 10) & (j._name.levenshtein(d.d_name) <= 1)
    same_number = (j._number == d.d_number) & (j._number != "")
    cond = (
        (j.a_person == d.d_person)
        & (same_name | near_name | same_number)
        & (d.d_date.isnull() | (d.d_date <= j.period_end))
    )
    return j.anti_join(d, cond).mutate(subject_id=j.a_person.cast("string"))


def _undeclared_metric(j: ir.Table) -> ir.Table:
    return j.group_by(["subject_id", "period_start"]).aggregate(value=j.count().cast("float64"))


_UNDECLARED_NOTE = (
    " Reads the accepted matches of the linkage review (derived `linkage_accepted`: a human "
    "accepted each registry match), not the registry alone."
)


@metric(
    name="undeclared_directorships",
    period="month",
    reads=(
        "registry_company_directors.record_id",
        "registry_company_directors.organisation_name",
        "registry_company_directors.organisation_id",
        "registry_company_directors.start_date",
        "registry_company_directors.end_date",
        "business_interests.person_id",
        "business_interests.organisation_name",
        "business_interests.company_number",
        "business_interests.declared_date",
        "business_interests.status",
    ),
    description="Company appointments held in the month, matched to the person in the "
    "companies register, with no business-interest declaration of that company "
    f"{DECLARE_WITHIN_DAYS} days after appointment." + _UNDECLARED_NOTE,
    explanation="{value:.0f} company appointments found in the register with no business "
    "interest declared",
    unit="appointments",
    evidence=lambda ctx: evidence_rows(
        undeclared(ctx, "registry_company_directors", "business_interests"),
        "registry_company_directors",
    ),
    **CONDUCT_TERTIARY,
)
def undeclared_directorships(ctx: MetricContext) -> ir.Table:
    """Count of accepted registry_company_directors matches active in the month with no
    business_interests row of the person naming that company (normalised name or number)."""
    return _undeclared_metric(undeclared(ctx, "registry_company_directors", "business_interests"))


@metric(
    name="undeclared_memberships",
    period="month",
    reads=(
        "registry_memberships.record_id",
        "registry_memberships.organisation_name",
        "registry_memberships.organisation_id",
        "registry_memberships.start_date",
        "registry_memberships.end_date",
        "associations.person_id",
        "associations.organisation_name",
        "associations.declared_date",
        "associations.status",
    ),
    description="Memberships held in the month, matched to the person in a membership "
    "register, with no association declared for that organisation." + _UNDECLARED_NOTE,
    explanation="{value:.0f} memberships found in a register with no association declared",
    unit="memberships",
    evidence=lambda ctx: evidence_rows(
        undeclared(ctx, "registry_memberships", "associations"), "registry_memberships"
    ),
    **CONDUCT_TERTIARY,
)
def undeclared_memberships(ctx: MetricContext) -> ir.Table:
    """Count of accepted registry_memberships matches active in the month with no
    associations row of the person naming that organisation (normalised name)."""
    return _undeclared_metric(undeclared(ctx, "registry_memberships", "associations"))
