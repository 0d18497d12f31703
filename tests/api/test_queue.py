"""FairQueue: priority first, tenants take turns, FIFO within a tenant; and the API's use of it."""

from __future__ import annotations

import queue
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from macrohard.api import create_app
from macrohard.api.queue import FairQueue
from macrohard.api.state import Api
from macrohard.errors import ModelUnavailable
from macrohard.models import Model
from tests.company.scripted_company import REQUEST

from .harness import FINISHED, HELD, SCRIPTED, Models, Server, make_settings, open_server


def drain(q: FairQueue) -> list[str]:
    """Every id `get()` hands out until the queue is empty."""
    out: list[str] = []
    while len(q):
        build_id = q.get(timeout=1)
        assert build_id is not None
        out.append(build_id)
    return out


def filled(*items: tuple[str, str, int]) -> FairQueue:
    q = FairQueue()
    for build_id, tenant, priority in items:
        q.put(build_id, tenant, priority)
    return q


# -- order ---------------------------------------------------------------------------------------
def test_higher_priority_first_then_fifo() -> None:
    q = filled(("low1", "acme", 0), ("high", "acme", 5), ("low2", "acme", 0), ("mid", "acme", 2))
    assert drain(q) == ["high", "mid", "low1", "low2"]


def test_tenants_take_turns_within_a_priority() -> None:
    backlog = [(f"a{n}", "acme", 0) for n in range(1, 6)]
    q = filled(*backlog, ("g1", "globex", 0), ("i1", "initech", 0), ("i2", "initech", 0))
    assert drain(q) == ["a1", "g1", "i1", "a2", "i2", "a3", "a4", "a5"]


def test_a_backlog_cannot_starve_a_newcomer() -> None:
    q = filled(*[(f"a{n}", "acme", 0) for n in range(100)])
    assert q.get() == "a0"
    q.put("g1", "globex", 0)  # put behind 99 of acme's builds
    assert q.position("g1") == 0
    assert q.get() == "g1"
    assert q.get() == "a1"


def test_the_tenant_served_longest_ago_goes_first() -> None:
    q = filled(("a1", "acme", 0), ("g1", "globex", 0))
    assert [q.get(), q.get()] == ["a1", "g1"]  # acme was served before globex
    q.put("g2", "globex", 0)
    q.put("a2", "acme", 0)
    assert drain(q) == ["a2", "g2"]


def test_priority_beats_turns() -> None:
    q = filled(("a1", "acme", 0), ("a2", "acme", 9), ("g1", "globex", 0))
    assert drain(q) == ["a2", "g1", "a1"]  # acme's turn was spent on its priority-9 build


# -- remove, position, len -----------------------------------------------------------------------
def test_remove_takes_a_build_out_of_the_order() -> None:
    q = filled(("a1", "acme", 0), ("a2", "acme", 0), ("g1", "globex", 0), ("h", "acme", 3))
    assert len(q) == 4 and "a2" in q
    assert q.remove("a2") is True
    assert q.remove("a2") is False and q.remove("nope") is False
    assert q.remove("h") is True  # the last of its priority
    assert len(q) == 2 and "a2" not in q
    assert [q.position("a1"), q.position("g1"), q.position("a2")] == [0, 1, None]
    assert drain(q) == ["a1", "g1"]


def test_position_is_the_order_get_hands_them_out() -> None:
    rng = random.Random(6)
    tenants = ["acme", "globex", "initech", "umbrella"]
    q = FairQueue()
    for n in range(300):
        q.put(f"b{n}", rng.choice(tenants), rng.choice([0, 0, 0, 1, 5]))
        if rng.random() < 0.3:
            q.get()  # some history: tenants served at different times
        if rng.random() < 0.1:
            q.remove(f"b{rng.randrange(n + 1)}")
    places = {b: q.position(b) for b in (f"b{n}" for n in range(300)) if b in q}
    ranks = [p for p in places.values() if p is not None]
    assert sorted(ranks) == list(range(len(places)))  # each waiting build has its own place
    assert drain(q) == sorted(places, key=lambda b: places[b] or 0)


