"""`macrohard mcp`: serve the company to MCP clients (Claude Desktop, IDEs, agents) over stdio."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from macrohard.models.registry import DEFAULT_SPEC


def mcp(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            envvar="MACROHARD_MCP_DATA",
            help="projects land in DATA/builds/ (default: beside the journal, in mcp/)",
        ),
    ] = None,
    allow_model: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-model",
            help="a model spec clients may choose (repeatable; the first is the default); "
            f"default $MACROHARD_MCP_MODELS (comma-separated), else $MACROHARD_MODEL or "
            f"{DEFAULT_SPEC}",
        ),
    ] = None,
    max_builds: Annotated[
        int, typer.Option("--max-builds", min=1, help="builds running at once")
    ] = 1,
    max_minutes: Annotated[
        float, typer.Option("--max-minutes", min=0.1, help="time limit of each build")
    ] = 30.0,
    unsafe_local: Annotated[
        bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only (unsafe)")
    ] = False,
) -> None:
    """Serve start_build, build_status, build_report and list_builds over stdio (MCP)."""
    from macrohard.mcp_server import ServerOptions, data_default, serve

    serve(
        ServerOptions(
            data=data or data_default(),
            models=tuple(allow_model or ()),
            max_builds=max_builds,
            max_minutes=max_minutes,
            unsafe_local=unsafe_local,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)
