"""Render docs/cli.md from the Typer app itself, so the reference cannot drift."""

from __future__ import annotations

from typing import Any

import typer

# Typer may ship its own click-compatible classes, so commands are walked by duck typing.


def _is_group(cmd: Any) -> bool:
    return hasattr(cmd, "list_commands")


def _walk(cmd: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    out = [(path, cmd)]
    if _is_group(cmd):
        for name in cmd.list_commands(None):
            sub = cmd.get_command(None, name)
            if sub is not None and not getattr(sub, "hidden", False):
                out += _walk(sub, [*path, name])
    return out


def command_paths(app: typer.Typer) -> list[str]:
    """Every command path, e.g. ``integritas audit verify``."""
    root = typer.main.get_command(app)
    return [" ".join(["integritas", *p]) for p, _ in _walk(root, [])[1:]]


def render_cli(app: typer.Typer) -> str:
    root = typer.main.get_command(app)
    lines = [
        "# CLI reference",
        "",
        "Generated from the command definitions by `integritas docs generate`; a test fails when",
        "a command is missing here. Every command takes the global option `--home DIR`",
        "(or `INTEGRITAS_HOME`) naming the workspace.",
    ]
    for path, cmd in _walk(root, [])[1:]:
        full = " ".join(["integritas", *path])
        lines += ["", f"## `{full}`", ""]
        lines.append((cmd.help or "").strip() or "(no description)")
        params = [p for p in cmd.params if p.name not in ("help",)]
        if params and not _is_group(cmd):
            lines += ["", "| argument / option | help |", "|---|---|"]
            for p in params:
                if getattr(p, "param_type_name", "") == "argument":
                    name = (p.name or "").upper()
                else:
                    name = ", ".join(f"`{o}`" for o in p.opts)
                    name = name or p.name or ""
                help_text = getattr(p, "help", None) or ""
                lines.append(f"| {name} | {help_text.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
