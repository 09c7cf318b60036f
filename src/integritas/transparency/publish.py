"""`dpia render --out DIR`: HTML (Jinja2, no external assets) and PDF (fpdf2 core fonts),
versioned by content hash in ``DIR/versions.json``, with the diff from the last version.

A version is the SHA-256 of the canonical text of every document. Rendering unchanged content
keeps the version number; changed content gets the next number, and its snapshot is kept in
``DIR/versions/v<N>.txt`` so that the next change can be diffed against it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from integritas.settings import Workspace
from integritas.transparency.documents import Document, all_documents
from integritas.transparency.dpia import build, now_iso

_LATIN1 = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u00b7": "-",
    "\u2265": ">=",
    "\u2264": "<=",
}


@dataclass
class Published:
    out: Path
    version: int
    sha256: str
    new_version: bool
    previous: int | None
    diff: list[str]
    files: list[str]


def canonical_text(docs: list[Document]) -> str:
    """The text that is hashed and diffed: every heading, paragraph and table row, in order."""
    lines: list[str] = []
    for d in docs:
        lines += [f"# {d.title}", d.intro]
        for s in d.sections:
            lines.append(f"## {s.heading}")
            lines += s.paragraphs
            if s.table:
                lines.append(" | ".join(s.table.headers))
                lines += [" | ".join(r) for r in s.table.rows]
    return "\n".join(lines) + "\n"


def _latin1(text: str) -> str:
    for k, v in _LATIN1.items():
        text = text.replace(k, v)
    return text.encode("latin-1", "replace").decode("latin-1")


def _lines(pdf: object, text: str, height: float, chars: int) -> None:
    """Wrap by character count: fpdf2's own line breaking is slow on long cells."""
    import textwrap

    for para in _latin1(text).splitlines() or [""]:
        for line in textwrap.wrap(para, chars) or [""]:
            pdf.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]


def render_pdf(doc: Document, path: Path, version: int, sha: str) -> None:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    _lines(pdf, doc.title, 8, 70)
    pdf.set_font("Helvetica", "", 9)
    _lines(pdf, f"Version {version} - content hash {sha[:16]}", 5, 140)
    _lines(pdf, doc.intro, 5, 140)
    for s in doc.sections:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 12)
        _lines(pdf, s.heading, 7, 100)
        pdf.set_font("Helvetica", "", 9)
        for p in s.paragraphs:
            _lines(pdf, p, 5, 140)
        if s.table:
            # Rows as labelled blocks: robust for long cells, readable on paper.
            for row in s.table.rows:
                text = "; ".join(f"{h}: {c}" for h, c in zip(s.table.headers, row, strict=False))
                _lines(pdf, "- " + text, 5, 140)
    pdf.output(str(path))


def _versions(out: Path) -> list[dict[str, object]]:
    path = out / "versions.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data.get("versions", []))


def render(ws: Workspace, out: Path) -> Published:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from integritas.ingest.layout import atomic_write_text

    docs = all_documents(build(ws))
    text = canonical_text(docs)
    sha = hashlib.sha256(text.encode()).hexdigest()
    out.mkdir(parents=True, exist_ok=True)
    (out / "versions").mkdir(exist_ok=True)
    versions = _versions(out)
    last = versions[-1] if versions else None
    new = last is None or last["sha256"] != sha
    if new:
        version = len(versions) + 1
        previous = int(str(last["version"])) if last else None
    else:
        assert last is not None
        version = int(str(last["version"]))
        previous = int(str(versions[-2]["version"])) if len(versions) > 1 else None
    diff: list[str] = []
    if previous is not None:
        old = (out / "versions" / f"v{previous}.txt").read_text(encoding="utf-8")
        diff = list(
            difflib.unified_diff(
                old.splitlines(),
                text.splitlines(),
                f"version {previous}",
                f"version {version}",
                lineterm="",
            )
        )
    published_at = now_iso() if new else str(last["published_at"]) if last else now_iso()
    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
        autoescape=select_autoescape(["html"]),
    )
    files = []
    for d in docs:
        html = env.get_template("document.html").render(
            doc=d, version=version, sha256=sha, published_at=published_at
        )
        atomic_write_text(out / f"{d.slug}.html", html)
        render_pdf(d, out / f"{d.slug}.pdf", version, sha)
        files += [f"{d.slug}.html", f"{d.slug}.pdf"]
    atomic_write_text(
        out / "index.html",
        env.get_template("index.html").render(
            docs=docs,
            version=version,
            sha256=sha,
            published_at=published_at,
            previous=previous,
            diff=diff,
        ),
    )
    atomic_write_text(out / "diff.txt", "\n".join(diff) + ("\n" if diff else ""))
    files += ["index.html", "diff.txt"]
    if new:
        atomic_write_text(out / "versions" / f"v{version}.txt", text)
        versions.append(
            {"version": version, "sha256": sha, "published_at": published_at, "files": files}
        )
        atomic_write_text(out / "versions.json", json.dumps({"versions": versions}, indent=2))
    return Published(out, version, sha, new, previous, diff, files)
