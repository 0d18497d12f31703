"""`FairQueue`: the build ids waiting for a worker, by priority, then fairly between tenants.

Order of `get()`:
1. the highest priority first;
2. within a priority, tenants take turns: the next build comes from the waiting tenant served
   longest ago (one never served counts as longest ago), so a tenant's backlog of 100 puts at
   most one of its builds ahead of another tenant's build of the same priority;
3. within a tenant and priority, first in, first out.

`position(build_id)` replays that order on the current contents (it is a snapshot: a build put
later with a higher priority, or by a tenant whose turn is due, may still come first). `close()`
stops it: from then on every `get()` returns None, the workers' signal to exit.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator

__all__ = ["FairQueue"]

#: a tenant's place in the turns: (turn it was last served, -1 if never; arrival of its oldest)
_Key = tuple[int, int]


class FairQueue:
    """A thread-safe blocking queue of build ids with priorities and per-tenant turns."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        # priority -> tenant -> that tenant's build ids, oldest first
        self._waiting: dict[int, dict[str, deque[str]]] = {}
        self._where: dict[str, tuple[int, str]] = {}  # build id -> (priority, tenant)
        self._arrival: dict[str, int] = {}  # build id -> order of put
        self._served: dict[str, int] = {}  # tenant -> turn it was last served
        self._puts = itertools.count()
        self._turns = itertools.count()
        self._closed = False

    def __len__(self) -> int:
        with self._cond:
            return len(self._where)

    def __contains__(self, build_id: object) -> bool:
        with self._cond:
            return build_id in self._where

    def put(self, build_id: str, tenant_id: str, priority: int = 0) -> None:
        """Queues `build_id` behind the tenant's other builds of the same priority.

        After `close()` the id is kept but never handed out.
        """
        with self._cond:
            if build_id in self._where:
                raise ValueError(f"build {build_id} is already queued")
            self._where[build_id] = (priority, tenant_id)
            self._arrival[build_id] = next(self._puts)
            self._waiting.setdefault(priority, {}).setdefault(tenant_id, deque()).append(build_id)
            self._cond.notify()

    def get(self, timeout: float | None = None) -> str | None:
        """The next build id; None once the queue is closed.

        Blocks until there is one; with `timeout` (seconds), raises `queue.Empty` after that long.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._closed and not self._where:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise queue.Empty
                self._cond.wait(left)
            if self._closed:
                return None
            return self._pop()

    def remove(self, build_id: str) -> bool:
        """Takes a build out of the queue (a cancel); False when it is not waiting."""
        with self._cond:
            where = self._where.pop(build_id, None)
            if where is None:
                return False
            priority, tenant_id = where
            self._arrival.pop(build_id, None)
            self._waiting[priority][tenant_id].remove(build_id)
            self._drop_empty(priority, tenant_id)
            return True

    def position(self, build_id: str) -> int | None:
        """How many builds `get()` would hand out before this one (0: next); None if not queued."""
        with self._cond:
            if build_id not in self._where:
                return None
            for place, queued in enumerate(self._order()):
                if queued == build_id:
                    return place
        raise AssertionError(f"build {build_id} is queued but not in the order")  # pragma: no cover

    def close(self) -> None:
        """Wakes every waiting `get()`; it and every later one returns None."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- internals (callers hold the lock) -----------------------------------------------------
    def _key(self, tenant_id: str, builds: deque[str], served: dict[str, int]) -> _Key:
        return (served.get(tenant_id, -1), self._arrival[builds[0]])

    def _pop(self) -> str:
        priority = max(self._waiting)
        tenants = self._waiting[priority]
        tenant_id = min(tenants, key=lambda t: self._key(t, tenants[t], self._served))
        build_id = tenants[tenant_id].popleft()
        self._served[tenant_id] = next(self._turns)
        del self._where[build_id], self._arrival[build_id]
        self._drop_empty(priority, tenant_id)
        return build_id

    def _drop_empty(self, priority: int, tenant_id: str) -> None:
        tenants = self._waiting[priority]
        if not tenants[tenant_id]:
            del tenants[tenant_id]
        if not tenants:
            del self._waiting[priority]

    def _order(self) -> Iterator[str]:
        """Every queued id in the order `get()` would return them, if nothing else were put.

        Serving a tenant sends it to the back of the turns, so within a priority the turns are
        a rotation: sort the tenants once, then cycle through them.
        """
        served = dict(self._served)
        turn = max(served.values(), default=-1)
        for priority in sorted(self._waiting, reverse=True):
            tenants = self._waiting[priority]
            rotation = deque(sorted(tenants, key=lambda t: self._key(t, tenants[t], served)))
            left = {t: iter(tenants[t]) for t in rotation}
            pending = {t: len(tenants[t]) for t in rotation}
            while rotation:
                tenant_id = rotation.popleft()
                yield next(left[tenant_id])
                turn += 1
                served[tenant_id] = turn
                pending[tenant_id] -= 1
                if pending[tenant_id]:
                    rotation.append(tenant_id)
