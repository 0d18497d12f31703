"""Hidden acceptance tests for 04-kvstore. Run with cwd = the built project root."""

import http.client
import http.server
import importlib
import json
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path.cwd()
# bounded even for a built project that hangs (needs pytest-timeout; harmless without it)
pytestmark = pytest.mark.timeout(60)
TIMEOUT = 5


@pytest.fixture(scope="module")
def mod():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("kvstore")


@contextmanager
def running(mod):
    server = mod.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stopper = threading.Thread(target=server.shutdown, daemon=True)
        stopper.start()
        stopper.join(TIMEOUT)
        server.server_close()
        thread.join(TIMEOUT)


@pytest.fixture
def server(mod):
    with running(mod) as srv:
        yield srv


def call(server, method, path, body=None, raw=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=TIMEOUT)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        parsed = json.loads(payload) if payload.strip() else None
        return resp.status, parsed, resp.getheader("Content-Type") or ""
    finally:
        conn.close()


def test_make_server_returns_listening_http_server(server):
    assert isinstance(server, http.server.HTTPServer)
    assert server.server_address[0] == "127.0.0.1"
    assert server.server_address[1] != 0


def test_example_flow(server):
    assert call(server, "PUT", "/keys/color", {"value": "blue"})[:2] == (
        201, {"key": "color", "value": "blue"})
    assert call(server, "PUT", "/keys/color", {"value": ["red", 1]})[:2] == (
        200, {"key": "color", "value": ["red", 1]})
    assert call(server, "GET", "/keys/color")[:2] == (200, {"key": "color", "value": ["red", 1]})
    assert call(server, "GET", "/keys")[:2] == (200, {"keys": ["color"]})
    status, body, _ = call(server, "DELETE", "/keys/color")
    assert status == 204 and body is None
    assert call(server, "GET", "/keys/color")[:2] == (404, {"error": "not found"})


def test_json_content_type(server):
    status, _, ctype = call(server, "PUT", "/keys/a", {"value": 1})
    assert status == 201 and ctype.startswith("application/json")
    assert call(server, "GET", "/keys/a")[2].startswith("application/json")
    assert call(server, "GET", "/keys/missing")[2].startswith("application/json")
    assert call(server, "GET", "/keys")[2].startswith("application/json")


def test_any_json_value_round_trips(server):
    values = {"n": 42, "f": 2.5, "s": "héllo", "l": [1, [2, 3]], "o": {"a": {"b": None}},
              "t": True, "z": None}
    for key, value in values.items():
        assert call(server, "PUT", f"/keys/{key}", {"value": value})[0] == 201
    for key, value in values.items():
        assert call(server, "GET", f"/keys/{key}")[:2] == (200, {"key": key, "value": value})
    assert call(server, "DELETE", "/keys/z")[0] == 204


def test_missing_keys_are_404(server):
    assert call(server, "GET", "/keys/ghost")[:2] == (404, {"error": "not found"})
    assert call(server, "DELETE", "/keys/ghost")[:2] == (404, {"error": "not found"})
    call(server, "PUT", "/keys/once", {"value": 1})
    assert call(server, "DELETE", "/keys/once")[0] == 204
    assert call(server, "DELETE", "/keys/once")[0] == 404


def test_list_keys_sorted(server):
    assert call(server, "GET", "/keys")[:2] == (200, {"keys": []})
    for key in ("pear", "apple", "a.b-c_1", "Zed"):
        call(server, "PUT", f"/keys/{key}", {"value": key})
    assert call(server, "GET", "/keys")[:2] == (200, {"keys": sorted(
        ["pear", "apple", "a.b-c_1", "Zed"])})
    assert call(server, "GET", "/keys/a.b-c_1")[:2] == (200, {"key": "a.b-c_1",
                                                             "value": "a.b-c_1"})


def test_bad_put_bodies_are_400(server):
    for raw in (b"{not json", b"[1, 2]", b'{"val": 3}', b'"value"'):
        status, body, _ = call(server, "PUT", "/keys/bad", raw=raw)
        assert status == 400, raw
        assert isinstance(body, dict) and "error" in body
    assert call(server, "GET", "/keys/bad")[0] == 404
    assert call(server, "GET", "/keys")[:2] == (200, {"keys": []})


def test_unknown_paths_are_404(server):
    for path in ("/", "/nope", "/keys/a/b", "/key/a"):
        status, body, _ = call(server, "GET", path)
        assert status == 404, path
        assert body == {"error": "not found"}


def test_servers_do_not_share_data(mod, server):
    call(server, "PUT", "/keys/mine", {"value": "first server"})
    with running(mod) as other:
        assert other.server_address[1] != server.server_address[1]
        assert call(other, "GET", "/keys")[:2] == (200, {"keys": []})
        assert call(other, "GET", "/keys/mine")[0] == 404
        call(other, "PUT", "/keys/theirs", {"value": 2})
    assert call(server, "GET", "/keys")[:2] == (200, {"keys": ["mine"]})


def test_many_requests_in_parallel(server):
    errors = []

    def worker(i):
        try:
            assert call(server, "PUT", f"/keys/k{i}", {"value": i})[0] == 201
            assert call(server, "GET", f"/keys/k{i}")[1] == {"key": f"k{i}", "value": i}
        except Exception as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    assert not errors
    assert call(server, "GET", "/keys")[1] == {"keys": sorted(f"k{i}" for i in range(20))}
