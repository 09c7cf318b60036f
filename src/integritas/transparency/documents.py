"""The five published documents, as plain structures that both HTML and PDF render."""

from __future__ import annotations

from dataclasses import dataclass, field

from integritas.transparency.dpia import Register

PURPOSE_WORDS = {
    "organisational_health": "to see how teams and the organisation are doing (never individuals)",
    "welfare": "to spot early when someone may need support (welfare first)",
    "conduct": "to find patterns that may point to misconduct, for a person to review",
    "equality_monitoring": "to check our own tools treat groups fairly (counts only)",
}


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass
class Document:
    slug: str
    title: str
    intro: str
    sections: list[Section] = field(default_factory=list)


def _days(d: int) -> str:
    return f"{d // 365} years" if d % 365 == 0 else f"{d} days"


def dpia(reg: Register) -> Document:
    doc = Document(
        "dpia",
        "Data protection impact assessment",
        "Generated from the live catalog, metric and rule registers, roles and "
        "retention policies. Regenerated on every change; differences are shown.",
    )
    doc.sections.append(
        Section(
            "Sources, data categories and lawful bases",
            table=Table(
                [
                    "Source",
                    "Categories",
                    "Purposes",
                    "Article 6",
                    "Article 9 / 10",
                    "Retention",
                    "Owner",
                ],
                [
                    [
                        s["title"],
                        ", ".join(s["categories"]),
                        ", ".join(s["purposes"]),
                        s["article6"],
                        " / ".join(x for x in (s["article9"], s["article10"]) if x) or "-",
                        _days(s["retention_days"]),
                        s["owner"],
                    ]
                    for s in reg.sources
                ],
            ),
        )
    )
    bm = Section("Necessity and proportionality (Bank Mellat questions)")
    for s in reg.sources:
        p = s["proportionality"]
        bm.paragraphs.append(
            f"{s['title']}. Objective: {p['objective'] or 'MISSING'}. Rational connection: "
            f"{p['rational_connection'] or 'MISSING'}. Less intrusive alternative: "
            f"{p['less_intrusive_alternative'] or 'MISSING'}. Fair balance: "
            f"{p['fair_balance'] or 'MISSING'}."
        )
    doc.sections.append(bm)
    doc.sections.append(
        Section(
            "Retention and disposal",
            table=Table(
                ["What", "Kept for", "Counted from", "Disposal"],
                [[r["what"], r["period"], r["clock"], r["disposal"]] for r in reg.retention],
            ),
        )
    )
    doc.sections.append(
        Section(
            "Access roles",
            table=Table(
                ["Role", "Description", "May"],
                [[r["title"], r["description"], ", ".join(r["may"])] for r in reg.roles],
            ),
        )
    )
    doc.sections.append(
        Section(
            "Risks and mitigations",
            table=Table(["Risk", "Mitigation"], [[r["risk"], r["mitigation"]] for r in reg.risks]),
        )
    )
    cons = Section("Consultation record")
    if reg.consultations:
        cons.table = Table(
            ["Date", "Consulted", "Summary"],
            [[c["date"], c["body"], c["summary"]] for c in reg.consultations],
        )
    else:
        cons.paragraphs.append(
            "No consultation has been recorded. Nothing can be activated "
            "until the workforce and its representatives are consulted."
        )
    doc.sections.append(cons)
    gaps = Section("Completeness")
    incomplete = {k: v for k, v in reg.problems.items() if v}
    gaps.paragraphs = [f"{k}: {'; '.join(v)}" for k, v in sorted(incomplete.items())]
    gaps.paragraphs += reg.load_errors
    if not gaps.paragraphs:
        gaps.paragraphs.append("Every source, metric and rule has complete DPIA fields.")
    doc.sections.append(gaps)
    return doc


