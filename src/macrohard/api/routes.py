"""The /v1 routes. Each looks builds up within the caller's tenant: someone else's id is a 404.

Routes that only read SQLite (WAL: readers never wait for writers) are `async` and run on the
event loop, which is several times cheaper than a hop to the thread pool; routes that write or
run git stay plain functions, in the thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from macrohard.api import repo_view, views
from macrohard.api.auth import CurrentTenant
from macrohard.api.builds import BuildRecord
from macrohard.api.events import stream
from macrohard.api.schemas import (
    BuildAccepted,
    BuildCreate,
    BuildDetail,
    BuildList,
    BuildSummary,
    FileList,
    Problem,
    TenantView,
)
from macrohard.api.state import Api

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "no valid API token"},
    404: {"model": Problem, "description": "no such build for this tenant"},
}
BuildId = Annotated[str, Path(min_length=1, max_length=64, description="a build id, b-...")]

router = APIRouter(prefix="/v1", tags=["builds"], responses=ERRORS)


def _api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


def _own(request: Request, tenant: CurrentTenant, build_id: str) -> BuildRecord:
    record = _api(request).builds.get(build_id, tenant.id)
    if record is None:
        raise HTTPException(404, f"no build {build_id}")
    return record


@router.get("/tenant", response_model=TenantView, tags=["tenant"])
async def get_tenant(request: Request, tenant: CurrentTenant) -> TenantView:
    """The caller's tenant: its quotas and how much of them is in use."""
    builds = _api(request).builds
    return TenantView(
        name=tenant.name,
        max_concurrent=tenant.max_concurrent,
        tokens_per_day=tenant.tokens_per_day,
        active_builds=builds.active_count(tenant.id),
        tokens_today=builds.tokens_today(tenant.id),
    )


@router.post(
    "/builds",
    status_code=202,
    response_model=BuildAccepted,
    responses={
        400: {"model": Problem, "description": "a request or model the server refuses"},
        413: {"model": Problem, "description": "the body is too large"},
        429: {"model": Problem, "description": "a quota is spent; see Retry-After"},
    },
)
def create_build(body: BuildCreate, request: Request, tenant: CurrentTenant) -> BuildAccepted:
    """Queue a build of `request`; it runs in the background. Follow it with /events.

    Higher `priority` runs first; within a priority, tenants take turns, oldest build first.
    """
    service = _api(request).service
    record = service.submit(
        tenant, body.request, body.model, body.budget_tokens, priority=body.priority
    )
    return BuildAccepted(
        id=record.id,
        status=record.status,
        priority=record.priority,
        queue_position=service.queue_position(record.id),
    )


@router.get("/builds", response_model=BuildList)
async def list_builds(
    request: Request,
    tenant: CurrentTenant,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> BuildList:
    """The caller's builds, newest first."""
    api = _api(request)
    return BuildList(builds=[views.summary(api, r) for r in api.builds.of_tenant(tenant.id, limit)])


@router.get("/builds/{build_id}", response_model=BuildDetail)
async def get_build(build_id: BuildId, request: Request, tenant: CurrentTenant) -> Response:
    """Status, phases (role, verdict, tokens, seconds), gate results, tokens and verdict.

    At most one poll interval old (0.2 s by default): polls of one build share a rendering.
    """
    api = _api(request)
    body = api.status_cache.get(build_id, tenant.id)
    if body is None:
        body = views.detail(api, _own(request, tenant, build_id)).model_dump_json().encode()
        api.status_cache.put(build_id, tenant.id, body)
    return Response(body, media_type="application/json")


@router.post(
    "/builds/{build_id}/cancel",
    status_code=202,
    response_model=BuildSummary,
    responses={409: {"model": Problem, "description": "the build has already finished"}},
)
def cancel_build(build_id: BuildId, request: Request, tenant: CurrentTenant) -> BuildSummary:
    """Cancel: a queued build never starts; a running one stops before its next model call."""
    record = _own(request, tenant, build_id)
    if record.finished:
        raise HTTPException(409, f"build {build_id} has already finished ({record.status})")
    api = _api(request)
    cancelled = api.service.cancel(record)
    api.status_cache.drop(build_id)
    return views.summary(api, cancelled)


@router.get(
    "/builds/{build_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "server-sent events: the journal's events, then `end`",
        },
        400: {"model": Problem, "description": "a Last-Event-ID that is not an event id"},
    },
)
async def build_events(
    build_id: BuildId,
    request: Request,
    tenant: CurrentTenant,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Server-sent events: past events are replayed, then new ones follow until the build ends.

    Reconnect with `Last-Event-ID` to receive only what came after that event.
    """
    record = _own(request, tenant, build_id)
    after = 0
    if last_event_id:
        if not last_event_id.isdigit():
            raise HTTPException(400, "Last-Event-ID must be the id of an event (digits)")
        after = int(last_event_id)
    return StreamingResponse(
        stream(_api(request).feed, record.id, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/builds/{build_id}/files", response_model=FileList)
def list_files(build_id: BuildId, request: Request, tenant: CurrentTenant) -> FileList:
    """The files of the build's repository at its current commit."""
    snap = repo_view.snapshot(_own(request, tenant, build_id).out_dir)
    return FileList(commit=snap.commit, files=snap.files)


@router.get(
    "/builds/{build_id}/files/{path:path}",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        413: {"model": Problem, "description": "the file is too large to serve"},
    },
)
def read_file(
    build_id: BuildId, path: str, request: Request, tenant: CurrentTenant
) -> PlainTextResponse:
    """One file of the repository at its current commit, as text."""
    record = _own(request, tenant, build_id)
    try:
        text = repo_view.read_file(record.out_dir, path)
    except repo_view.TooLarge as exc:
        raise HTTPException(413, str(exc)) from exc
    if text is None:
        raise HTTPException(404, f"build {build_id} has no file {path!r}")
    return PlainTextResponse(text)


@router.get(
    "/builds/{build_id}/diff",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/x-diff": {"schema": {"type": "string"}}}}},
)
def build_diff(build_id: BuildId, request: Request, tenant: CurrentTenant) -> PlainTextResponse:
    """The whole project as a git patch, from the run's first (empty) commit to its current one."""
    patch = repo_view.diff(_own(request, tenant, build_id).out_dir)
    return PlainTextResponse(patch, media_type="text/x-diff")
