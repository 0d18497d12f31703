"""The FastAPI app: /v1 routes, the dashboard at /, errors as one-sentence JSON, never a trace."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from macrohard import __version__
from macrohard.api.guard import Guard
from macrohard.api.routes import router
from macrohard.api.schemas import Health
from macrohard.api.settings import Settings
from macrohard.api.state import Api
from macrohard.errors import QuotaExceeded, UserError

log = logging.getLogger("macrohard.api")

STATIC = Path(str(files("macrohard.web") / "static"))

DESCRIPTION = """\
Submit builds to the Macrohard company, follow them live, and read what they produced.

Every /v1 route needs `Authorization: Bearer TOKEN`; an operator creates tenants and their
tokens with `macrohard tenant create NAME`. A tenant sees only its own builds.
"""


def create_app(settings: Settings) -> FastAPI:
    """The API and dashboard for `settings`; builds start running when the app starts up."""
    api = Api.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        api.service.start()
        try:
            yield
        finally:
            await run_in_threadpool(api.service.shutdown)

    app = FastAPI(
        title="Macrohard",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # the Swagger UI loads from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.api = api
    app.include_router(router)
    _add_error_handlers(app)

    @app.get("/healthz", response_model=Health, tags=["server"])
    async def health() -> Health:
        """Liveness: no auth needed."""
        return Health(version=__version__)

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QuotaExceeded)
    async def quota(request: Request, exc: QuotaExceeded) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        ref = secrets.token_hex(4)
        log.error("internal error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
        detail = f"internal error (reference {ref}); the server log has the details"
        return JSONResponse({"detail": detail}, status_code=500)
