"""HTTP services in a spec: the factory that makes one, and the test fixtures that serve it.

A small model writing tests for a service makes a server and calls `shutdown()` on it without
ever serving it, which blocks forever (every QA test of 04-kvstore did). QA's conftest.py gives
each test a server already serving in a thread and an `api(method, path, body)` helper instead,
so a test is a few requests and asserts.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from macrohard.company.artifacts import FileContract
from macrohard.company.mentions import failed_lines
from macrohard.company.splice import functions, span, without

FIXTURES = ("server", "api")
_FACTORY_PREFIXES = ("make_", "create_", "build_", "new_")


@dataclass(frozen=True)
class Service:
    module: str  # `kvstore`
    factory: str  # `make_server`
    arguments: str  # `'127.0.0.1', 0`

    @property
    def call(self) -> str:
        return f"{self.factory}({self.arguments})"


LOCAL = {"port": "0", "host": "'127.0.0.1'", "address": "('127.0.0.1', 0)"}


def listens_on(parameter: str) -> str | None:
    """What a server factory's parameter says about where it listens, by its name: `port`,
    `host` or `address` (`server_address`, `addr`); None for anything else."""
    name = parameter.lower()
    return next((part for part in ("port", "host") if part in name), None) or (
        "address" if "addr" in name else None
    )


def _arguments(args: ast.arguments) -> str | None:
    """The arguments that make a server on a free local port, or None where a parameter is
    neither a host, a port nor an address (nothing safe to pass it)."""
    positional = [*args.posonlyargs, *args.args]
    required = len(positional) - len(args.defaults)
    parts: list[str] = []
    for i, arg in enumerate(positional):
        part = listens_on(arg.arg)
        value = LOCAL[part] if part else None
        if i < required:
            if value is None:
                return None
            parts.append(value)
        elif value is not None:
            parts.append(f"{arg.arg}={value}")
    optional = {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
    if any(a.arg not in optional for a in args.kwonlyargs):
        return None
    return ", ".join(parts)


def find_service(contract: FileContract, module: str) -> Service | None:
    """The contract's server factory: a function that returns a `...Server` (its annotation),
    or is named like `make_server` where the annotation is missing."""
    for function in contract.functions:
        try:
            tree = ast.parse(f"{function.signature.strip()}:\n    pass\n")
        except SyntaxError:
            continue
        node = tree.body[0] if tree.body else None
        if not isinstance(node, ast.FunctionDef):
            continue
        if node.args.args and node.args.args[0].arg in ("self", "cls"):  # a method
            continue
        returns = ast.unparse(node.returns) if node.returns else ""
        named = node.name.endswith("_server") and node.name.startswith(_FACTORY_PREFIXES)
        if "Server" not in returns and not (named and not returns):
            continue
        arguments = _arguments(node.args)
        if arguments is not None:
            return Service(module, node.name, arguments)
    return None


API_NOTE = (
    "(`api` is a fixture: `api(METHOD, PATH, BODY)` sends one request to a fresh server of the "
    "code's, already serving, and returns the status code and the decoded JSON reply.)"
)


def how_to_test(service: Service, path: str) -> str:
    return (
        f"`{path}` is an HTTP service. Do not make, serve or stop servers in the tests: "
        "tests/conftest.py already gives each test a fixture `api` that talks to a fresh, empty "
        f"server (`{service.call}`, serving in a thread). `status, data = api(METHOD, PATH, "
        "BODY)` sends one request (a dict or list BODY goes as JSON, a str as it is, leave it "
        "out for none) and returns the status code and the decoded JSON reply (None for an "
        "empty reply). Write each test as `def test_...(api):` with exact expected statuses "
        "and data."
    )


def drop_own_fixtures(code: str) -> str:
    """A test file's own `server` or `api` function would hide conftest's fixtures."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    own = [
        n
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in FIXTURES
    ]
    if not own:
        return code
    return "\n".join(without(code, [span(n) for n in own])).rstrip() + "\n"


FIXTURE_CODE = '''

@pytest.fixture
def server():
    """`CALL`, serving in a thread for the length of one test."""
    from MODULE import FACTORY

    srv = CALL
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture
def api(server):
    """api(method, path, body=None) -> (status, data): one request to this test's server."""
    host, port = server.server_address[:2]

    def call(method, path, body=None, headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        connection = http.client.HTTPConnection(host, port, timeout=5)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        if not raw:
            return response.status, None
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw.decode(errors="replace")

    return call
'''


def fixtures(service: Service) -> tuple[list[str], str]:
    """The imports and the fixture definitions conftest.py needs to serve `service`."""
    code = (
        FIXTURE_CODE.replace("CALL", service.call)
        .replace("MODULE", service.module)
        .replace("FACTORY", service.factory)
    )
    return ["import http.client", "import json", "import threading"], code


_API_CALL = re.compile(r"""\bapi\(\s*["'](GET|POST|PUT|PATCH|DELETE)["']""")


def methods_called(test_source: str, message: str) -> list[str]:
    """The HTTP methods a failing test sent through `api(...)` up to the line that failed (the
    pytest `>` line), the latest first: the handler method a repair should look at."""
    failed = next(iter(failed_lines(message)), "")
    lines = test_source.splitlines()
    upto = next(
        (i for i, ln in enumerate(lines) if failed and ln.strip() == failed), len(lines) - 1
    )
    calls = [m.group(1) for ln in lines[: upto + 1] for m in _API_CALL.finditer(ln)]
    return list(dict.fromkeys(reversed(calls)))


def uses_api(test_source: str) -> bool:
    """Whether a test takes the `api` fixture."""
    return bool(re.search(r"def \w+\([^)]*\bapi\b", test_source))


def blamed_handlers(code: str, failed: list[tuple[str, str]]) -> list[str]:
    """The handler methods (`Handler.do_PUT`) of `code` that failing `api` tests point at, from
    (test source, failure message) pairs: no traceback reaches the code from a request, so the
    method of the request each test sent last before its failing line is blamed."""
    try:
        defined = [q for q, _ in functions(ast.parse(code))]
    except SyntaxError:
        return []
    blamed: list[str] = []
    for source, message in failed:
        for method in methods_called(source, message)[:1]:
            blamed += [q for q in defined if q.endswith(f".do_{method}")]
    return list(dict.fromkeys(blamed))[:2]
