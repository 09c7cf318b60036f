"""Governance beyond the audit log: retention policies and disposal certificates, the DPIA
and other transparency documents, DPO sign-offs and activations, and the unmask register.

Each section reads its package's service; a package not built yet leaves its page out.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from integritas.access.actions import GOVERNANCE_READ
from integritas.access.authz import Decision
from integritas.access.models import User
from integritas.access.unmask import UnmaskRegisterEntry, unmask_register
from integritas.web.deps import NavItem, app_state, current_user, db, guard, render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["governance"])
NAV = [NavItem("Oversight", "/governance", (GOVERNANCE_READ.name,), order=75)]


def _documents(request: Request) -> list[Any]:
    from integritas.transparency.documents import all_documents
    from integritas.transparency.dpia import build

    docs: list[Any] = all_documents(build(app_state(request).ws))
    return docs


@router.get("/governance", response_class=HTMLResponse)
def oversight_page(
    request: Request,
    session: Session = Depends(db),
    _: Decision = guard(GOVERNANCE_READ.name),
) -> Response:
    from integritas.retention.models import DisposalCertificate
    from integritas.retention.policies import other_policies, source_policies
    from integritas.transparency.models import Activation, SignOff

    certs = session.scalars(
        select(DisposalCertificate).order_by(DisposalCertificate.id.desc()).limit(20)
    ).all()
    signoffs = session.scalars(select(SignOff).order_by(SignOff.id.desc()).limit(50)).all()
    activations = session.scalars(select(Activation).order_by(Activation.id.desc())).all()
    return render(
        request,
        "oversight.html",
        {
            "documents": _documents(request),
            "policies": source_policies(),
            "other_policies": other_policies(),
            "certificates": certs,
            "signoffs": signoffs,
            "activations": activations,
        },
    )


@router.get("/governance/documents/{slug}", response_class=HTMLResponse)
def document_page(
    request: Request, slug: str, _: Decision = guard(GOVERNANCE_READ.name)
) -> Response:
    doc = next((d for d in _documents(request) if d.slug == slug), None)
    if doc is None:
        raise HTTPException(404, f"no document {slug!r}")
    return render(request, "document.html", {"doc": doc})


@router.get("/governance/certificates/{certificate_id}", response_class=HTMLResponse)
def certificate_page(
    request: Request,
    certificate_id: str,
    session: Session = Depends(db),
    _: Decision = guard(GOVERNANCE_READ.name),
) -> Response:
    from integritas.retention.models import DisposalCertificate

    cert = session.scalar(
        select(DisposalCertificate).where(DisposalCertificate.certificate_id == certificate_id)
    )
    if cert is None:
        raise HTTPException(404, f"no certificate {certificate_id!r}")
    return render(request, "certificate.html", {"cert": cert, "body": json.loads(cert.body)})


@router.get("/governance/unmask-register", response_class=HTMLResponse)
def unmask_register_page(
    request: Request, session: Session = Depends(db), user: User = Depends(current_user)
) -> Response:
    return render(request, "unmask_register.html", {"entries": unmask_register(session, user=user)})


@api.get("/governance/unmask-register")
def unmask_register_json(
    session: Session = Depends(db), user: User = Depends(current_user)
) -> list[UnmaskRegisterEntry]:
    """Every unmask request, its decision and each identity reveal (audited listing)."""
    return unmask_register(session, user=user)
