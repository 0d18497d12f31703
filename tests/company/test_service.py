"""A spec's HTTP service: QA's tests get a server that serves, and an `api` helper to call it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from macrohard.company.artifacts import FileContract, FunctionContract
from macrohard.company.roles.qa import conftest, how_to_test
from macrohard.company.service import (
    Service,
    blamed_handlers,
    drop_own_fixtures,
    find_service,
    methods_called,
    uses_api,
)
from macrohard.gates.tests import TestsGate
from macrohard.sandbox import LocalSandbox

REFERENCE = Path(__file__).parents[2] / "examples" / "requests" / "04-kvstore" / "reference"


def contract(*sigs: str, cli: str = "") -> FileContract:
    functions = [FunctionContract(name=s.split("(")[0].split()[-1], signature=s) for s in sigs]
    return FileContract(path="kvstore.py", functions=functions, cli_usage=cli)


def test_a_server_factory_is_found_with_arguments_for_a_free_local_port() -> None:
    found = find_service(
        contract(
            "def get(self, key: str) -> object",
            "def make_server(host: str, port: int) -> http.server.HTTPServer",
        ),
        "kvstore",
    )
    assert found == Service("kvstore", "make_server", "'127.0.0.1', 0")
    assert found.call == "make_server('127.0.0.1', 0)"


@pytest.mark.parametrize(
    ("signature", "arguments"),
    [
        ("def create_server(port: int = 8000)", "port=0"),
        ("def build(address: tuple[str, int]) -> socketserver.TCPServer", "('127.0.0.1', 0)"),
        ("def make(host, port=8080, *, verbose=False) -> HTTPServer", "'127.0.0.1', port=0"),
    ],
)
def test_arguments_follow_the_parameters(signature: str, arguments: str) -> None:
    found = find_service(contract(signature), "kvstore")
    assert found is not None and found.arguments == arguments


@pytest.mark.parametrize(
    "signature",
    [
        "def serve(root: str) -> HTTPServer",  # a parameter nothing safe can be passed to
        "def make_server(self, host: str, port: int) -> HTTPServer",  # a method
        "def parse(line: str) -> dict",  # not a server
        "def make_server(host, port, *, handler) -> HTTPServer",  # a required keyword
    ],
)
def test_no_service_where_none_can_be_made(signature: str) -> None:
    assert find_service(contract(signature), "kvstore") is None


def test_a_service_is_tested_through_the_api_fixture_even_when_it_has_a_cli() -> None:
    spec_file = contract("def make_server(host: str, port: int) -> HTTPServer", cli="python x.py")
    service = find_service(spec_file, "kvstore")
    text = how_to_test(spec_file, service)
    assert "`api`" in text and "make_server('127.0.0.1', 0)" in text
    assert "subprocess" in how_to_test(spec_file)  # without the service: run as a program


def test_a_tests_own_server_and_api_functions_are_dropped() -> None:
    code = (
        "import pytest\n\n\n@pytest.fixture\ndef server():\n    return make_server('', 0)\n\n\n"
        "def api(server):\n    pass\n\n\ndef test_get(api):\n    assert api('GET', '/')[0] == 404\n"
    )
    kept = drop_own_fixtures(code)
    assert "def server" not in kept and "def api" not in kept and "def test_get(api)" in kept


TESTS = """
def test_put_then_get(api):
    assert api("PUT", "/keys/color", {"value": "blue"}) == (201, {"key": "color", "value": "blue"})
    assert api("GET", "/keys/color") == (200, {"key": "color", "value": "blue"})


def test_each_test_gets_a_fresh_store(api):
    assert api("GET", "/keys") == (200, {"keys": []})


def test_delete_has_an_empty_reply_and_bad_json_a_400(api):
    api("PUT", "/keys/a", {"value": None})
    assert api("DELETE", "/keys/a") == (204, None)
    status, data = api("PUT", "/keys/a", "{not json")
    assert status == 400 and "error" in data
"""


def test_the_fixtures_serve_the_reference_service_in_the_sandbox(tmp_path: Path) -> None:
    shutil.copy(REFERENCE / "kvstore.py", tmp_path / "kvstore.py")
    (tmp_path / "tests").mkdir()
    service = Service("kvstore", "make_server", "'127.0.0.1', 0")
    (tmp_path / "tests" / "conftest.py").write_text(conftest({}, service))
    (tmp_path / "tests" / "test_kvstore.py").write_text(TESTS)
    result = TestsGate(timeout=60, per_test=10).check(tmp_path, LocalSandbox())
    assert result.passed, result.summary
    assert result.details["passed"] == 3
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "E,F,I", str(tmp_path / "tests")],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout


def test_a_failing_api_test_blames_the_method_it_sent_last_before_the_failing_line() -> None:
    source = (
        "def test_delete(api):\n"
        "    api('PUT', '/keys/a', {'value': 1})\n"
        "    status, data = api('DELETE', '/keys/a')\n"
        "    assert status == 204\n"
        "    assert api('GET', '/keys/a')[0] == 404\n"
    )
    message = ">       assert status == 204\nE       assert 200 == 204"
    assert methods_called(source, message) == ["DELETE", "PUT"]
    last = ">       assert api('GET', '/keys/a')[0] == 404\nE   assert 200 == 404"
    assert methods_called(source, last)[0] == "GET"


def test_failing_api_tests_blame_the_handler_methods_they_sent() -> None:
    code = (
        "class Handler:\n    def do_GET(self):\n        pass\n\n    def do_PUT(self):\n        pass"
    )
    put = "def test_put(api):\n    status, _ = api('PUT', '/a', {})\n    assert status == 201\n"
    get = "def test_get(api):\n    assert api('GET', '/a')[0] == 200\n"
    failed = [
        (put, ">       assert status == 201"),
        (get, ">       assert api('GET', '/a')[0] == 200"),
    ]
    assert blamed_handlers(code, failed) == ["Handler.do_PUT", "Handler.do_GET"]
    assert blamed_handlers(code, [("def test_x(api):\n    api('DELETE', '/a')\n", "")]) == []
    assert uses_api(put) and not uses_api("def test_x(tmp_path):\n    pass\n")
