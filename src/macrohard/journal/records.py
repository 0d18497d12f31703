"""The journal's error, status vocabularies, and the frozen records it returns."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from macrohard.errors import MacrohardError

RunStatus = Literal["queued", "running", "succeeded", "failed", "stopped", "interrupted"]
PhaseStatus = Literal["pending", "running", "done", "failed", "skipped"]
RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
PHASE_STATUSES: tuple[str, ...] = get_args(PhaseStatus)


class JournalError(MacrohardError):
    """The journal could not record or find something; the message says what and why."""


@dataclass(frozen=True)
class RunRecord:
    """One build (or other kind of run) and its running totals."""

    id: str
    kind: str
    request: str
    out_dir: str
    model: str
    status: RunStatus
    verdict: str | None
    phases: tuple[str, ...]
    options: dict[str, Any]
    created_at: str
    updated_at: str
    finished_at: str | None
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    pid: int | None
    error: str | None
    tenant: str | None


@dataclass(frozen=True)
class PhaseRecord:
    """One phase of a run; usage sums every attempt that reported it."""

    run_id: str
    idx: int
    name: str
    role: str
    status: PhaseStatus
    started_at: str | None
    finished_at: str | None
    input: dict[str, Any] | None
    output: dict[str, Any] | None
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    verdict: str | None
    commit_sha: str | None
    error: str | None
    attempts: int


@dataclass(frozen=True)
class Event:
    """One entry of a run's event stream; ids only ever grow."""

    id: int
    run_id: str
    ts: str
    kind: str
    data: dict[str, Any]


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def run_from_row(row: sqlite3.Row) -> RunRecord:
    """Builds a RunRecord from a `runs` row."""
    return RunRecord(
        id=row["id"],
        kind=row["kind"],
        request=row["request"],
        out_dir=row["out_dir"],
        model=row["model"],
        status=cast(RunStatus, row["status"]),
        verdict=row["verdict"],
        phases=tuple(_load(row["phases_json"])),
        options=_load(row["options_json"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        seconds=row["seconds"],
        pid=row["pid"],
        error=row["error"],
        tenant=row["tenant"],
    )


def phase_from_row(row: sqlite3.Row) -> PhaseRecord:
    """Builds a PhaseRecord from a `phases` row."""
    return PhaseRecord(
        run_id=row["run_id"],
        idx=row["idx"],
        name=row["name"],
        role=row["role"],
        status=cast(PhaseStatus, row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        input=_load(row["input_json"]),
        output=_load(row["output_json"]),
        model=row["model"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        seconds=row["seconds"],
        verdict=row["verdict"],
        commit_sha=row["commit_sha"],
        error=row["error"],
        attempts=row["attempts"],
    )


def event_from_row(row: sqlite3.Row) -> Event:
    """Builds an Event from an `events` row."""
    return Event(
        id=row["id"],
        run_id=row["run_id"],
        ts=row["ts"],
        kind=row["kind"],
        data=_load(row["data_json"]),
    )
