"""Bearer tokens on every /v1 route, and tenants that cannot see each other's builds."""

from __future__ import annotations

import sqlite3

import pytest

from tests.company.scripted_company import REQUEST

from .harness import Shipped

ROUTES = [
    ("GET", "/v1/tenant"),
    ("POST", "/v1/builds"),
    ("GET", "/v1/builds"),
    ("GET", "/v1/builds/{id}"),
    ("GET", "/v1/builds/{id}/events"),
    ("GET", "/v1/builds/{id}/files"),
    ("GET", "/v1/builds/{id}/files/mathutil.py"),
    ("GET", "/v1/builds/{id}/diff"),
    ("POST", "/v1/builds/{id}/cancel"),
]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer mh_not-a-real-token",
        "Bearer not-even-the-prefix",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "mh_token-without-scheme",
    ],
)
@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_every_v1_route_needs_a_valid_token(
    shipped: Shipped, method: str, route: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    path = route.format(id=shipped.build_id)
    body = {"request": REQUEST} if method == "POST" else None
    res = shipped.server.client.request(method, path, headers=headers, json=body)
    assert res.status_code == 401, res.text
    assert res.headers["www-authenticate"] == "Bearer"
    assert "token" in res.json()["detail"]


@pytest.mark.parametrize(("method", "route"), ROUTES[3:])
def test_another_tenants_build_is_404(shipped: Shipped, method: str, route: str) -> None:
    server = shipped.server
    path = route.format(id=shipped.build_id)
    res = server.client.request(method, path, headers=server.auth("globex"))
    assert res.status_code == 404, res.text
    assert res.json() == {"detail": f"no build {shipped.build_id}"}  # the same as no build at all
    # and the owner still sees it, unchanged (globex's cancel did nothing)
    assert server.get(shipped.build_id)["status"] == "succeeded"


def test_another_tenant_lists_none_of_them(shipped: Shipped) -> None:
    server = shipped.server
    mine = server.client.get("/v1/builds", headers=server.auth()).json()["builds"]
    theirs = server.client.get("/v1/builds", headers=server.auth("globex")).json()["builds"]
    assert shipped.build_id in {b["id"] for b in mine}
    assert shipped.build_id not in {b["id"] for b in theirs}


def test_tokens_are_stored_only_as_hashes(shipped: Shipped) -> None:
    server = shipped.server
    db = server.api.settings.api_db
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))  # with the WAL
    for token in server.tokens.values():
        assert token.encode() not in raw
    with sqlite3.connect(server.api.settings.api_db) as conn:
        hashes = [row[0] for row in conn.execute("SELECT token_hash FROM tenants")]
    assert all(len(h) == 64 for h in hashes)


def test_a_cached_status_is_still_only_the_owners(shipped: Shipped) -> None:
    server = shipped.server
    path = f"/v1/builds/{shipped.build_id}"
    server.api.status_cache.seconds = 60  # the owner's rendering is fresh when globex asks
    server.api.status_cache.drop(shipped.build_id)  # not one an earlier test left to expire
    try:
        assert server.client.get(path, headers=server.auth()).status_code == 200
        record = server.api.builds.get(shipped.build_id)
        assert record is not None and server.api.status_cache.get(record.id, record.tenant_id)
        assert server.client.get(path, headers=server.auth("globex")).status_code == 404
    finally:
        server.api.status_cache.seconds = server.api.settings.poll_seconds