def ropa(reg: Register) -> Document:
    doc = Document(
        "record-of-processing",
        "Record of processing activities (UK GDPR Article 30)",
        "Controller: the employing organisation. Data subjects: current and former "
        "staff, and people named in external registers used for linkage.",
    )
    doc.sections.append(
        Section(
            "Processing activities",
            table=Table(
                [
                    "Activity (source)",
                    "Purposes",
                    "Categories of data",
                    "Lawful basis",
                    "Retention",
                    "Recipients (roles)",
                ],
                [
                    [
                        s["title"],
                        ", ".join(s["purposes"]),
                        ", ".join(s["categories"]),
                        s["article6"] + (f"; {s['article9']}" if s["article9"] else ""),
                        _days(s["retention_days"]),
                        "see access roles",
                    ]
                    for s in reg.sources
                ],
            ),
        )
    )
    doc.sections.append(
        Section(
            "Recipients",
            table=Table(
                ["Role", "What they may do"], [[r["title"], r["description"]] for r in reg.roles]
            ),
        )
    )
    doc.sections.append(
        Section(
            "Transfers and security",
            paragraphs=[
                "No transfers outside the organisation. Staff identifiers are pseudonymised at ingest; "
                "identity is held in a separate vault; every read of person-level data is logged in a "
                "hash-chained audit log."
            ],
        )
    )
    return doc


def notice(reg: Register) -> Document:
    doc = Document(
        "staff-notice",
        "How Integritas uses information about you",
        "This notice explains, in plain English, what the integrity observatory "
        "collects about staff, why, for how long, who can see it, and how to ask "
        "for your data or object.",
    )
    doc.sections.append(
        Section(
            "What we collect",
            table=Table(
                ["Information", "What one record is", "Kept for"],
                [[s["title"], s["grain"], _days(s["retention_days"])] for s in reg.sources],
            ),
        )
    )
    doc.sections.append(
        Section(
            "Why",
            paragraphs=[f"We use it {words}." for words in PURPOSE_WORDS.values()]
            + [
                "A computer never decides anything about you. It can raise an indicator (a flag), "
                "which a named person must review. Most flags are dismissed. No action is ever taken "
                "without a person looking at the evidence, hearing your side, and writing reasons."
            ],
        )
    )
    doc.sections.append(
        Section(
            "Who sees it",
            paragraphs=[
                "Your name is replaced by a code when the data arrives. Your name is shown only to a "
                "reviewer with a recorded reason, approved by someone else, and every look is logged.",
                *[f"{r['title']}: {r['description']}" for r in reg.roles],
            ],
        )
    )
    doc.sections.append(
        Section(
            "How to ask, correct or object",
            paragraphs=[
                "Ask for a copy of everything held about you, including who looked at it and why "
                "(subject access request), from the data protection officer or the self-service page.",
                "Tell us if a record is wrong: it is taken out of every measure straight away while we "
                "check, and anyone who saw the wrong value is told when it is corrected.",
                "Object to a measure: your processing for it is paused until a recorded decision.",
            ],
        )
    )
    return doc


def metric_register(reg: Register) -> Document:
    return Document(
        "metric-register",
        "Metric register",
        "Every metric the system computes.",
        [
            Section(
                "Metrics",
                table=Table(
                    [
                        "Metric",
                        "Version",
                        "Tier",
                        "Subject",
                        "Purpose",
                        "Reads",
                        "Owner",
                        "Definition",
                    ],
                    [
                        [
                            m["name"],
                            str(m["version"]),
                            m["tier"],
                            m["subject"],
                            m["purpose"],
                            ", ".join(m["reads"]),
                            m["owner"],
                            m["definition"] or m["description"],
                        ]
                        for m in reg.metrics
                    ],
                ),
            )
        ],
    )


def rule_register(reg: Register) -> Document:
    return Document(
        "rule-register",
        "Rule register",
        "Every rule that can raise a flag.",
        [
            Section(
                "Rules",
                table=Table(
                    [
                        "Rule",
                        "Version",
                        "Tier",
                        "Mode",
                        "Metric",
                        "Indicator of",
                        "Owner",
                        "Rationale",
                    ],
                    [
                        [
                            r["name"],
                            str(r["version"]),
                            r["tier"],
                            r["mode"],
                            r["metric"],
                            r["scenario"],
                            r["owner"],
                            r["rationale"],
                        ]
                        for r in reg.rules
                    ],
                ),
            )
        ],
    )


def all_documents(reg: Register) -> list[Document]:
    return [dpia(reg), ropa(reg), notice(reg), metric_register(reg), rule_register(reg)]
