"""An HTTP service's outline: the handler's plumbing is written, each method's rules quoted."""

from __future__ import annotations

import ast
from pathlib import Path

from macrohard.company.artifacts import FileContract, FunctionContract
from macrohard.company.fill import holes
from macrohard.company.roles.qa import conftest
from macrohard.company.service import Service
from macrohard.company.service_outline import rules, service_outline, without_rules
from macrohard.company.skeleton import skeleton
from macrohard.gates.tests import TestsGate
from macrohard.sandbox import LocalSandbox

from .test_service import TESTS

REQUEST = (
    Path(__file__).parents[2] / "examples" / "requests" / "04-kvstore" / "request.md"
).read_text()
SERVICE = Service("kvstore", "make_server", "'127.0.0.1', 0")


def outline(
    signature: str = "def make_server(host: str, port: int) -> http.server.HTTPServer",
) -> str:
    contract = FileContract(
        path="kvstore.py", functions=[FunctionContract(name="make_server", signature=signature)]
    )
    return service_outline(skeleton(contract, REQUEST), SERVICE, REQUEST)


def test_each_method_gets_its_rows_and_every_method_the_rows_that_name_none() -> None:
    by_method, general = rules(REQUEST)
    assert sorted(by_method) == ["DELETE", "GET", "PUT"]
    assert len(by_method["GET"]) == 2 and len(by_method["PUT"]) == 2
    assert by_method["DELETE"] == [
        '`DELETE /keys/<name>`: `204` with an empty body, or `404` `{"error": "not found"}`'
    ]
    assert len(general) == 1 and general[0].startswith("any other path")
    assert "| `GET /keys` |" not in without_rules(REQUEST)
    assert "Key names are one path segment" in without_rules(REQUEST)


def test_the_model_fills_only_the_methods_and_the_factory_is_written() -> None:
    text = outline()
    assert [h.name for h in holes(text)] == ["do_GET", "do_PUT", "do_DELETE"]
    do_put = next(
        n
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.FunctionDef) and n.name == "do_PUT"
    )
    doc = ast.get_docstring(do_put) or ""
    assert "`201` if the key was new" in doc and "any other path" in doc
    assert 'PUT /keys/color {"value": "blue"} -> 201' in doc  # the request's example exchange
    assert "ThreadingHTTPServer((host, port), Handler)" in text
    # the helper is shown on the request's own path pattern
    assert (
        'self.match("/keys/<name>")` is\n    `{"name": "x"}` when the request\'s path is `/keys/x`'
        in text
    )


def test_a_factory_whose_parameters_say_nothing_is_left_to_the_model() -> None:
    text = outline("def make_server(config: dict) -> http.server.HTTPServer")
    assert "make_server" in [h.name for h in holes(text)]


def test_no_outline_without_http_methods_or_beside_a_handler_of_the_files_own() -> None:
    assert service_outline("def make_server(host, port):\n    ...\n", SERVICE, "A server.") == ""
    own = "class KVHandler(BaseHTTPRequestHandler):\n    pass\n"
    assert service_outline(own, SERVICE, REQUEST) == ""


BODIES = {
    "do_GET": """
        if self.match("/keys"):
            return self.send_json(200, {"keys": sorted(self.server.store)})
        found = self.match("/keys/<name>")
        store = self.server.store
        if found and found["name"] in store:
            return self.send_json(200, {"key": found["name"], "value": store[found["name"]]})
        self.send_json(404, {"error": "not found"})
""",
    "do_PUT": """
        found = self.match("/keys/{name}")
        if found is None:
            return self.send_json(404, {"error": "not found"})
        key = found["name"]
        try:
            body = self.read_json()
        except ValueError:
            return self.send_json(400, {"error": "not JSON"})
        if not isinstance(body, dict) or "value" not in body:
            return self.send_json(400, {"error": "no value"})
        status = 200 if key in self.server.store else 201
        self.server.store[key] = body["value"]
        self.send_json(status, {"key": key, "value": body["value"]})
""",
    "do_DELETE": """
        found = self.match("/keys/:name")
        if found and found["name"] in self.server.store:
            del self.server.store[found["name"]]
            return self.send_json(204)
        self.send_json(404, {"error": "not found"})
""",
}


def test_the_written_plumbing_serves_once_the_methods_are_filled(tmp_path: Path) -> None:
    lines = outline().splitlines()
    for hole in reversed(holes("\n".join(lines))):
        lines[hole.line : hole.line + 1] = BODIES[hole.name].strip("\n").splitlines()
    (tmp_path / "kvstore.py").write_text("\n".join(lines) + "\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(conftest({}, SERVICE))
    (tmp_path / "tests" / "test_kvstore.py").write_text(TESTS)
    result = TestsGate(timeout=60, per_test=10).check(tmp_path, LocalSandbox())
    assert result.passed, result.summary
