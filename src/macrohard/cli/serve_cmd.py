"""`macrohard serve` (the API and dashboard) and `macrohard tenant create|list`: thin over api/."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from macrohard.errors import UserError
from macrohard.journal import default_path
from macrohard.models.registry import default_spec

err = Console(stderr=True)
tenant_app = typer.Typer(help="API tenants and their tokens.", no_args_is_help=True)

DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", help="server state: api.db, journal.db, builds/ (default $MACROHARD_HOME)"
    ),
]


class Isolation(StrEnum):
    process = "process"
    thread = "thread"


def _data_dir(data: Path | None) -> Path:
    return data if data is not None else default_path().parent


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    data: DataOpt = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="default model spec for builds")
    ] = None,
    allow_model: Annotated[
        list[str] | None,
        typer.Option("--allow-model", help="another model spec tenants may ask for (repeatable)"),
    ] = None,
    max_concurrent: Annotated[
        int, typer.Option("--max-concurrent", min=1, help="builds running at once")
    ] = 2,
    max_minutes: Annotated[
        float, typer.Option("--max-minutes", min=0.1, help="time budget of each build")
    ] = 60.0,
    build_nice: Annotated[
        int,
        typer.Option(
            "--build-nice", min=0, max=19, help="CPU niceness of builds (0: same as the API)"
        ),
    ] = 10,
    isolation: Annotated[
        Isolation,
        typer.Option(
            "--isolation",
            help="run each build in a process of its own (the API never waits on a build for "
            "the CPU), or in a thread of the server (shares one loaded embedded model)",
        ),
    ] = Isolation.process,
    unsafe_local: Annotated[
        bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only (unsafe)")
    ] = False,
) -> None:
    """Serve the REST API (/v1, schema at /openapi.json) and the dashboard (/)."""
    try:
        import uvicorn

        from macrohard.api import Settings, create_app
    except ImportError as exc:
        raise UserError(
            f"`macrohard serve` needs the api extra ({exc.name} is missing): "
            "pip install 'macrohard[api]'"
        ) from exc
    settings = Settings(
        data_dir=_data_dir(data),
        default_model=model or default_spec(),
        allowed_models=tuple(allow_model or ()),
        max_concurrent=max_concurrent,
        max_minutes=max_minutes,
        unsafe_local=unsafe_local,
        build_nice=build_nice,
        isolation=isolation.value,
    )
    app = create_app(settings)
    err.print(
        f"macrohard API on http://{host}:{port}/ (data {settings.data_dir}; models: "
        f"{', '.join(settings.allowed_models)})"
    )
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="the tenant's name (letters, digits, . _ -)")],
    data: DataOpt = None,
    max_concurrent: Annotated[
        int, typer.Option("--max-concurrent", min=1, help="its builds queued or running at once")
    ] = 2,
    tokens_per_day: Annotated[
        int | None, typer.Option("--tokens-per-day", min=1, help="model tokens per UTC day")
    ] = None,
) -> None:
    """Create a tenant; its API token is printed once, as the last line."""
    from macrohard.api.store import Store
    from macrohard.api.tenants import Tenants

    data_dir = _data_dir(data)
    tenant, token = Tenants(Store(data_dir / "api.db")).create(
        name, max_concurrent=max_concurrent, tokens_per_day=tokens_per_day
    )
    limit = f"{tenant.tokens_per_day:,} tokens/day" if tenant.tokens_per_day else "no token limit"
    print(f"tenant {tenant.name} ({tenant.id}): {tenant.max_concurrent} concurrent, {limit}")
    print("API token (shown once; only its hash is stored):")
    print(token)


@tenant_app.command("list")
def tenant_list(data: DataOpt = None) -> None:
    """List tenants and their quotas (never their tokens)."""
    from macrohard.api.store import Store
    from macrohard.api.tenants import Tenants

    for t in Tenants(Store(_data_dir(data) / "api.db")).all():
        limit = f"{t.tokens_per_day:,} tokens/day" if t.tokens_per_day else "no token limit"
        print(f"{t.id}  {t.name:24} {t.max_concurrent} concurrent, {limit}, since {t.created_at}")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(tenant_app, name="tenant")
