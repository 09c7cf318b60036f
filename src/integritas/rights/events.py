"""Audit event types of subject rights (declared once, at import)."""

from __future__ import annotations

from integritas.audit.events import declare_event_type

SAR_EXPORTED = declare_event_type(
    "rights.sar_exported",
    "A subject access export was produced for a person.",
    reads_person_data=True,
)
DISPUTE_RAISED = declare_event_type(
    "rights.dispute_raised", "A record was marked disputed and excluded from metrics."
)
DISPUTE_RESOLVED = declare_event_type(
    "rights.dispute_resolved", "A disputed record was corrected or the dispute rejected."
)
OBJECTION_RAISED = declare_event_type(
    "rights.objection_raised", "A person objected to a metric; their processing was paused."
)
OBJECTION_DECIDED = declare_event_type(
    "rights.objection_decided", "An objection to processing was decided with reasons."
)