def test_a_build_is_queued_once() -> None:
    q = filled(("a1", "acme", 0))
    with pytest.raises(ValueError, match="a1 is already queued"):
        q.put("a1", "globex", 3)


# -- blocking and shutdown -----------------------------------------------------------------------
def test_get_waits_for_a_put() -> None:
    q = FairQueue()
    threading.Timer(0.1, q.put, ("a1", "acme", 0)).start()
    assert q.get(timeout=10) == "a1"


def test_get_with_a_timeout_raises_empty() -> None:
    q = FairQueue()
    begun = time.monotonic()
    with pytest.raises(queue.Empty):
        q.get(timeout=0.1)
    assert time.monotonic() - begun >= 0.1


def test_close_wakes_every_waiting_worker_with_none() -> None:
    q = FairQueue()
    got: list[str | None] = []
    workers = [threading.Thread(target=lambda: got.append(q.get())) for _ in range(3)]
    for worker in workers:
        worker.start()
    time.sleep(0.1)
    q.close()
    for worker in workers:
        worker.join(5)
    assert got == [None, None, None]
    q.put("late", "acme", 0)  # a submit racing the shutdown: kept, never handed out
    assert q.get() is None and len(q) == 1


def test_each_build_goes_to_exactly_one_worker() -> None:
    q = FairQueue()
    got: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        while (build_id := q.get()) is not None:
            with lock:
                got.append(build_id)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for n in range(400):
        q.put(f"b{n}", f"t{n % 7}", n % 3)
    deadline = time.monotonic() + 30
    while len(q) and time.monotonic() < deadline:
        time.sleep(0.01)
    q.close()
    for worker in workers:
        worker.join(5)
    assert sorted(got) == sorted(f"b{n}" for n in range(400))


# -- the API -------------------------------------------------------------------------------------
class QuickFail(Models):
    """The harness's models, except that a scripted-company build fails the moment it starts:
    the tests below need the order builds start in, not the builds themselves."""

    def __call__(self, spec: str) -> Model:
        if spec == SCRIPTED:
            raise ModelUnavailable(f"{spec}: refused by the test, so the next build can start")
        return super().__call__(spec)


def wait_finished(server: Server, build_id: str, tenant: str) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while (data := server.get(build_id, tenant))["status"] not in FINISHED:
        assert time.monotonic() < deadline, f"timed out; last state {data}"
        time.sleep(0.05)
    return data


def started_order(server: Server, builds: dict[str, str]) -> list[str]:
    """The builds (id -> tenant) in the order workers started them, once all have finished."""
    started = {b: wait_finished(server, b, tenant)["started_at"] for b, tenant in builds.items()}
    return sorted(builds, key=lambda b: started[b])


def positions(server: Server, builds: dict[str, str]) -> dict[str, int | None]:
    """The builds' (id -> tenant) queue positions, read once a status poll interval has passed
    (a status is rendered at most once per interval: a new submit shows in the next one)."""
    time.sleep(server.api.settings.poll_seconds * 2)
    return {b: server.get(b, tenant)["queue_position"] for b, tenant in builds.items()}


