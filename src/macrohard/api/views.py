"""Build records and journal state turned into the response models of schemas.py.

`StatusCache` keeps each build's rendered status for one poll interval: clients that poll a
build together (a dashboard, CI jobs, the load benchmark's 50 clients) share one rendering.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from macrohard.api.builds import BuildRecord
from macrohard.api.schemas import BuildDetail, BuildSummary, GateView, PhaseView, Tokens
from macrohard.journal import PhaseRecord

if TYPE_CHECKING:
    from macrohard.api.state import Api

LIST_REQUEST_CHARS = 200


def _when(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    return datetime.fromisoformat(stamp)


def _elapsed(start: str | None, end: str | None) -> float:
    begun = _when(start)
    if begun is None:
        return 0.0
    return round(((_when(end) or datetime.now(UTC)) - begun).total_seconds(), 2)


def summary(api: Api, record: BuildRecord) -> BuildSummary:
    request = record.request
    if len(request) > LIST_REQUEST_CHARS:
        request = request[: LIST_REQUEST_CHARS - 1] + "…"
    return BuildSummary(
        id=record.id,
        status=record.status,
        verdict=record.verdict,
        request=request,
        model=record.model,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        tokens=max(record.tokens, api.service.live_tokens(record.id) or 0),
        cancel_requested=api.service.cancel_requested(record.id),
        priority=record.priority,
        queue_position=_queue_position(api, record),
    )


def _queue_position(api: Api, record: BuildRecord) -> int | None:
    """Its place in the queue while it waits (queued, or interrupted and not yet resumed)."""
    if record.status not in ("queued", "interrupted"):
        return None
    return api.service.queue_position(record.id)


def _phase(p: PhaseRecord) -> PhaseView:
    seconds = _elapsed(p.started_at, None) if p.status == "running" else round(p.seconds, 2)
    return PhaseView(
        name=p.name,
        role=p.role,
        status=p.status,
        verdict=p.verdict,
        prompt_tokens=p.prompt_tokens,
        completion_tokens=p.completion_tokens,
        seconds=seconds,
        started_at=p.started_at,
        finished_at=p.finished_at,
        error=p.error,
    )


def _gates(phases: list[PhaseRecord]) -> list[GateView]:
    for p in phases:
        gates = (p.output or {}).get("gates")
        if isinstance(gates, list):
            return [
                GateView(
                    gate=str(g.get("gate", "?")),
                    status=str(g.get("status", "?")),
                    summary=str(g.get("summary", "")),
                    seconds=float(g.get("seconds", 0.0)),
                    required=bool(g.get("required", True)),
                )
                for g in gates
                if isinstance(g, dict)
            ]
    return []


def _deploy(phases: list[PhaseRecord]) -> dict[str, Any] | None:
    for p in phases:
        deploy = (p.output or {}).get("deploy")
        if isinstance(deploy, dict):
            return deploy
    return None


def detail(api: Api, record: BuildRecord) -> BuildDetail:
    base = summary(api, record).model_dump()
    base["request"] = record.request
    phases: list[PhaseRecord] = []
    usage = Tokens()
    if record.run_id is not None:
        run = api.journal.get_run(record.run_id)
        phases = api.journal.phases(record.run_id)
        total = run.prompt_tokens + run.completion_tokens
        usage = Tokens(prompt=run.prompt_tokens, completion=run.completion_tokens, total=total)
        base["tokens"] = max(base["tokens"], total)
    return BuildDetail(
        **base,
        run_id=record.run_id,
        error=record.error,
        budget_tokens=record.budget_tokens,
        seconds=_elapsed(record.started_at, record.finished_at),
        token_usage=usage,
        phases=[_phase(p) for p in phases],
        gates=_gates(phases),
        deploy=_deploy(phases),
    )


@dataclass(frozen=True)
class _Rendered:
    tenant_id: str
    body: bytes
    until: float


class StatusCache:
    """Rendered `BuildDetail` JSON per build, reused for `seconds`; dropped on a change we make."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, _Rendered] = {}

    def get(self, build_id: str, tenant_id: str) -> bytes | None:
        """The cached body, if fresh and the caller's own build (else None: render it)."""
        entry = self._entries.get(build_id)
        if entry is None or entry.tenant_id != tenant_id or entry.until < time.monotonic():
            return None
        return entry.body

    def put(self, build_id: str, tenant_id: str, body: bytes) -> None:
        now = time.monotonic()
        if len(self._entries) > 10_000:
            self._entries = {k: e for k, e in self._entries.items() if e.until >= now}
        self._entries[build_id] = _Rendered(tenant_id, body, now + self.seconds)

    def drop(self, build_id: str) -> None:
        self._entries.pop(build_id, None)
