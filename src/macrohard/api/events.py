"""A build's events as server-sent events: everything the journal holds, then live, then `end`.

Each journal event becomes one SSE message whose `id:` is the journal's event id, so a client that
reconnects with `Last-Event-ID` gets exactly what it missed. Phase events carry the phase's role.
The stream ends with an `end` message once the build has finished and every event was sent.

All streams share one `Feed`: it reads a build's record and its run's new events from SQLite at
most once per poll interval, however many clients follow that build. It lives on the event loop
(one thread), so it needs no locks.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from macrohard.api.builds import BuildRecord, Builds
from macrohard.journal import Event, Journal

KEEPALIVE_SECONDS = 15.0
PAGE = 1000
FORGET_SECONDS = 300.0


def message(kind: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    """One SSE message; the data is one line of JSON."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


@dataclass
class _Run:
    events: list[Event] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    read_at: float = float("-inf")
    used_at: float = 0.0


@dataclass
class _Build:
    record: BuildRecord | None
    read_at: float


class Feed:
    """Build records and run events, cached for `poll_seconds`, shared by every stream."""

    def __init__(self, builds: Builds, journal: Journal, poll_seconds: float) -> None:
        self.builds = builds
        self.journal = journal
        self.poll_seconds = poll_seconds
        self._builds: dict[str, _Build] = {}
        self._runs: dict[str, _Run] = {}

    def build(self, build_id: str) -> tuple[BuildRecord | None, float]:
        """The build's record and when it was read (at most poll_seconds ago)."""
        now = time.monotonic()
        cached = self._builds.get(build_id)
        if cached is None or now - cached.read_at >= self.poll_seconds:
            cached = self._builds[build_id] = _Build(self.builds.get(build_id), now)
            self._forget(now)
        return cached.record, cached.read_at

    def events(self, run_id: str, after: int, not_before: float) -> tuple[list[Event], _Run]:
        """The run's events with id > after, read no earlier than `not_before`."""
        now = time.monotonic()
        run = self._runs.setdefault(run_id, _Run())
        run.used_at = now
        if run.read_at < not_before or now - run.read_at >= self.poll_seconds:
            if not run.roles:
                run.roles = {p.name: p.role for p in self.journal.phases(run_id)}
            while True:
                new = self.journal.events(run_id, run.ids[-1] if run.ids else 0, PAGE)
                run.events.extend(new)
                run.ids.extend(e.id for e in new)
                if len(new) < PAGE:
                    break
            run.read_at = now
        return run.events[bisect.bisect_right(run.ids, after) :], run

    def _forget(self, now: float) -> None:
        for key in [k for k, b in self._builds.items() if now - b.read_at > FORGET_SECONDS]:
            del self._builds[key]
        for key in [k for k, r in self._runs.items() if now - r.used_at > FORGET_SECONDS]:
            del self._runs[key]


def _payload(event: Event, roles: dict[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": event.id, "ts": event.ts, "kind": event.kind, **event.data}
    name = event.data.get("name")
    if event.kind.startswith("phase.") and isinstance(name, str) and name in roles:
        payload["role"] = roles[name]
    return payload


async def stream(feed: Feed, build_id: str, after: int) -> AsyncIterator[bytes]:
    """Replays the build's events after `after`, follows new ones, and ends with the build."""
    quiet_since = time.monotonic()
    yield b"retry: 2000\n\n"
    while True:
        record, read_at = feed.build(build_id)
        if record is None:
            return
        finished = record.finished  # read before the events: the last ones are then all written
        if record.run_id is not None:
            events, run = feed.events(record.run_id, after, read_at)
            if events:
                yield b"".join(message(e.kind, _payload(e, run.roles), e.id) for e in events)
                after = events[-1].id
                quiet_since = time.monotonic()
        if finished:
            end = {"status": record.status, "verdict": record.verdict, "last_event_id": after}
            yield message("end", end)
            return
        if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(feed.poll_seconds)
