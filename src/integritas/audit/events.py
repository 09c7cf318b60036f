"""Declared audit event types: frozen data in a registry that rejects duplicates.

Audit's own events are declared here; ``integritas.access.actions`` registers every
permission-checked action, and other packages declare theirs with ``declare_event_type``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventType(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    reads_person_data: bool = False


class DuplicateEventType(ValueError):
    pass


_REGISTRY: dict[str, EventType] = {}


def declare_event_type(
    name: str, description: str, *, reads_person_data: bool = False
) -> EventType:
    if name in _REGISTRY:
        raise DuplicateEventType(f"audit event type {name!r} is already declared")
    et = EventType(name=name, description=description, reads_person_data=reads_person_data)
    _REGISTRY[name] = et
    return et


def event_types() -> dict[str, EventType]:
    _load_declarations()
    return dict(_REGISTRY)


def event_type(name: str) -> EventType:
    _load_declarations()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"undeclared audit event type {name!r}") from None


def _load_declarations() -> None:
    # Access actions are audit event types too; import them lazily to avoid a cycle.
    import integritas.access.actions  # noqa: F401


AUTH_LOGIN = declare_event_type("auth.login", "A user signed in.")
AUTH_LOGIN_FAILED = declare_event_type("auth.login_failed", "A sign-in failed.")
AUTH_LOCKED = declare_event_type("auth.locked", "An account was locked after failed sign-ins.")
AUTH_LOGOUT = declare_event_type("auth.logout", "A session was ended or revoked.")
USER_CREATED = declare_event_type("user.created", "A user account was created.")
USER_DISABLED = declare_event_type("user.disabled", "A user account was disabled.")
GRANT_CREATED = declare_event_type("grant.created", "A purpose grant was issued.")
GRANT_REVOKED = declare_event_type("grant.revoked", "A purpose grant was revoked.")
UNMASK_REQUESTED = declare_event_type("unmask.requested", "Unmasking a pseudonym was requested.")
UNMASK_DECIDED = declare_event_type("unmask.decided", "An unmask request was approved/refused.")
UNMASK_PERFORMED = declare_event_type(
    "unmask.performed", "A pseudonym was resolved to identity.", reads_person_data=True
)
AUDIT_EXPORTED = declare_event_type("audit.exported", "Audit events were exported.")
AUDIT_CHECKPOINT = declare_event_type("audit.checkpoint", "A signed checkpoint was written.")
ACCESS_UNKNOWN = declare_event_type("access.unknown_action", "A check for an undeclared action.")
