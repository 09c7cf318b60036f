from __future__ import annotations

from typing import Any

import pytest

from integritas.linkage.declarations import (
    is_declared,
    normalise_organisation,
    undeclared_interests,
)
from integritas.linkage.review import ReviewError, decide, review_queue

LinkedWorkspace = Any  # the conftest dataclass (conftest is not importable here)


def _decide(linked: LinkedWorkspace, session: Any, case: str, decision: str) -> None:
    decide(linked.ws, session=session, candidate_id=linked.cid(case), decision=decision,
           reason="checked the company filing", actor="rev1", role="reviewer")  # fmt: skip


@pytest.mark.slow
def test_nothing_accepted_nothing_flagged(linked: LinkedWorkspace, session: Any) -> None:
    assert undeclared_interests(linked.ws, session=session).num_rows == 0


@pytest.mark.slow
def test_accepted_undeclared_match_flows(
    linked: LinkedWorkspace, session: Any, audit_events: Any
) -> None:
    _decide(linked, session, "NICK", "accepted")
    out = undeclared_interests(linked.ws, session=session).to_pylist()
    assert [(r["person_id"], r["record_id"], r["organisation_name"]) for r in out] == [
        ("PX-NICK", "RX-NICK", "Planted Nick Ltd")
    ]
    events = audit_events()
    assert events[0]["object_id"] == linked.cid("NICK") and events[0]["actor"] == "rev1"
    assert events[0]["detail"]["decision"] == "accepted"


@pytest.mark.slow
def test_rejected_match_never_flags(
    linked: LinkedWorkspace, session: Any, audit_events: Any
) -> None:
    _decide(linked, session, "SWAP", "accepted")
    _decide(linked, session, "SWAP", "rejected")  # the latest decision wins
    if _has(linked, "NAMESAKE"):
        _decide(linked, session, "NAMESAKE", "rejected")
    assert undeclared_interests(linked.ws, session=session).num_rows == 0
    assert [e["detail"]["decision"] for e in audit_events()][:2] == ["accepted", "rejected"]


@pytest.mark.slow
def test_declared_interest_suppresses(
    linked: LinkedWorkspace, session: Any, audit_events: Any
) -> None:
    _decide(linked, session, "DECL", "accepted")
    assert undeclared_interests(linked.ws, session=session).num_rows == 0


@pytest.mark.slow
def test_queue_excludes_decided(linked: LinkedWorkspace, session: Any, audit_events: Any) -> None:
    before = {c.candidate_id for c in review_queue(linked.ws, session=session)}
    assert linked.cid("NICK") in before and linked.cid("NAMESAKE") not in before
    _decide(linked, session, "NICK", "rejected")
    after = {c.candidate_id for c in review_queue(linked.ws, session=session)}
    assert before - after == {linked.cid("NICK")}


@pytest.mark.slow
def test_bad_decision_lists_every_problem(
    linked: LinkedWorkspace, session: Any, audit_events: Any
) -> None:
    with pytest.raises(ReviewError) as err:
        decide(linked.ws, session=session, candidate_id="LC-nope", decision="maybe",
               reason=" ", actor="rev1", role="reviewer")  # fmt: skip
    assert len(err.value.problems) == 3
    assert audit_events() == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Acme Widgets Ltd", "ACME WIDGETS LIMITED", True),
        ("Smith & Sons plc", "Smith and Sons PLC", True),
        ("Brackenbury Consultng Ltd", "Brackenbury Consulting Limited", True),
        ("Acme Widgets Ltd", "Apex Gadgets Ltd", False),
    ],
)
def test_organisation_matching(a: str, b: str, same: bool) -> None:
    assert is_declared(a, None, [(normalise_organisation(b), "")]) is same


def test_company_number_matches() -> None:
    assert is_declared("Other Name", "00012345", [("something else", "12345")])


def _has(linked: LinkedWorkspace, case: str) -> bool:
    from integritas.linkage.candidates import get_candidate

    try:
        get_candidate(linked.ws, linked.cid(case))
    except LookupError:
        return False
    return True
