"""The web observatory: ``create_app(ws, settings)`` builds the FastAPI application.

Pages are grouped one router module per page group under ``integritas.web.routes``; each
module exposes ``router`` (HTML pages), optionally ``api`` (JSON, mounted under ``/api``) and
``NAV`` (menu entries with the actions that show them). Add a page group by adding its module
to ``ROUTE_MODULES``. Feature packages that ship their own JSON router (``cases.api``) are
mounted under ``/api`` with their ``current_user`` dependency bound to the signed-in user.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from integritas.access.authz import PermissionDenied
from integritas.access.settings import AccessSettings, OIDCSettings
from integritas.settings import EngineSettings, WebSettings, Workspace
from integritas.web import auth
from integritas.web import oidc as oidc_routes
from integritas.web.deps import (
    AppState,
    CsrfRejected,
    NavItem,
    NotSignedIn,
    current_user,
    render,
    shared_session,
    verify_csrf,
)
from integritas.web.security import RateLimiter, SecurityMiddleware, load_or_create_secret

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

ROUTE_MODULES: tuple[str, ...] = (
    "integritas.web.routes.home",
    "integritas.web.routes.health",
    "integritas.web.routes.triage",
    "integritas.web.routes.linkage",
    "integritas.web.routes.cases",
    "integritas.web.routes.registers",
    "integritas.web.routes.governance",
    "integritas.web.routes.oversight",
    "integritas.web.routes.mydata",
    "integritas.web.routes.admin",
)

# Routers that feature packages ship themselves: (module, attribute).
FEATURE_APIS: tuple[str, ...] = ("integritas.cases.api",)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(
    request: Request, status: int, heading: str, reason: str, *, audited: bool = False
) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": reason, "audited": audited}, status_code=status)
    return render(
        request,
        "error.html",
        {"heading": heading, "reason": reason, "audited": audited},
        status_code=status,
    )


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "sign-in required"}, status_code=401)
        return auth.login_redirect(request, exc.expired)

    @app.exception_handler(PermissionDenied)
    async def denied(request: Request, exc: PermissionDenied) -> Response:
        reason = f"You may not do this ({exc.decision.action}): {exc.decision.reason}."
        return _error_page(request, 403, "Not permitted", reason, audited=True)

    @app.exception_handler(CsrfRejected)
    async def csrf(request: Request, exc: CsrfRejected) -> Response:
        reason = "The form was out of date or did not come from this site. Reload and try again."
        return _error_page(request, 403, "Request refused", reason)

    for name in (
        "integritas.cases.queue:CaseError",
        "integritas.access.users:AccessError",
        "integritas.rights.disputes:RightsError",
    ):
        module, _, attr = name.partition(":")
        try:
            exc_type = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError:
            continue

        @app.exception_handler(exc_type)
        async def refused(request: Request, exc: Exception) -> Response:
            # A request the service refused (bad input, wrong state): nothing was stored.
            msg = str(exc)
            status = 404 if msg.startswith("no ") else 400
            return _error_page(request, status, "Not done", msg)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code < 400:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        heading = "Not found" if exc.status_code == 404 else f"Error {exc.status_code}"
        return _error_page(request, exc.status_code, heading, str(exc.detail))


def _templates(extra_dirs: list[Path]) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader([str(HERE / "templates"), *map(str, extra_dirs)]),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def _mount_feature_apis(app: FastAPI) -> None:
    for name in FEATURE_APIS:
        try:
            module: Any = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):  # feature not built yet
                continue
            raise
        router = getattr(module, "router", None)
        if router is None:
            continue
        app.include_router(router, prefix="/api")
        feature_user = getattr(module, "current_user", None)
        if feature_user is not None:
            app.dependency_overrides[feature_user] = current_user
        feature_db = getattr(module, "get_session", None)
        if callable(feature_db):
            # Through a wrapper, so that the request's one session (cached as ``db``) is shared
            # with ``current_user``: two SQLite write transactions in one request would deadlock.
            app.dependency_overrides[feature_db] = shared_session


def _route_modules() -> list[Any]:
    """The page groups; one whose feature package is not built yet is left out."""
    out = []
    for name in ROUTE_MODULES:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("integritas.") and not name.startswith(exc.name):
                log.warning("page group %s left out: %s is not built", name, exc.name)
                continue
            raise
    return out


def create_app(
    ws: Workspace,
    settings: WebSettings | None = None,
    *,
    sessions: sessionmaker[Session] | None = None,
    access: AccessSettings | None = None,
    oidc: OIDCSettings | None = None,
    login_attempts_per_minute: int = 10,
) -> FastAPI:
    """The observatory app for one workspace. Refuses an unmigrated store (StoreNotMigrated)."""
    from integritas.store.session import workspace_sessions

    cfg = settings or WebSettings()
    app = FastAPI(
        title="Integritas observatory",
        description="JSON API of the observatory: every page's data, same permission checks.",
        docs_url=None,  # the Swagger/ReDoc pages load assets from a CDN: not served
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(verify_csrf)],
    )
    modules = _route_modules()
    template_dirs = [Path(d) for m in modules for d in getattr(m, "TEMPLATE_DIRS", [])]
    app.state.integritas = AppState(
        ws=ws,
        settings=cfg,
        sessions=sessions or workspace_sessions(ws),
        secret=load_or_create_secret(ws.keys / "web_csrf.key"),
        templates=_templates(template_dirs),
        login_limiter=RateLimiter(login_attempts_per_minute, 60.0),
        access=access or AccessSettings(),
        oidc=oidc or OIDCSettings(),
        small_cell_k=EngineSettings().small_cell_k,
    )
    app.add_middleware(SecurityMiddleware, secure_cookies=cfg.secure_cookies)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _install_handlers(app)
    app.include_router(auth.router)
    app.include_router(oidc_routes.router)
    nav: list[NavItem] = []
    for module in modules:
        app.include_router(module.router)
        if getattr(module, "api", None) is not None:
            app.include_router(module.api, prefix="/api")
        nav.extend(getattr(module, "NAV", []))
    app.state.integritas.nav = nav
    _mount_feature_apis(app)
    return app


__all__ = ["ROUTE_MODULES", "create_app"]
