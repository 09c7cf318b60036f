"""Audit event types written by human review (the permission checks are access actions)."""

from __future__ import annotations

from integritas.audit.events import declare_event_type

FLAGS_RECEIVED = declare_event_type("flags.received", "Live flags were handed off for review.")
FLAG_DISMISSED = declare_event_type("flag.dismissed", "A flag was dismissed with a reason.")
CASE_OPENED = declare_event_type("case.opened", "A case was opened from one or more flags.")
CASE_ASSIGNED = declare_event_type("case.assigned", "A case was (re)assigned to an investigator.")
CASE_FLAG_ADDED = declare_event_type("case.flag_added", "A flag was added to an open case.")
CASE_NOTE_ADDED = declare_event_type("case.note_added", "A note was added to a case.")
EVIDENCE_VIEWED = declare_event_type(
    "case.evidence_viewed", "A case's evidence rows were opened.", reads_person_data=True
)
SUBJECT_NOTIFIED = declare_event_type(
    "case.subject_notified", "The subject was told of the case and given a deadline to respond."
)
ACCOUNT_RECORDED = declare_event_type(
    "case.account_recorded", "The subject's account (or that the deadline passed) was recorded."
)
OUTCOME_RECORDED = declare_event_type(
    "case.outcome_recorded", "A case outcome was decided with written reasons."
)
APPEAL_LODGED = declare_event_type("case.appeal_lodged", "An outcome was appealed.")
APPEAL_DECIDED = declare_event_type("case.appeal_decided", "An appeal was decided.")
CASE_RESTRICTED = declare_event_type(
    "case.restricted", "A case was moved to the restricted area after a criminal referral."
)
LETTER_GENERATED = declare_event_type(
    "case.letter_generated", "A letter to the subject was generated from a template."
)
