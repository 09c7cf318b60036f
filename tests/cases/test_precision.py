from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from integritas.access.grants import issue_grant
from integritas.access.users import get_user
from integritas.cases.decisions import decide_outcome
from integritas.cases.evidence import view_evidence
from integritas.cases.intake import StoreFlagSink
from integritas.cases.precision import ReviewDecision, compute_health, rule_health
from integritas.cases.queue import dismiss_flag
from integritas.cases.service import open_case
from integritas.cases.settings import CasesSettings

NOW = datetime(2026, 6, 30, 12, 0)


def _d(rule: str, verdict: str, reason: str, days_ago: float, wait: float = 2.0) -> ReviewDecision:
    decided = NOW - timedelta(days=days_ago)
    return ReviewDecision(
        rule=rule,
        rule_version=1,
        received_at=decided - timedelta(days=wait),
        decided_at=decided,
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason,
    )


def test_precision_arithmetic_on_hand_made_outcomes() -> None:
    decisions = [
        # rule a: in 30 days 1 confirmed + 3 dismissed (+1 duplicate, not counted); older: 2 confirmed
        _d("a", "confirmed", "misconduct_meeting", 5, wait=1),
        _d("a", "dismissed", "data_error", 6, wait=3),
        _d("a", "dismissed", "data_error", 7, wait=5),
        _d("a", "dismissed", "legitimate_explanation", 8, wait=7),
        _d("a", "dismissed", "duplicate", 9),
        _d("a", "confirmed", "vetting_review", 60),
        _d("a", "confirmed", "vetting_review", 200),
        # rule b: 4 decisions only, all dismissed: below the minimum of 5, not marked
        *[_d("b", "dismissed", "data_error", 3) for _ in range(4)],
        # rule c: version 1, 5 confirmed of 6 in 90 days
        *[_d("c", "confirmed", "management_conversation", 10) for _ in range(5)],
        _d("c", "dismissed", "no_further_action", 80),
        _d("c", "dismissed", "no_further_action", 120),
    ]
    health = {h.rule: h for h in compute_health(decisions, now=NOW)}
    a = health["a"]
    w = {x.days: x for x in a.windows}
    assert (w[30].confirmed, w[30].dismissed, w[30].precision) == (1, 3, 0.25)
    assert w[30].median_days_to_decision == 4.0  # waits 1, 3, 5, 7
    assert (w[90].confirmed, w[90].dismissed) == (2, 3)
    assert w[90].precision == 0.4
    assert (w[365].confirmed, w[365].dismissed) == (3, 3) and w[365].precision == 0.5
    assert a.dismissal_reasons == {"data_error": 2, "duplicate": 1, "legitimate_explanation": 1}
    assert a.decisions == 7
    assert a.needs_review and "0.40 over 5 decisions" in (a.review_reason or "")
    assert not health["b"].needs_review and health["b"].windows[0].precision == 0.0
    c = health["c"]
    assert {x.days: x.precision for x in c.windows} == {30: 1.0, 90: 5 / 6, 365: 5 / 7}
    assert not c.needs_review
    strict = CasesSettings(rule_floors={"c": 0.9})
    assert {h.rule: h.needs_review for h in compute_health(decisions, now=NOW, settings=strict)}[
        "c"
    ]
    assert compute_health([], now=NOW) == []


def test_rule_health_from_the_store(
    sessions: sessionmaker[Session], make_flag: Any, people: Any, users: dict[str, int]
) -> None:
    flags = [make_flag(i) for i in range(6)]
    StoreFlagSink(sessions, people).receive(flags)
    with sessions.begin() as s:
        analyst = get_user(s, "analyst")
        for f in flags[:4]:
            dismiss_flag(s, user=analyst, flag_id=f.flag_id, reason="data_error")
        c = open_case(s, user=analyst, flag_ids=[flags[4].flag_id], investigator="inv")
        issue_grant(
            s,
            by=get_user(s, "aa2"),
            grantee=get_user(s, "aa1"),
            person_id=flags[4].person_id,
            purpose="misconduct_investigation",
            case_ref=c.ref,
            justification="x",
        )
        view_evidence(s, user=get_user(s, "aa1"), ref=c.ref)
        decide_outcome(
            s, user=get_user(s, "aa1"), ref=c.ref, outcome="welfare_support", reasons="r"
        )
        [h] = rule_health(s, user=analyst)
        assert h.rule == "roster_self_edits" and h.open_flags == 1
        assert (h.windows[0].confirmed, h.windows[0].dismissed) == (1, 4)
        assert h.windows[0].precision == 0.2 and h.needs_review
        assert h.dismissal_reasons == {"data_error": 4}
