"""Every route against a real build: status, phases, gates, files, diff, events, cancel."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.company.scripted_company import REQUEST

from .harness import HELD, Server, Shipped, open_server


def events_of(server: Server, build_id: str, **headers: str) -> list[dict[str, Any]]:
    """The whole SSE stream of a build, parsed: [{"event", "id", "data"}, ...]."""
    messages: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with server.client.stream(
        "GET", f"/v1/builds/{build_id}/events", headers=server.auth() | headers
    ) as res:
        assert res.status_code == 200, res.read()
        assert res.headers["content-type"].startswith("text/event-stream")
        for line in res.iter_lines():
            if not line:
                if "data" in current:
                    messages.append(current)
                current = {}
            elif line.startswith("event: "):
                current["event"] = line[7:]
            elif line.startswith("id: "):
                current["id"] = int(line[4:])
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
    return messages


def test_health_openapi_and_dashboard(shipped: Shipped) -> None:
    client = shipped.server.client
    assert client.get("/healthz").json()["status"] == "ok"
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/v1/tenant",
        "/v1/builds",
        "/v1/builds/{build_id}",
        "/v1/builds/{build_id}/events",
        "/v1/builds/{build_id}/files",
        "/v1/builds/{build_id}/files/{path}",
        "/v1/builds/{build_id}/diff",
        "/v1/builds/{build_id}/cancel",
    } <= paths
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    page = client.get("/")
    assert page.status_code == 200 and "Macrohard" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    for asset in ("/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200
    assert "http" not in page.text.replace("http://www.w3.org", "")  # nothing external loads


def test_finished_build_reports_phases_gates_tokens(shipped: Shipped) -> None:
    detail = shipped.detail
    assert detail["status"] == "succeeded" and detail["verdict"] == "shipped", detail
    assert detail["request"] == REQUEST and detail["run_id"].startswith("r-")
    roles = [(p["name"], p["role"], p["status"]) for p in detail["phases"]]
    assert roles[0] == ("spec", "pm", "done") and roles[-1] == ("release", "release", "done")
    assert all(p["status"] == "done" for p in detail["phases"])
    assert detail["tokens"] > 0 and detail["token_usage"]["total"] == detail["tokens"]
    assert detail["seconds"] > 0 and detail["finished_at"]
    gates = {g["gate"]: g["status"] for g in detail["gates"]}
    assert gates["tests"] == "passed" and gates["secrets"] == "passed"
    assert detail["deploy"]["ok"] is True


def test_list_shows_own_builds_newest_first(shipped: Shipped) -> None:
    server = shipped.server
    res = server.client.get("/v1/builds", headers=server.auth())
    builds = res.json()["builds"]
    assert builds[0]["id"] == shipped.build_id and builds[0]["status"] == "succeeded"
    assert server.client.get("/v1/builds", headers=server.auth("globex")).json() == {"builds": []}
    assert server.client.get("/v1/builds?limit=0", headers=server.auth()).status_code == 422


def test_files_and_one_file(shipped: Shipped) -> None:
    server, build = shipped.server, shipped.build_id
    listing = server.client.get(f"/v1/builds/{build}/files", headers=server.auth()).json()
    assert len(listing["commit"]) == 40
    assert {"mathutil.py", "tests/test_mathutil.py", "README.md", ".macrohard/report.json"} <= set(
        listing["files"]
    )
    assert not any(f.startswith(".git/") for f in listing["files"])
    res = server.client.get(f"/v1/builds/{build}/files/mathutil.py", headers=server.auth())
    assert res.status_code == 200 and "def add(a: int, b: int) -> int" in res.text
    assert res.headers["content-type"].startswith("text/plain")
    nested = server.client.get(
        f"/v1/builds/{build}/files/tests/test_mathutil.py", headers=server.auth()
    )
    assert nested.status_code == 200 and "def test_add" in nested.text


@pytest.mark.parametrize(
    "path",
    [
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e/%2e%2e/etc/passwd",
        ".git/config",
        ".git/HEAD",
        "/etc/passwd",
        "tests/../../mathutil.py",
        "nope.py",
    ],
)
def test_file_paths_outside_the_commit_are_404(shipped: Shipped, path: str) -> None:
    server = shipped.server
    res = server.client.get(f"/v1/builds/{shipped.build_id}/files/{path}", headers=server.auth())
    assert res.status_code == 404, (path, res.text[:200])
    assert "root:" not in res.text and "[core]" not in res.text


def test_diff_is_the_whole_project(shipped: Shipped) -> None:
    server = shipped.server
    res = server.client.get(f"/v1/builds/{shipped.build_id}/diff", headers=server.auth())
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/x-diff")
    assert "+++ b/mathutil.py" in res.text and "+def add(a: int, b: int) -> int:" in res.text


def test_events_replay_then_end_and_match_the_journal(shipped: Shipped) -> None:
    server = shipped.server
    messages = events_of(server, shipped.build_id)
    kinds = [m["event"] for m in messages]
    assert kinds[0] == "run.created" and kinds[-1] == "end"
    assert messages[-1]["data"]["status"] == "succeeded"
    started = [m["data"] for m in messages if m["event"] == "phase.started"]
    assert [(d["name"], d["role"]) for d in started][:2] == [
        ("spec", "pm"),
        ("design", "architect"),
    ]
    ids = [m["id"] for m in messages[:-1]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    journal = server.api.journal.events(shipped.detail["run_id"])
    assert ids == [e.id for e in journal]  # nothing lost, nothing doubled

    # reconnecting with Last-Event-ID gets only what came after it
    middle = ids[len(ids) // 2]
    rest = events_of(server, shipped.build_id, **{"Last-Event-ID": str(middle)})
    assert [m["id"] for m in rest[:-1]] == [i for i in ids if i > middle]
    assert rest[-1]["event"] == "end"
    bad = server.client.get(
        f"/v1/builds/{shipped.build_id}/events",
        headers=server.auth() | {"Last-Event-ID": "abc"},
    )
    assert bad.status_code == 400


def test_cancel_of_a_finished_build_is_409(shipped: Shipped) -> None:
    server = shipped.server
    res = server.client.post(f"/v1/builds/{shipped.build_id}/cancel", headers=server.auth())
    assert res.status_code == 409 and "already finished" in res.json()["detail"]


def test_live_stream_follows_a_running_build_to_its_end(server: Server) -> None:
    build_id = server.submit(model=HELD)
    server.wait(build_id, lambda d: d["status"] == "running" and bool(d["phases"]))
    seen: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: seen.extend(events_of(server, build_id)))
    reader.start()
    server.models.release.set()
    reader.join(120)
    assert not reader.is_alive()
    kinds = [m["event"] for m in seen]
    assert "phase.started" in kinds and "phase.finished" in kinds and kinds[-1] == "end"
    detail = server.get(build_id)
    assert seen[-1]["data"]["status"] == detail["status"] == "succeeded"
    journal = server.api.journal.events(detail["run_id"])
    assert [m["id"] for m in seen[:-1]] == [e.id for e in journal]


def test_cancel_a_running_build_stops_it_between_phases(server: Server) -> None:
    build_id = server.submit(model=HELD)
    server.wait(build_id, lambda d: any(p["status"] == "running" for p in d["phases"]))
    res = server.client.post(f"/v1/builds/{build_id}/cancel", headers=server.auth())
    assert res.status_code == 202 and res.json()["cancel_requested"] is True
    server.models.release.set()
    detail = server.wait_finished(build_id)
    assert detail["status"] == "cancelled" and detail["verdict"] == "stopped"
    statuses = {p["name"]: p["status"] for p in detail["phases"]}
    assert statuses["release"] == "pending" and "failed" in statuses.values()
    assert server.api.journal.get_run(detail["run_id"]).status == "stopped"
    events = events_of(server, build_id)
    assert events[-1]["event"] == "end" and events[-1]["data"]["status"] == "cancelled"


def test_cancel_a_queued_build_never_starts_it(tmp_path: Any) -> None:
    for server in open_server(tmp_path / "data", {"acme": {"max_concurrent": 3}}, max_concurrent=1):
        first = server.submit(model=HELD)
        second = server.submit(model=HELD)
        assert server.get(second)["status"] == "queued"
        res = server.client.post(f"/v1/builds/{second}/cancel", headers=server.auth())
        assert res.status_code == 202 and res.json()["status"] == "cancelled"
        events = events_of(server, second)
        assert [m["event"] for m in events] == ["end"]
        server.models.release.set()
        assert server.wait_finished(first)["status"] == "succeeded"
        assert server.get(second)["run_id"] is None


def test_unknown_build_is_404_on_every_route(shipped: Shipped) -> None:
    server = shipped.server
    for method, path in [
        ("GET", "/v1/builds/b-0000000000000000"),
        ("GET", "/v1/builds/b-0000000000000000/events"),
        ("GET", "/v1/builds/b-0000000000000000/files"),
        ("GET", "/v1/builds/b-0000000000000000/files/mathutil.py"),
        ("GET", "/v1/builds/b-0000000000000000/diff"),
        ("POST", "/v1/builds/b-0000000000000000/cancel"),
    ]:
        res = server.client.request(method, path, headers=server.auth())
        assert res.status_code == 404, (method, path)
        assert res.json()["detail"] == "no build b-0000000000000000"
