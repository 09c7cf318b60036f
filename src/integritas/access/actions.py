"""Every permission-checked action, declared once. Each is also an audit event type."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from integritas.audit.events import declare_event_type


class Action(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    # Reading a named person's identity or evidence: needs a live purpose grant for that person.
    needs_grant: bool = False
    # The check needs the person concerned (``person_id=``).
    needs_person: bool = False


class DuplicateAction(ValueError):
    pass


ACTIONS: dict[str, Action] = {}


def declare_action(
    name: str, description: str, *, needs_grant: bool = False, needs_person: bool = False
) -> Action:
    if name in ACTIONS:
        raise DuplicateAction(f"action {name!r} is already declared")
    a = Action(
        name=name,
        description=description,
        needs_grant=needs_grant,
        needs_person=needs_person or needs_grant,
    )
    ACTIONS[name] = a
    declare_event_type(name, description, reads_person_data=a.needs_person)
    return a


FLAG_LIST = declare_action("flag.list", "List pseudonymised flags in the triage queue.")
FLAG_TRIAGE = declare_action("flag.triage", "Dismiss a flag with a reason or open a case from it.")
FLAG_READ_EVIDENCE = declare_action(
    "flag.read_evidence", "Read a flag's evidence rows for a named person.", needs_grant=True
)
CASE_OPEN = declare_action("case.open", "Open a case from one or more flags.")
CASE_READ = declare_action("case.read", "Read a case's timeline and notes.")
CASE_ASSIGN = declare_action("case.assign", "Assign or reassign a case's investigator.")
CASE_WORK = declare_action(
    "case.work", "Add notes, record the subject's account, attach evidence views."
)
CASE_OUTCOME = declare_action("case.outcome", "Record or appeal a case outcome with reasons.")
CASE_READ_RESTRICTED = declare_action(
    "case.read_restricted",
    "Read a case in the restricted area (after a criminal referral); needs a live grant.",
    needs_grant=True,
)
UNMASK_REQUEST = declare_action(
    "unmask.request", "Ask for a pseudonym to be unmasked for a tertiary case."
)
UNMASK_APPROVE = declare_action(
    "unmask.approve", "Approve or refuse another person's unmask request (four eyes)."
)
IDENTITY_READ = declare_action(
    "identity.read", "See the staff number and name behind a pseudonym.", needs_grant=True
)
WELFARE_READ_TEAM = declare_action(
    "welfare.read_team", "See welfare (secondary) flags of one's own team.", needs_person=True
)
METRICS_READ_ORG = declare_action(
    "metrics.read_org", "See organisation- and unit-level metrics (small cells suppressed)."
)
RULES_READ = declare_action("rules.read", "See rule definitions, versions and rule health.")
LINKAGE_REVIEW = declare_action("linkage.review", "Review pseudonymised record-linkage pairs.")
GOVERNANCE_READ = declare_action(
    "governance.read", "See grants, unmask log, retention status and the processing registers."
)
GRANTS_MANAGE = declare_action("grants.manage", "Issue or revoke purpose grants.")
RIGHTS_MANAGE = declare_action("rights.manage", "Handle subject-access and other rights requests.")
RETENTION_RUN = declare_action("retention.run", "Run retention and issue deletion certificates.")
AUDIT_READ = declare_action("audit.read", "Read the audit log.")
AUDIT_VERIFY = declare_action("audit.verify", "Verify the audit chain and export it.")
SELF_READ = declare_action(
    "self.read", "See one's own data, metrics and flags (self-service).", needs_person=True
)
SELF_DISPUTE = declare_action(
    "self.dispute", "Dispute or correct one's own data (self-service).", needs_person=True
)
REGISTERS_READ = declare_action(
    "registers.read", "Read the public transparency registers (sources, metrics, rules)."
)
USERS_MANAGE = declare_action("users.manage", "Create, disable and change roles of accounts.")
SETTINGS_MANAGE = declare_action("settings.manage", "Change system settings.")
