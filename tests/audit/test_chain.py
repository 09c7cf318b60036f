from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from integritas.audit.models import AuditEvent, AuditTamperRefused
from integritas.audit.service import append, checkpoint
from integritas.audit.verify import verify

KEY = b"k" * 32


def fill(sessions: sessionmaker[Session], n: int = 10) -> None:
    with sessions.begin() as s:
        for i in range(n):
            append(
                s,
                actor=f"u{i}",
                role="analyst",
                action="flag.list",
                subjects=[f"P{i}", f"P{i + 1}"],
                returned={"rows": [i]},
            )


def test_append_builds_a_valid_chain(sessions: sessionmaker[Session]) -> None:
    fill(sessions)
    with sessions() as s:
        report = verify(s, key=KEY)
        ev = s.get(AuditEvent, 3)
    assert report.ok and report.events == 10
    assert ev is not None and ev.subjects == '["P2","P3"]' and len(ev.digest) == 64


def test_append_rolls_back_with_the_caller(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 2)
    with sessions() as s:
        append(s, actor="x", role="analyst", action="flag.list")
        s.rollback()
    fill(sessions, 1)
    with sessions() as s:
        assert verify(s, key=KEY).ok and verify(s, key=KEY).events == 3


def test_undeclared_action_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, pytest.raises(KeyError, match="undeclared"):
        append(s, actor="x", role="", action="no.such")


def test_orm_refuses_update_and_delete(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 2)
    with sessions() as s:
        ev = s.get(AuditEvent, 1)
        assert ev is not None
        ev.actor = "mallory"
        with pytest.raises(AuditTamperRefused):
            s.flush()
        s.rollback()
        s.delete(s.get(AuditEvent, 1))
        with pytest.raises(AuditTamperRefused):
            s.flush()
        s.rollback()
        with pytest.raises(AuditTamperRefused):
            s.execute(update(AuditEvent).values(actor="m"))


@pytest.mark.parametrize("sql", ["UPDATE audit_events SET actor='m'", "DELETE FROM audit_events"])
def test_database_trigger_refuses_raw_sql(
    engine: Engine, sessions: sessionmaker[Session], sql: str
) -> None:
    fill(sessions, 2)
    with pytest.raises(Exception, match="append-only"), engine.begin() as con:
        con.execute(text(sql))


def drop_guards(engine: Engine) -> None:
    with engine.begin() as con:
        if engine.dialect.name == "postgresql":
            con.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            con.execute(text("DROP TRIGGER audit_events_no_update"))
            con.execute(text("DROP TRIGGER audit_events_no_delete"))


def first(sessions: sessionmaker[Session]) -> tuple[str, int]:
    with sessions() as s:
        report = verify(s, key=KEY)
    assert report.first is not None, "tampering not detected"
    return report.first.kind, report.first.seq


def test_edit_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions)
    drop_guards(engine)
    with engine.begin() as con:
        con.execute(text("UPDATE audit_events SET actor='mallory' WHERE seq=4"))
    assert first(sessions) == ("altered", 4)


def test_edit_with_recomputed_hash_is_named(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    from integritas.audit.hashing import HASHED_FIELDS, event_hash

    fill(sessions)
    drop_guards(engine)
    with sessions() as s:
        row = s.execute(text("SELECT * FROM audit_events WHERE seq=6")).mappings().one()
    fields = {f: row[f] for f in HASHED_FIELDS} | {"actor": "mallory"}
    with engine.begin() as con:
        con.execute(
            text("UPDATE audit_events SET actor='mallory', hash=:h WHERE seq=6"),
            {"h": event_hash(fields)},
        )
    assert first(sessions) == ("altered", 6)


def test_delete_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions)
    drop_guards(engine)
    with engine.begin() as con:
        con.execute(text("DELETE FROM audit_events WHERE seq=5"))
    assert first(sessions) == ("deleted", 5)


def test_delete_of_the_tail_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions)
    drop_guards(engine)
    with engine.begin() as con:
        con.execute(text("DELETE FROM audit_events WHERE seq>=9"))
    assert first(sessions) == ("deleted", 9)


