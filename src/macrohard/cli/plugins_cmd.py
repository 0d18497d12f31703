"""`macrohard plugins`: every model backend, role, gate, workflow and tool, and its source."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console

from macrohard import plugins
from macrohard.errors import UserError

err = Console(stderr=True)


def plugins_command(
    kind: Annotated[
        str | None,
        typer.Option("--kind", "-k", help=f"only one kind: {', '.join(plugins.KINDS)}"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list")] = False,
) -> None:
    """List the plugins: kind, name, state, distribution. Exit 1 when one cannot load."""
    chosen = next((k for k in plugins.KINDS if k == kind), None)
    if kind is not None and chosen is None:
        raise UserError(f"unknown plugin kind {kind!r}; one of: {', '.join(plugins.KINDS)}")
    found = plugins.registry().plugins(chosen)
    if as_json:
        print(json.dumps([asdict(p) for p in found], indent=1))
    else:
        width = max((len(p.name) for p in found), default=4)
        for p in found:
            print(f"{p.kind:10} {p.name:{width}}  {p.state:9} {p.dist:32} {p.target}")
    broken = [p for p in found if p.state in ("failed", "conflict")]
    for p in found:
        if p.state in ("failed", "conflict", "ignored"):
            err.print(f"[red]warning:[/] {p.describe()}: {p.error}", highlight=False)
    if broken:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("plugins")(plugins_command)
