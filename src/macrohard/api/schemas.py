"""What goes over the wire: bodies and responses as pydantic models (the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from macrohard.api.builds import MAX_PRIORITY, MIN_PRIORITY, BuildStatus
from macrohard.company.policy import MAX_REQUEST


class BuildCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str = Field(
        min_length=1,
        max_length=MAX_REQUEST,
        description="what to build, in plain language",
        examples=["Create wordfreq.py with top_words(text: str, n: int) -> list[tuple[str, int]]"],
    )
    model: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="a model spec the server allows (default: the server's model)",
    )
    budget_tokens: int | None = Field(
        default=None, ge=1, le=100_000_000, description="stop the build after this many tokens"
    )
    priority: int = Field(
        default=MIN_PRIORITY,
        ge=MIN_PRIORITY,
        le=MAX_PRIORITY,
        description="higher runs first; within a priority, tenants take turns",
    )


def _queue_position() -> Any:
    return Field(
        default=None,
        ge=0,
        description="while the build waits for a worker: how many builds go first (0: next);"
        " null otherwise",
    )


class BuildAccepted(BaseModel):
    id: str
    status: BuildStatus
    priority: int = MIN_PRIORITY
    queue_position: int | None = _queue_position()


class Tokens(BaseModel):
    prompt: int = 0
    completion: int = 0
    total: int = 0


class PhaseView(BaseModel):
    name: str
    role: str
    status: str
    verdict: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None


class GateView(BaseModel):
    gate: str
    status: str
    summary: str = ""
    seconds: float = 0.0
    required: bool = True


class BuildSummary(BaseModel):
    id: str
    status: BuildStatus
    verdict: str | None = None
    request: str = Field(description="the request, cut to 200 characters in lists")
    model: str
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    tokens: int = 0
    cancel_requested: bool = False
    priority: int = MIN_PRIORITY
    queue_position: int | None = _queue_position()


class BuildDetail(BuildSummary):
    run_id: str | None = None
    error: str | None = None
    budget_tokens: int | None = None
    seconds: float = Field(0.0, description="wall-clock seconds since the build started")
    token_usage: Tokens = Field(default_factory=Tokens)
    phases: list[PhaseView] = Field(default_factory=list)
    gates: list[GateView] = Field(default_factory=list)
    deploy: dict[str, Any] | None = None


class BuildList(BaseModel):
    builds: list[BuildSummary]


class FileList(BaseModel):
    commit: str | None = Field(description="the commit the files are read from (None: none yet)")
    files: list[str]


class TenantView(BaseModel):
    """Who the token belongs to, its quotas, and what it is using of them now."""

    name: str
    max_concurrent: int
    tokens_per_day: int | None
    active_builds: int
    tokens_today: int


class Problem(BaseModel):
    """Every error response: one sentence that says what was wrong and what to do."""

    detail: str | list[dict[str, Any]]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