def test_another_tenant_is_served_before_a_backlog(tmp_path: Path) -> None:
    tenants = {"acme": {"max_concurrent": 5}, "globex": {}}
    for server in open_server(tmp_path / "data", tenants, QuickFail(), max_concurrent=1):
        running = server.submit(model=HELD)
        server.wait(running, lambda d: d["status"] == "running")
        backlog = [server.submit() for _ in range(2)]
        assert positions(server, dict.fromkeys(backlog, "acme")) == {backlog[0]: 0, backlog[1]: 1}
        res = server.client.post(
            "/v1/builds", json={"request": REQUEST}, headers=server.auth("globex")
        )
        assert res.status_code == 202, res.text
        accepted = res.json()
        assert accepted["queue_position"] == 0 and accepted["priority"] == 0
        other = accepted["id"]
        owners = {other: "globex"} | dict.fromkeys(backlog, "acme")
        assert positions(server, owners) == {other: 0, backlog[0]: 1, backlog[1]: 2}
        assert server.get(running)["queue_position"] is None
        listed = server.client.get("/v1/builds", headers=server.auth()).json()["builds"]
        assert [b["queue_position"] for b in listed] == [2, 1, None]  # newest first

        server.client.post(f"/v1/builds/{running}/cancel", headers=server.auth())
        server.models.release.set()  # the held build stops; the queue goes, one at a time
        order = started_order(server, {running: "acme"} | owners)
        assert order == [running, other, *backlog]
        assert all(v is None for v in positions(server, owners).values())


def test_a_higher_priority_goes_first_and_a_cancel_leaves_the_queue(tmp_path: Path) -> None:
    tenants = {"acme": {"max_concurrent": 5}}
    for server in open_server(tmp_path / "data", tenants, max_concurrent=1):
        running = server.submit(model=HELD)
        server.wait(running, lambda d: d["status"] == "running")
        low = server.submit(model=HELD)
        high = server.submit(model=HELD, priority=7)
        assert server.get(high)["priority"] == 7 and server.get(low)["priority"] == 0
        assert positions(server, {high: "acme", low: "acme"}) == {high: 0, low: 1}
        cancelled = server.client.post(f"/v1/builds/{high}/cancel", headers=server.auth())
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["queue_position"] is None
        assert positions(server, {low: "acme"}) == {low: 0}  # the cancelled build left the queue


class Client:
    """A TestClient of an app made here (not by the harness), for the tenants of `auth`."""

    def __init__(self, client: TestClient, auth: dict[str, dict[str, str]]) -> None:
        self.client = client
        self.auth = auth

    def submit(self, tenant: str, priority: int = 0) -> str:
        body = {"request": REQUEST, "model": HELD, "priority": priority}
        res = self.client.post("/v1/builds", json=body, headers=self.auth[tenant])
        assert res.status_code == 202, res.text
        return str(res.json()["id"])

    def get(self, build_id: str, tenant: str = "acme") -> dict[str, Any]:
        res = self.client.get(f"/v1/builds/{build_id}", headers=self.auth[tenant])
        assert res.status_code == 200, res.text
        data: dict[str, Any] = res.json()
        return data

    def wait_running(self, build_id: str) -> None:
        deadline = time.monotonic() + 60
        while (data := self.get(build_id))["status"] != "running":
            assert time.monotonic() < deadline, f"timed out; last state {data}"
            time.sleep(0.05)


def test_a_restart_queues_builds_again_with_their_priority_and_tenant(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Models()
    app = create_app(make_settings(data, first, max_concurrent=1))
    api: Api = app.state.api
    auth = {
        name: {"Authorization": f"Bearer {api.tenants.create(name, max_concurrent=5)[1]}"}
        for name in ("acme", "globex")
    }
    with TestClient(app) as test_client:
        client = Client(test_client, auth)
        interrupted = client.submit("acme")
        client.wait_running(interrupted)
        a2, g1, a3 = client.submit("acme"), client.submit("globex"), client.submit("acme", 3)
        threading.Timer(1.0, first.release.set).start()  # the held build then sees the stop

    second = Models()
    with TestClient(create_app(make_settings(data, second, max_concurrent=1))) as test_client:
        client = Client(test_client, auth)
        try:
            client.wait_running(a3)  # priority 3 first
            assert client.get(interrupted)["status"] == "interrupted"
            # then globex, whose turn comes before acme's (acme was just served), then acme's
            assert client.get(g1, "globex")["queue_position"] == 0
            assert client.get(interrupted)["queue_position"] == 1
            assert client.get(a2)["queue_position"] == 2
        finally:
            second.release.set()
