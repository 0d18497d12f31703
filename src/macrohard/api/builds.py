"""Builds as the API sees them: a tenant's request, the journal run that serves it, its status.

A build id (`b-...`) exists from the moment it is accepted; the journal's run id is added when the
company starts the run. Every lookup on behalf of a tenant is scoped to that tenant.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, cast, get_args

from macrohard.api.store import Store
from macrohard.api.tenants import Tenant
from macrohard.errors import QuotaExceeded, UserError
from macrohard.journal.codec import utc_now

BuildStatus = Literal[
    "queued", "running", "succeeded", "failed", "stopped", "cancelled", "interrupted"
]
BUILD_STATUSES: tuple[str, ...] = get_args(BuildStatus)
ACTIVE: tuple[BuildStatus, ...] = ("queued", "running", "interrupted")
FINISHED: tuple[BuildStatus, ...] = ("succeeded", "failed", "stopped", "cancelled")
#: when a tenant at its concurrency limit should look again, in seconds
CONCURRENCY_RETRY_AFTER = 15
#: a build's priority: higher runs first (api.queue); the default is the lowest
MIN_PRIORITY, MAX_PRIORITY = 0, 9


@dataclass(frozen=True)
class BuildRecord:
    id: str
    tenant_id: str
    run_id: str | None
    request: str
    model: str
    budget_tokens: int | None
    status: BuildStatus
    verdict: str | None
    error: str | None
    out_dir: str
    tokens: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    priority: int = MIN_PRIORITY

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _record(row: sqlite3.Row) -> BuildRecord:
    return BuildRecord(
        id=row["id"],
        tenant_id=row["tenant_id"],
        run_id=row["run_id"],
        request=row["request"],
        model=row["model"],
        budget_tokens=row["budget_tokens"],
        status=cast(BuildStatus, row["status"]),
        verdict=row["verdict"],
        error=row["error"],
        out_dir=row["out_dir"],
        tokens=row["tokens"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        priority=row["priority"],
    )


def project_name(request: str) -> str:
    """The project folder's name (the release names the package after it): the first Python
    file the request names (`mathutil.py` -> mathutil), else "project"."""
    found = re.search(r"\b([A-Za-z_][A-Za-z0-9_]{0,40})\.py\b", request)
    return found.group(1).lower() if found else "project"


def day_start(now: datetime | None = None) -> datetime:
    """The start of the current UTC day: the window of a tenant's tokens-per-day quota."""
    now = now or datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def seconds_to_next_day(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    return max(1, int((day_start(now) + timedelta(days=1) - now).total_seconds()) + 1)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Builds:
    """The builds table."""

    def __init__(self, store: Store, builds_dir: Path) -> None:
        self.store = store
        self.builds_dir = builds_dir

    def create(
        self,
        tenant: Tenant,
        request: str,
        model: str,
        budget_tokens: int | None,
        priority: int = MIN_PRIORITY,
    ) -> BuildRecord:
        """Records a queued build, unless the tenant already has its limit of active builds."""
        if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
            raise UserError(
                f"priority must be from {MIN_PRIORITY} to {MAX_PRIORITY} (higher runs first), "
                f"not {priority}"
            )
        with self.store.write() as conn:
            active = conn.execute(
                f"SELECT count(*) FROM builds WHERE tenant_id = ? AND status IN {ACTIVE}",  # noqa: S608
                (tenant.id,),
            ).fetchone()[0]
            if active >= tenant.max_concurrent:
                raise QuotaExceeded(
                    f"tenant {tenant.name!r} already has {active} build(s) queued or running, "
                    f"its limit; wait for one to finish or cancel one",
                    CONCURRENCY_RETRY_AFTER,
                )
            build_id = f"b-{secrets.token_hex(8)}"
            conn.execute(
                "INSERT INTO builds (id, tenant_id, request, model, budget_tokens, out_dir,"
                " created_at, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    build_id,
                    tenant.id,
                    request,
                    model,
                    budget_tokens,
                    str(self.builds_dir / build_id / project_name(request)),
                    utc_now(),
                    priority,
                ),
            )
        found = self.get(build_id)
        assert found is not None
        return found

    def get(self, build_id: str, tenant_id: str | None = None) -> BuildRecord | None:
        """The build, or None; with `tenant_id`, None too when it belongs to someone else."""
        rows = self.store.read(
            "SELECT * FROM builds WHERE id = :b AND (:t IS NULL OR tenant_id = :t)",
            {"b": build_id, "t": tenant_id},
        )
        return _record(rows[0]) if rows else None

    def of_tenant(self, tenant_id: str, limit: int = 50) -> list[BuildRecord]:
        rows = self.store.read(
            "SELECT * FROM builds WHERE tenant_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (tenant_id, limit),
        )
        return [_record(r) for r in rows]

    def unfinished(self) -> list[BuildRecord]:
        """Builds a previous server process left queued, running or interrupted, oldest first."""
        rows = self.store.read(
            f"SELECT * FROM builds WHERE status IN {ACTIVE} ORDER BY created_at, rowid"  # noqa: S608
        )
        return [_record(r) for r in rows]

    def active_count(self, tenant_id: str) -> int:
        rows = self.store.read(
            f"SELECT count(*) FROM builds WHERE tenant_id = ? AND status IN {ACTIVE}",  # noqa: S608
            (tenant_id,),
        )
        return int(rows[0][0])

    def tokens_today(self, tenant_id: str) -> int:
        rows = self.store.read(
            "SELECT coalesce(sum(tokens), 0) FROM builds WHERE tenant_id = ? AND created_at >= ?",
            (tenant_id, _stamp(day_start())),
        )
        return int(rows[0][0])

    def claim(self, build_id: str) -> BuildRecord | None:
        """Moves a queued (or interrupted) build to running; None if it was cancelled first."""
        with self.store.write() as conn:
            cur = conn.execute(
                "UPDATE builds SET status = 'running', started_at = coalesce(started_at, ?),"
                " finished_at = NULL WHERE id = ? AND status IN ('queued', 'interrupted')",
                (utc_now(), build_id),
            )
            if cur.rowcount != 1:
                return None
        return self.get(build_id)

    def cancel_queued(self, build_id: str) -> bool:
        """Cancels a build no worker has picked up yet; False when it is past that."""
        with self.store.write() as conn:
            cur = conn.execute(
                "UPDATE builds SET status = 'cancelled', error = 'cancelled on request',"
                " finished_at = ? WHERE id = ? AND status IN ('queued', 'interrupted')",
                (utc_now(), build_id),
            )
            return cur.rowcount == 1

    def set_run_id(self, build_id: str, run_id: str) -> None:
        with self.store.write() as conn:
            conn.execute("UPDATE builds SET run_id = ? WHERE id = ?", (run_id, build_id))

    def set_tokens(self, build_id: str, tokens: int) -> None:
        with self.store.write() as conn:
            conn.execute("UPDATE builds SET tokens = ? WHERE id = ?", (tokens, build_id))

    def finish(
        self,
        build_id: str,
        status: BuildStatus,
        *,
        verdict: str | None,
        error: str | None,
        tokens: int | None = None,
    ) -> None:
        finished_at = utc_now() if status in FINISHED else None
        with self.store.write() as conn:
            conn.execute(
                "UPDATE builds SET status = ?, verdict = ?, error = ?, finished_at = ?,"
                " tokens = coalesce(?, tokens) WHERE id = ?",
                (status, verdict, error, finished_at, tokens, build_id),
            )