def test_reorder_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions)
    drop_guards(engine)
    with engine.begin() as con:  # swap events 5 and 6 by renumbering
        con.execute(text("UPDATE audit_events SET seq=-5 WHERE seq=5"))
        con.execute(text("UPDATE audit_events SET seq=5 WHERE seq=6"))
        con.execute(text("UPDATE audit_events SET seq=6 WHERE seq=-5"))
    assert first(sessions) == ("reordered", 5)


def test_insert_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    from integritas.audit.hashing import HASHED_FIELDS, event_hash

    fill(sessions)
    drop_guards(engine)
    with sessions() as s:
        row = dict(s.execute(text("SELECT * FROM audit_events WHERE seq=4")).mappings().one())
    forged = {f: row[f] for f in HASHED_FIELDS} | {"actor": "ghost", "prev_hash": row["hash"]}
    forged_hash = event_hash(forged)
    with engine.begin() as con:  # shift 5..10 up by one, slot the forgery in at 5
        for seq in range(10, 4, -1):
            con.execute(
                text("UPDATE audit_events SET seq=:n WHERE seq=:o"), {"n": seq + 1, "o": seq}
            )
        cols = ", ".join(("seq", "hash", *HASHED_FIELDS))
        vals = ", ".join(f":{c}" for c in ("seq", "hash", *HASHED_FIELDS))
        con.execute(
            text(f"INSERT INTO audit_events ({cols}) VALUES ({vals})"),
            forged | {"seq": 5, "hash": forged_hash},
        )
    assert first(sessions) == ("inserted", 5)


def test_checkpoint_catches_a_rewritten_tail(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    fill(sessions, 5)
    with sessions.begin() as s:
        cp = checkpoint(s, key=KEY)
    assert cp is not None and cp.seq == 6
    drop_guards(engine)
    with engine.begin() as con:  # an attacker who also moves the head back
        con.execute(text("DELETE FROM audit_events WHERE seq=6"))
        con.execute(
            text("UPDATE audit_head SET seq=5, hash=(SELECT hash FROM audit_events WHERE seq=5)")
        )
    assert first(sessions) == ("deleted", 6)


def test_forged_checkpoint_signature_is_named(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    fill(sessions, 3)
    with sessions.begin() as s:
        checkpoint(s, key=KEY)
    with sessions() as s:
        assert verify(s, key=KEY).ok
        report = verify(s, key=b"x" * 32)
    assert report.first is not None and report.first.kind == "bad_checkpoint"


def test_core_update_and_delete_through_a_session_are_refused(
    sessions: sessionmaker[Session],
) -> None:
    from sqlalchemy import delete

    fill(sessions, 1)
    table = AuditEvent.__table__
    with sessions() as s:
        with pytest.raises(AuditTamperRefused):
            s.execute(update(table).values(actor="m"))  # type: ignore[arg-type]
        with pytest.raises(AuditTamperRefused):
            s.execute(delete(table))  # type: ignore[arg-type]


def test_savepoint_rollback_keeps_the_chain_whole(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        append(s, actor="a", role="analyst", action="flag.list")
        nested = s.begin_nested()
        append(s, actor="lost", role="analyst", action="flag.list")
        nested.rollback()
        append(s, actor="b", role="analyst", action="flag.list")
        with s.begin_nested():
            append(s, actor="c", role="analyst", action="flag.list")
        append(s, actor="d", role="analyst", action="flag.list")
    with sessions() as s:
        report = verify(s, key=KEY)
        actors = list(s.scalars(select(AuditEvent.actor).order_by(AuditEvent.seq)))
    assert report.ok, report.findings
    assert actors == ["a", "b", "c", "d"]


def test_many_appends_in_one_transaction_then_more(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 30)
    with sessions() as s:
        append(s, actor="gone", role="analyst", action="flag.list")
        s.rollback()
        append(s, actor="kept", role="analyst", action="flag.list")
        s.commit()
    fill(sessions, 5)
    with sessions() as s:
        report = verify(s, key=KEY)
    assert report.ok and report.events == 36
