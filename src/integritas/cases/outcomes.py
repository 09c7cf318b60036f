"""The outcomes a human may record, as declared data, with police-staff route labels.

``adverse``: recorded against the person; needs the subject's account first.
``confirms``: the indicator pointed at something real (counts as confirmed for rule precision);
non-confirming outcomes count like a triage dismissal.
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    label: str  # police officers (Police (Conduct) Regulations route)
    staff_label: str  # police staff (staff misconduct / capability procedures)
    adverse: bool
    confirms: bool
    restricts: bool = False  # moves the case to the restricted area

    def label_for(self, staff_type: str) -> str:
        return self.staff_label if staff_type == "staff" else self.label


class DuplicateOutcome(ValueError):
    pass


_OUTCOMES: dict[str, Outcome] = {}


def _declare(
    code: str,
    label: str,
    *,
    adverse: bool,
    confirms: bool,
    staff_label: str | None = None,
    restricts: bool = False,
) -> Outcome:
    if code in _OUTCOMES:
        raise DuplicateOutcome(f"outcome {code!r} is already declared")
    o = Outcome(
        code=code,
        label=label,
        staff_label=staff_label or label,
        adverse=adverse,
        confirms=confirms,
        restricts=restricts,
    )
    _OUTCOMES[code] = o
    return o


def outcomes() -> MappingProxyType[str, Outcome]:
    return MappingProxyType(_OUTCOMES)


def outcome(code: str) -> Outcome:
    try:
        return _OUTCOMES[code]
    except KeyError:
        raise KeyError(f"unknown outcome {code!r}; known: {', '.join(_OUTCOMES)}") from None


_declare("no_further_action", "No further action / data corrected", adverse=False, confirms=False)
_declare("legitimate_explanation", "Legitimate explanation", adverse=False, confirms=False)
_declare(
    "welfare_support",
    "Welfare support or occupational health referral",
    adverse=False,
    confirms=True,
)
_declare("management_conversation", "Management conversation", adverse=True, confirms=True)
_declare("organisational_fix", "Organisational fix", adverse=False, confirms=True)
_declare("declaration_invited", "Declaration invited or updated", adverse=False, confirms=True)
_declare("early_intervention_letter", "Early-intervention letter", adverse=True, confirms=True)
_declare(
    "practice_requiring_improvement",
    "Practice requiring improvement (reflective practice review)",
    staff_label="Informal performance improvement (staff capability procedure)",
    adverse=True,
    confirms=True,
)
_declare(
    "misconduct_meeting",
    "Misconduct meeting",
    staff_label="Staff disciplinary hearing (misconduct)",
    adverse=True,
    confirms=True,
)
_declare(
    "gross_misconduct_hearing",
    "Gross misconduct hearing",
    staff_label="Staff disciplinary hearing (gross misconduct)",
    adverse=True,
    confirms=True,
)
_declare(
    "business_interest_incompatible",
    "Business interest ruled incompatible",
    staff_label="Secondary employment / business interest refused",
    adverse=True,
    confirms=True,
)
_declare("vetting_review", "Vetting review", adverse=True, confirms=True)
_declare(
    "iopc_referral",
    "Referral to the Independent Office for Police Conduct",
    staff_label="Referral to the Independent Office for Police Conduct (staff under direction "
    "and control)",
    adverse=True,
    confirms=True,
)
_declare(
    "criminal_referral",
    "Criminal referral",
    adverse=True,
    confirms=True,
    restricts=True,
)

DISMISSAL_REASONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "data_error": "Data error (the source data was wrong or incomplete)",
        "legitimate_explanation": "Legitimate explanation on the record",
        "duplicate": "Duplicate of another flag or case",
        "below_threshold": "Not significant on review",
        "out_of_scope": "Outside the purpose of the rule",
    }
)
# A duplicate says nothing about whether the rule was right: left out of precision.
NOT_COUNTED_FOR_PRECISION = frozenset({"duplicate"})
