"""`macrohard model-service` and `macrohard bench model-service`: thin over models.service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from macrohard.models.registry import SMALL_SPEC, default_spec

err = Console(stderr=True)


def model_service(
    model: Annotated[str | None, typer.Option("--model", "-m", help="the model to serve")] = None,
    slots: Annotated[int, typer.Option("--slots", min=1, help="model instances at once")] = 1,
    port: Annotated[int, typer.Option("--port", help="loopback port (0: any free one)")] = 0,
) -> None:
    """Serve one model to every build on this machine (127.0.0.1 only, bearer token)."""
    from macrohard.models.service import TOKEN_ENV, main

    err.print(f"clients send the token from ${TOKEN_ENV}; stop with Ctrl-C")
    raise typer.Exit(
        main(["--model", model or default_spec(), "--slots", str(slots), "--port", str(port)])
    )


def bench_model_service(
    model: Annotated[
        str, typer.Option("--model", "-m", help="an embedded model spec")
    ] = SMALL_SPEC,
    concurrency: Annotated[str, typer.Option("--builds", help="concurrent builds")] = "1,2,4",
    calls: Annotated[int, typer.Option("--calls", min=1, help="model calls per build")] = 2,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=8)] = 96,
    modes: Annotated[
        str, typer.Option("--modes", help="shared-N (N slots), per-build, per-build-passive")
    ] = "shared-1,shared-2,per-build,per-build-passive",
    report: Annotated[Path, typer.Option("--report")] = Path("reports/model-service.json"),
) -> None:
    """Total tokens/s and memory: one shared model service vs one model per build."""
    from macrohard.bench import model_service

    counts = [int(n) for n in concurrency.split(",") if n.strip()]
    result = model_service.run(
        model,
        counts,
        calls=calls,
        max_tokens=max_tokens,
        modes=[m.strip() for m in modes.split(",") if m.strip()],
        report=report,
        on_row=lambda row: err.print(
            f"{row.mode}, {row.builds} build(s): {row.tokens_per_second} tok/s, "
            f"{row.pss_mb:.0f} MiB PSS"
        ),
    )
    print(model_service.table(result))
    print(f"report: {report}")


def register_service_commands(app: typer.Typer, bench_app: typer.Typer) -> None:
    app.command("model-service")(model_service)
    bench_app.command("model-service")(bench_model_service)
