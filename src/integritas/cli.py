"""The `integritas` command line: a thin Typer app.

Each domain package contributes its commands through a ``commands`` module with a
``register(app)`` function; a command parses its options, calls one service function and
prints the result. Heavy libraries are imported inside command bodies so that ``--help``
stays fast.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from integritas import __version__
from integritas.settings import Workspace

app = typer.Typer(
    name="integritas",
    help="Professional-standards integrity observatory. A flag is an indicator, never a finding.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Order is the order shown in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "integritas.demo.commands",
    "integritas.catalog.commands",
    "integritas.ingest.commands",
    "integritas.synth.commands",
    "integritas.metrics.commands",
    "integritas.detect.commands",
    "integritas.linkage.commands",
    "integritas.store.commands",
    "integritas.access.commands",
    "integritas.audit.commands",
    "integritas.cases.commands",
    "integritas.rights.commands",
    "integritas.retention.commands",
    "integritas.transparency.commands",
    "integritas.fairness.commands",
    "integritas.web.commands",
    "integritas.reference.commands",
)


class State:
    """What the root callback learned: the workspace folder chosen for this run."""

    home: Path | None = None

    @classmethod
    def workspace(cls) -> Workspace:
        return Workspace.from_settings(cls.home)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"integritas {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="INTEGRITAS_HOME",
            help="Workspace directory (default ./integritas-home).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Integritas command line."""
    State.home = home


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # package not built yet
                continue
            raise
        module.register(app)


_register_all()


def main() -> None:
    app()
