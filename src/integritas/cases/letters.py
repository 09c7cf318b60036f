"""Letters to the subject from templates: the subject notification and the early-intervention
letter, as HTML (Jinja2) and PDF (fpdf2 core fonts; nothing downloaded), from one content model.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.models import User
from integritas.cases.events import LETTER_GENERATED
from integritas.cases.models import Case, CaseOutcome, ReviewFlag
from integritas.cases.queue import CaseError
from integritas.cases.schemas import Letter
from integritas.cases.service import add_event, audit, load_case, require_case
from integritas.cases.settings import CasesSettings

LetterKind = Literal["subject_notification", "early_intervention"]
TEMPLATES = Path(__file__).parent / "templates"

RIGHTS = (
    "You may respond in writing or in person, and you may be accompanied by a staff association "
    "or trade union representative or a colleague.",
    "You may see the records this indicator was built from before you respond.",
    "If any of the data is wrong you may have it corrected through self-service or by asking "
    "the data protection officer.",
    "You may make a subject access request for all personal data held about you.",
    "Any outcome is decided by a named person with written reasons, and you may appeal it.",
    "You may complain to the data protection officer, and to the Information Commissioner's "
    "Office.",
)
INDICATOR_NOTE = (
    "An automated indicator is not a finding. It only means that a pattern in records the "
    "organisation already holds stood out from your peers, and that a person has looked at it."
)


class FlagText(BaseModel):
    title: str
    period: str
    explanation: str


class LetterContent(BaseModel):
    kind: LetterKind
    title: str
    case_ref: str
    person_id: str
    date: date
    opening: list[str]
    indicator_note: str
    flags: list[FlagText]
    closing: list[str]
    rights: list[str]
    signature: str


def letter_content(session: Session, c: Case, kind: LetterKind, today: date) -> LetterContent:
    flags = [
        FlagText(
            title=f.rule.replace("_", " ").capitalize(),
            period=f"{f.period_start:%d %B %Y} to {f.period_end:%d %B %Y}",
            explanation=f.explanation,
        )
        for f in session.scalars(
            select(ReviewFlag).where(ReviewFlag.case_id == c.id).order_by(ReviewFlag.flag_id)
        )
    ]
    if kind == "subject_notification":
        due = (
            f"by {c.response_deadline:%d %B %Y}"
            if c.response_deadline
            else f"within {CasesSettings().response_days} days of this letter"
        )
        return LetterContent(
            kind=kind,
            title="Notice of a review and your opportunity to respond",
            case_ref=c.ref,
            person_id=c.person_id,
            date=today,
            opening=[
                "We are writing to tell you that records about your work are being reviewed, "
                "and to give you the chance to give your account before any decision is made.",
            ],
            indicator_note=INDICATOR_NOTE,
            flags=flags,
            closing=[
                f"Please send your response {due}. If you do not respond, a decision may be "
                "made on the information available, but no adverse decision will be made "
                "before that date.",
            ],
            rights=list(RIGHTS),
            signature="Professional Standards",
        )
    return LetterContent(
        kind=kind,
        title="Early-intervention letter",
        case_ref=c.ref,
        person_id=c.person_id,
        date=today,
        opening=[
            "Following a review, and after considering your account, it has been decided to "
            "address the matter below through early intervention rather than a formal process.",
            "This letter is supportive: it sets out what was noticed and what we ask of you.",
        ],
        indicator_note=INDICATOR_NOTE,
        flags=flags,
        closing=[
            "Please discuss these points with your line manager, who can arrange support. "
            "This letter is kept on your file only for the retention period set out in the "
            "staff privacy notice.",
        ],
        rights=list(RIGHTS),
        signature="Appropriate Authority, Professional Standards",
    )


def render_html(content: LetterContent) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("letters/letter.html.j2").render(letter=content)


def _latin1(text: str) -> str:
    """Core PDF fonts are Latin-1: map typographic characters, replace anything else."""
    table = {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
    text = "".join(table.get(ch, ch) for ch in text)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(content: LetterContent) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(content.title))
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: int = 11, style: str = "") -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    para(content.title, 16, "B")
    para(
        f"Case reference: {content.case_ref}\nYour reference: {content.person_id}\n"
        f"Date: {content.date.isoformat()}",
        10,
    )
    for p in content.opening:
        para(p)
    para("What was noticed", 13, "B")
    para(content.indicator_note)
    for f in content.flags:
        para(f"{f.title} ({f.period})", 11, "B")
        para(f.explanation)
    for p in content.closing:
        para(p)
    para("Your rights", 13, "B")
    for r in content.rights:
        para(f"- {r}")
    para(content.signature, 11, "I")
    return bytes(pdf.output())


def generate_letter(
    session: Session,
    *,
    user: User,
    ref: str,
    kind: LetterKind,
    out_dir: Path | None = None,
    today: date | None = None,
) -> Letter:
    """Render a letter (HTML, and a PDF under ``out_dir`` if given); recorded and audited."""
    letter, content = _generate(session, user=user, ref=ref, kind=kind, today=today)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{letter.case_ref}-{kind}"
        (out_dir / f"{stem}.html").write_text(letter.html, encoding="utf-8")
        path = out_dir / f"{stem}.pdf"
        path.write_bytes(render_pdf(content))
        letter.pdf_path = str(path)
    return letter


def generate_letter_pdf(
    session: Session, *, user: User, ref: str, kind: LetterKind, today: date | None = None
) -> bytes:
    """The same letter as PDF bytes (for the API); recorded and audited."""
    _letter, content = _generate(session, user=user, ref=ref, kind=kind, today=today, fmt="pdf")
    return render_pdf(content)


def _generate(
    session: Session,
    *,
    user: User,
    ref: str,
    kind: LetterKind,
    today: date | None,
    fmt: str = "html",
) -> tuple[Letter, LetterContent]:
    if kind not in ("subject_notification", "early_intervention"):
        raise CaseError(f"unknown letter {kind!r}: subject_notification or early_intervention")
    c = load_case(session, ref)
    require_case(session, user, "case.work", c)
    if kind == "early_intervention":
        last = session.scalars(
            select(CaseOutcome).where(CaseOutcome.case_id == c.id).order_by(CaseOutcome.id.desc())
        ).first()
        if last is None or last.outcome != "early_intervention_letter" or c.status != "decided":
            raise CaseError(
                f"case {ref}: an early-intervention letter follows only that recorded outcome"
            )
    content = letter_content(session, c, kind, today or date.today())
    add_event(session, c, user, "letter_generated", f"{kind} ({fmt})")
    audit(session, user, LETTER_GENERATED, c, f"{kind} ({fmt})")
    return Letter(kind=kind, case_ref=c.ref, html=render_html(content)), content
