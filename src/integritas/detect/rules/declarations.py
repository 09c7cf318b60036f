"""Declaration rules: supplier gifts, undeclared registry appointments, second-job hours."""

from __future__ import annotations

from typing import Any

from integritas.detect.models import Mode, Rule, Severity, Tier
from integritas.detect.registry import RULES, SUPPRESSORS

PSD = "Head of Professional Standards"
# Names at least this similar (Jaro-Winkler on normalised names) are the same organisation.
SIMILAR_NAME = 0.9
_LEGAL = r"\b(limited|ltd|plc|llp|lp|cic|company|co|incorporated|inc|the|and|uk|group)\b"


def _norm(col: str) -> str:
    text = (
        f"regexp_replace(replace(lower(coalesce({col}, '')), '&', ' and '), '[^a-z0-9 ]', ' ', 'g')"
    )
    text = f"regexp_replace({text}, '{_LEGAL}', ' ', 'g')"
    return f"trim(regexp_replace({text}, '\\s+', ' ', 'g'))"


def _has(con: Any, table: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    return bool(rows and rows[0])


def _similar_declared(con: Any, hits: str, registry: str, declared: str, status: str) -> str:
    if not (_has(con, "linkage_accepted") and _has(con, registry)):
        return f"SELECT person_id, period_start, '' AS reason FROM {hits} WHERE false"
    return f"""
        SELECT DISTINCT h.person_id, h.period_start,
               'declared as ' || d.organisation_name || ' (' || d.status || '), similar to '
                 || r.organisation_name || ' in the register' AS reason
        FROM {hits} h
        JOIN linkage_accepted a ON a.person_id = h.person_id
        JOIN {registry} r ON r.record_id = a.record_id
        JOIN {declared} d ON d.person_id = h.person_id
        WHERE lower(coalesce(d.status, '')) IN ({status})
          AND d.declared_date <= h.period_end
          AND {_norm("d.organisation_name")} <> ''
          AND (jaro_winkler_similarity({_norm("d.organisation_name")},
                                       {_norm("r.organisation_name")}) >= {SIMILAR_NAME}
               OR contains({_norm("r.organisation_name")}, {_norm("d.organisation_name")})
               OR contains({_norm("d.organisation_name")}, {_norm("r.organisation_name")}))
    """


@SUPPRESSORS.register(
    "approved_business_interest",
    description="The person holds an approved business-interest declaration whose organisation "
    "name is close to the registered company's (a trading name, a typing slip).",
    reads=(
        "business_interests.person_id",
        "business_interests.organisation_name",
        "business_interests.status",
        "business_interests.declared_date",
        "registry_company_directors.record_id",
        "registry_company_directors.organisation_name",
    ),
)
def approved_business_interest(con: Any, hits: str) -> str:
    return _similar_declared(
        con, hits, "registry_company_directors", "business_interests", "'approved'"
    )


@SUPPRESSORS.register(
    "declared_association",
    description="The person declared an association whose organisation name is close to the "
    "registered organisation's.",
    reads=(
        "associations.person_id",
        "associations.organisation_name",
        "associations.status",
        "associations.declared_date",
        "registry_memberships.record_id",
        "registry_memberships.organisation_name",
    ),
)
def declared_association(con: Any, hits: str) -> str:
    return _similar_declared(
        con, hits, "registry_memberships", "associations", "'noted', 'approved', 'pending'"
    )


RULES.add(
    Rule(
        name="supplier_gifts_unapproved",
        version=1,
        title="Supplier gifts accepted without approval",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.HIGH,
        metric="supplier_gifts_unapproved",
        threshold=1.0,
        scenario="undeclared_supplier_gifts",
        explanation="{value} [gift or hospitality|gifts or hospitality] from force suppliers accepted without approval "
        "in the 12 months to {period_end}.",
        rationale="Gifts from those who contract with the force need approval under the gifts "
        "policy; a supplier is recognised by its id or its normalised name, so a missing "
        "supplier link or 'Ltd' for 'Limited' does not hide it.",
    )
)
RULES.add(
    Rule(
        name="gifts_value_high",
        version=1,
        title="High value of gifts accepted",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.LOW,
        metric="gifts_value_12m",
        threshold=500.0,
        min_robust_z=3.0,
        scenario="gifts_value",
        explanation="£{value} of gifts and hospitality accepted in the 12 months to "
        "{period_end}; peers £{peer_low}-£{peer_high}.",
        rationale="Approved gifts can still add up to an appearance of obligation; shadow.",
    )
)
RULES.add(
    Rule(
        name="expenses_to_gift_supplier",
        version=1,
        title="Expenses paid to a supplier that gave a gift",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.MEDIUM,
        metric="expenses_to_gift_supplier",
        threshold=1.0,
        scenario="supplier_conflict",
        explanation="{value} expense [claim|claims] in {period_start} paid to a supplier that gave the "
        "claimant a gift in the previous year.",
        rationale="Spending with a supplier after accepting its gift is a conflict of interest "
        "to review; small suppliers (hotels) make innocent overlaps common, hence shadow.",
    )
)
RULES.add(
    Rule(
        name="business_interest_review_overdue",
        version=1,
        title="Business interest past its review date",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.SHADOW,
        severity=Severity.LOW,
        metric="business_interest_review_overdue",
        threshold=1.0,
        scenario="declaration_review_overdue",
        explanation="{value} approved business [interest|interests] past [its|their] review date at {period_end}.",
        rationale="Approvals are time-limited; overdue reviews are usually administrative.",
    )
)
RULES.add(
    Rule(
        name="second_job_hours_excessive",
        version=1,
        title="Duty plus second-job hours over the working-time limit",
        owner="Head of Occupational Health and Wellbeing",
        tier=Tier.SECONDARY,
        mode=Mode.SHADOW,
        severity=Severity.LOW,
        metric="second_job_plus_duty_hours",
        threshold=48.0,
        scenario="excessive_hours",
        explanation="about {value} [hour|hours] a week in {period_start} with duty and the declared "
        "second job.",
        rationale="The Working Time Regulations average of 48 hours a week applies across jobs; "
        "declared second jobs are approved, so this is welfare, and shadow until measured.",
    )
)
RULES.add(
    Rule(
        name="undeclared_directorship",
        version=1,
        title="Company appointment not declared",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.HIGH,
        metric="undeclared_directorships",
        threshold=1.0,
        suppressors=("approved_business_interest",),
        scenario="undeclared_secondary_employment",
        explanation="{value} company [appointment|appointments] in the companies register (a match accepted "
        "by a reviewer) with no business interest declared by {period_end}.",
        rationale="Business interests must be declared; only human-accepted registry matches "
        "count, so namesakes are excluded, and a declaration under a similar name suppresses.",
    )
)
RULES.add(
    Rule(
        name="undeclared_membership",
        version=1,
        title="Membership not declared",
        owner=PSD,
        tier=Tier.TERTIARY,
        mode=Mode.LIVE,
        severity=Severity.HIGH,
        metric="undeclared_memberships",
        threshold=1.0,
        suppressors=("declared_association",),
        scenario="undeclared_membership",
        explanation="{value} [membership|memberships] in a register (a match accepted by a reviewer) with "
        "no association declared by {period_end}.",
        rationale="Membership of organisations that could conflict with police duties must be "
        "declared; only human-accepted registry matches count.",
    )
)
