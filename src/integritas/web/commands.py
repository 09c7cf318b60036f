"""`integritas serve`: the web observatory on uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from integritas.settings import Workspace

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_workspace(
    ws: Workspace,
    *,
    host: str,
    port: int,
    secure_cookies: bool | None = None,
    retention_at: str | None = None,
) -> None:
    """Serve ``ws`` until interrupted (also used by `integritas demo`).

    ``secure_cookies=None`` means: Secure cookies unless bound to loopback over plain HTTP.
    ``retention_at`` (``HH:MM`` UTC) also applies retention every day at that time.
    Raises StoreNotMigrated for an out-of-date database, before binding anything.
    """
    import uvicorn

    from integritas.settings import WebSettings
    from integritas.web.app import create_app

    secure = host not in LOOPBACK if secure_cookies is None else secure_cookies
    if not secure and host not in LOOPBACK:
        raise ValueError(f"cookies without Secure are allowed only on loopback, not {host}")
    cfg = WebSettings().model_copy(update={"host": host, "port": port, "secure_cookies": secure})
    web = create_app(ws, cfg)
    if retention_at is not None:
        from integritas.web.scheduler import DailyJob, parse_hhmm

        at = parse_hhmm(retention_at)
        from integritas.retention.service import nightly

        DailyJob("nightly retention", at, lambda: nightly(ws).lines()).start()
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=False)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        host: Annotated[
            str | None, typer.Option("--host", help="Address to bind (default from settings).")
        ] = None,
        port: Annotated[
            int | None, typer.Option("--port", help="Port to bind (default from settings).")
        ] = None,
        plain_http: Annotated[
            bool,
            typer.Option(
                "--plain-http",
                help="Cookies without the Secure flag, for http:// on loopback only.",
            ),
        ] = False,
        retention_at: Annotated[
            str,
            typer.Option(
                "--retention-at",
                help="Apply retention every day at HH:MM UTC; `off` to leave it to another "
                "scheduler (`integritas retention apply`).",
            ),
        ] = "02:30",
    ) -> None:
        """Serve the web observatory (refuses an unmigrated database)."""
        from integritas.cli import State
        from integritas.settings import WebSettings
        from integritas.store.migrate import StoreNotMigrated

        cfg = WebSettings()
        bind = host or cfg.host
        secure = False if plain_http else cfg.secure_cookies
        scheme = "https" if secure else "http"
        try:
            ws = State.workspace()
            if secure:
                typer.echo(
                    "(cookies are Secure: serve behind TLS, or use --plain-http on loopback)"
                )
            typer.echo(f"Integritas observatory on {scheme}://{bind}:{port or cfg.port}/")
            serve_workspace(
                ws,
                host=bind,
                port=port or cfg.port,
                secure_cookies=secure,
                retention_at=None if retention_at.lower() == "off" else retention_at,
            )
        except (StoreNotMigrated, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
