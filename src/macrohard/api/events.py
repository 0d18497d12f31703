"""A build's events as server-sent events: everything the journal holds, then live, then `end`.

Each journal event becomes one SSE message whose `id:` is the journal's event id, so a client that
reconnects with `Last-Event-ID` gets exactly what it missed. Phase events carry the phase's role.
The stream ends with an `end` message once the build has finished and every event was sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from macrohard.api.builds import BuildRecord
from macrohard.journal import Event, Journal

KEEPALIVE_SECONDS = 15.0
PAGE = 500


def message(kind: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    """One SSE message; the data is one line of JSON."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _payload(event: Event, roles: dict[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": event.id, "ts": event.ts, "kind": event.kind, **event.data}
    name = event.data.get("name")
    if event.kind.startswith("phase.") and isinstance(name, str) and name in roles:
        payload["role"] = roles[name]
    return payload


async def stream(
    load: Callable[[], BuildRecord | None],
    journal: Journal,
    after: int,
    poll_seconds: float,
) -> AsyncIterator[bytes]:
    """Replays the build's events after `after`, follows new ones, and ends with the build."""
    roles: dict[str, str] = {}
    quiet_since = time.monotonic()
    yield b"retry: 2000\n\n"
    while True:
        record = load()
        if record is None:
            return
        finished = record.finished  # read before the events: the last ones are then all written
        if record.run_id is not None:
            if not roles:
                roles = {p.name: p.role for p in journal.phases(record.run_id)}
            while True:
                events = journal.events(record.run_id, after, PAGE)
                for event in events:
                    yield message(event.kind, _payload(event, roles), event.id)
                    after = event.id
                    quiet_since = time.monotonic()
                if len(events) < PAGE:
                    break
        if finished:
            end = {"status": record.status, "verdict": record.verdict, "last_event_id": after}
            yield message("end", end)
            return
        if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(poll_seconds)
