from __future__ import annotations

import html
import re
import zlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from integritas.access.grants import issue_grant
from integritas.access.users import get_user
from integritas.cases.decisions import decide_outcome, notify_subject, record_account
from integritas.cases.evidence import view_evidence
from integritas.cases.intake import StoreFlagSink
from integritas.cases.letters import RIGHTS
from integritas.cases.letters import generate_letter as letter
from integritas.cases.queue import CaseError
from integritas.cases.service import get_case, open_case


def _esc(text: str) -> str:
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def _pdf_text(data: bytes) -> str:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(m.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(m.group(1).decode("latin-1"))
    return "".join(out)


def test_letters_html_and_pdf(
    sessions: sessionmaker[Session],
    make_flag: Any,
    people: Any,
    users: dict[str, int],
    tmp_path: Path,
) -> None:
    f = make_flag(1)
    StoreFlagSink(sessions, people).receive([f])
    with sessions.begin() as s:
        c = open_case(s, user=get_user(s, "analyst"), flag_ids=[f.flag_id], investigator="inv")
        inv = get_user(s, "inv")
        notify_subject(s, user=inv, ref=c.ref)
        note = letter(s, user=inv, ref=c.ref, kind="subject_notification", out_dir=tmp_path)
        assert _esc(f.explanation) in note.html and "Your rights" in note.html
        assert all(_esc(r) in note.html for r in RIGHTS)
        assert note.pdf_path is not None
        pdf = Path(note.pdf_path).read_bytes()
        assert pdf.startswith(b"%PDF")
        body = _pdf_text(pdf)
        assert "Your rights" in body and "Edited their own roster" in body
        assert (tmp_path / f"{c.ref}-subject_notification.html").exists()
        with pytest.raises(CaseError, match="follows only that recorded outcome"):
            letter(s, user=inv, ref=c.ref, kind="early_intervention")
        record_account(s, user=inv, ref=c.ref, response="Agreed.")
        issue_grant(
            s,
            by=get_user(s, "aa2"),
            grantee=get_user(s, "aa1"),
            person_id=f.person_id,
            purpose="misconduct_investigation",
            case_ref=c.ref,
            justification="x",
        )
        view_evidence(s, user=get_user(s, "aa1"), ref=c.ref)
        decide_outcome(
            s, user=get_user(s, "aa1"), ref=c.ref, outcome="early_intervention_letter", reasons="r"
        )
        eil = letter(s, user=inv, ref=c.ref, kind="early_intervention")
        assert "Early-intervention letter" in eil.html and _esc(f.explanation) in eil.html
        assert eil.pdf_path is None
        kinds = [e.kind for e in get_case(s, user=inv, ref=c.ref).events]
        assert kinds.count("letter_generated") == 2
