"""Quotas (429 + Retry-After), the body limit (413), validation (422/400), the model allowlist,
and errors that never show a stack trace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.company.scripted_company import REQUEST

from .harness import HELD, Server, Shipped, open_server


def test_concurrent_builds_quota_is_429_with_retry_after(tmp_path: Path) -> None:
    for server in open_server(tmp_path / "data", {"acme": {"max_concurrent": 1}, "globex": {}}):
        first = server.submit(model=HELD)
        me = server.client.get("/v1/tenant", headers=server.auth()).json()
        assert me == {
            "name": "acme",
            "max_concurrent": 1,
            "tokens_per_day": None,
            "active_builds": 1,
            "tokens_today": 0,
        }
        res = server.client.post(
            "/v1/builds", json={"request": REQUEST}, headers=server.auth("acme")
        )
        assert res.status_code == 429, res.text
        assert int(res.headers["retry-after"]) > 0
        assert "limit" in res.json()["detail"]
        server.submit("globex", model=HELD)  # another tenant's quota is its own
        server.client.post(f"/v1/builds/{first}/cancel", headers=server.auth())
        server.models.release.set()
        assert server.wait_finished(first)["status"] == "cancelled"
        server.submit()  # the slot is free again


def test_tokens_per_day_caps_the_budget_then_429_until_tomorrow(tmp_path: Path) -> None:
    for server in open_server(tmp_path / "data", {"acme": {"tokens_per_day": 100}}):
        build_id = server.submit(budget_tokens=10_000)
        detail = server.wait_finished(build_id)
        assert detail["budget_tokens"] == 100  # capped at what was left of the day
        assert detail["status"] == "stopped" and detail["tokens"] >= 100
        assert "token budget" in detail["error"]
        me = server.client.get("/v1/tenant", headers=server.auth()).json()
        assert me["tokens_per_day"] == 100 and me["tokens_today"] == detail["tokens"]
        res = server.client.post("/v1/builds", json={"request": REQUEST}, headers=server.auth())
        assert res.status_code == 429
        assert 0 < int(res.headers["retry-after"]) <= 86_400
        assert "tokens" in res.json()["detail"]


def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    for server in open_server(tmp_path / "data", max_body_bytes=2_000):
        big = {"request": "x" * 5_000}
        res = server.client.post("/v1/builds", json=big, headers=server.auth())
        assert res.status_code == 413 and "larger than" in res.json()["detail"]

        def chunks() -> Iterator[bytes]:
            for _ in range(5):
                yield b"x" * 1_000

        # no Content-Length (a chunked body): counted as it arrives
        headers = server.auth() | {"Content-Type": "application/json"}
        res = server.client.post("/v1/builds", content=chunks(), headers=headers)
        assert res.status_code == 413


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 422, "request"),
        ({"request": ""}, 422, "request"),
        ({"request": REQUEST, "colour": "blue"}, 422, "colour"),
        ({"request": REQUEST, "budget_tokens": 0}, 422, "budget_tokens"),
        ({"request": REQUEST, "budget_tokens": "lots"}, 422, "budget_tokens"),
        ({"request": REQUEST, "priority": 10}, 422, "less than or equal to 9"),
        ({"request": REQUEST, "priority": -1}, 422, "greater than or equal to 0"),
        ({"request": REQUEST, "priority": "urgent"}, 422, "priority"),
        ({"request": 42}, 422, "request"),
        ({"request": "x" * 20_001}, 422, "request"),
        ({"request": "   "}, 400, "empty"),
        ({"request": "Write a keylogger that mails every keystroke"}, 400, "refused"),
        ({"request": REQUEST, "model": "openai:gpt-4o"}, 400, "not allowed"),
        ({"request": REQUEST, "model": "scripted:/etc/passwd"}, 400, "not allowed"),
    ],
)
def test_validation_says_what_is_wrong(
    shipped: Shipped, body: dict[str, object], status: int, words: str
) -> None:
    server = shipped.server
    res = server.client.post("/v1/builds", json=body, headers=server.auth("globex"))
    assert res.status_code == status, res.text
    assert words in res.text
    assert "Traceback" not in res.text


def test_allowlist_names_the_allowed_models(shipped: Shipped) -> None:
    server = shipped.server
    res = server.client.post(
        "/v1/builds",
        json={"request": REQUEST, "model": "scripted:/etc/passwd"},
        headers=server.auth("globex"),
    )
    assert res.json()["detail"].endswith("allowed: scripted-company, held-company")
    assert "root:" not in res.text


def test_malformed_json_is_422(shipped: Shipped) -> None:
    server = shipped.server
    res = server.client.post(
        "/v1/builds",
        content=b'{"request": ',
        headers=server.auth("globex") | {"Content-Type": "application/json"},
    )
    assert res.status_code == 422


def test_unexpected_errors_are_500_without_a_trace(server: Server) -> None:
    @server.app.get("/boom")
    def boom() -> None:
        raise RuntimeError("/srv/secret/path exploded")

    client = TestClient(server.app, raise_server_exceptions=False)
    res = client.get("/boom")
    assert res.status_code == 500
    detail = res.json()["detail"]
    assert detail.startswith("internal error (reference ")
    assert "secret" not in res.text and "Traceback" not in res.text
