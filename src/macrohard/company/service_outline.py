"""The outline of an HTTP service on the standard library: a request handler with one `do_<METHOD>`
per method the request's API uses, each with the request's rows about it, and the server factory.

Given only `make_server(host, port)` to fill, the 1.5B model repeated the request's API table in
its body until the token limit (141 s), then wrote a whole file in which every request made a new,
empty store (04-kvstore: 1 of 10 hidden tests). The plumbing a service needs is written here, as
`cli_parser` writes a program's argparse: a per-server `store`, the path's segments, the body read
as JSON, a JSON reply. The model writes the routing and the rules, method by method, with each
rule at the method it is about.
"""

from __future__ import annotations

import ast
import re

from macrohard.company.mentions import prose
from macrohard.company.service import Service, listens_on
from macrohard.company.skeleton import quote

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_METHOD = re.compile(rf"\b({'|'.join(METHODS)})\b")
_EXAMPLE = re.compile(rf"^\s*({'|'.join(METHODS)})\s+/")
DOC_LIMIT = 900
IMPORTS = ("import http.server", "import json", "import re", "import urllib.parse")
EXAMPLES_PER_METHOD = 3

HANDLER = '''class Params(dict):
    """A path's placeholders by name: a match even when there are none (`bool()` is true)."""

    def __bool__(self) -> bool:
        return True


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers one HTTP request. `self.server.store` is this server's own dict (each server
    made by `FACTORY` starts with an empty one); `self.match("PATTERN")` is
    `{"NAME": "x"}` when the request's path is `PATH`, and None when the path has
    another shape (`SHORTER`, `PATH/y`); `self.read_json()` is the request body parsed as JSON
    (it raises ValueError when the body is not JSON); `self.send_json(status, body)` sends the
    reply (`body` None: an empty one).
    """

    def log_message(self, format: str, *args: object) -> None:
        pass  # no log line per request

    def match(self, pattern: str) -> Params | None:
        parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
        wanted = [p for p in pattern.split("/") if p]
        if len(parts) != len(wanted):
            return None
        found = Params()
        for part, want in zip(parts, wanted):
            name = re.fullmatch(r"<(\\w+)>|\\{(\\w+)\\}|:(\\w+)", want)
            if name:
                found[next(g for g in name.groups() if g)] = urllib.parse.unquote(part)
            elif part != want:
                return None
        return found

    def read_json(self) -> object:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length).decode("utf-8"))

    def send_json(self, status: int, body: object = None) -> None:
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
'''


_RULE = re.compile(r"[|:\-\s]+")  # a table's header rule, `|---|---|`


def _row(text: str) -> str:
    """A table row as one line of text (`| a | b |` -> `a: b`)."""
    return ": ".join(c.strip() for c in text.strip().strip("|").split("|") if c.strip())


def rules(request: str) -> tuple[dict[str, list[str]], list[str]]:
    """The request's rules per HTTP method (table rows and bullets that name it), and the rows
    of its API table that name none ("any other path ... -> 404"), which hold for every method."""
    lines = request.splitlines()
    by_method: dict[str, list[str]] = {}
    general: list[str] = []
    in_api = False  # inside a table that has named a method
    for _, line in prose(lines):
        text = line.strip()
        table = text.startswith("|")
        if table and _RULE.fullmatch(text):
            continue
        if not table:
            in_api = False
        row = _row(text) if table else text.lstrip("-*+ ")
        named = list(dict.fromkeys(_METHOD.findall(row)))
        for method in named:
            by_method.setdefault(method, []).append(row)
        if named:
            in_api = in_api or table
        elif table and in_api:
            general.append(row)
    return by_method, general


def examples(request: str) -> dict[str, list[str]]:
    """The example exchanges in the request's code blocks (`PUT /keys/a {"value": 1} -> 201`)."""
    lines = request.splitlines()
    outside = {number for number, _ in prose(lines)}
    found: dict[str, list[str]] = {}
    for number, line in enumerate(lines):
        match = _EXAMPLE.match(line) if number not in outside else None
        if match:
            found.setdefault(match.group(1), []).append(" ".join(line.split()))
    return found


def without_rules(request: str) -> str:
    """The request without its API's rows, for the parts of an outline that do not serve them."""
    by_method, general = rules(request)
    rows = {r for rs in by_method.values() for r in rs} | set(general)
    kept = []
    for line in request.splitlines():
        text = line.strip()
        if text.startswith("|") and (_RULE.fullmatch(text) or _row(text) in rows):
            continue
        kept.append(line)
    return "\n".join(kept)


_PATTERN = re.compile(r"/[^\s`]*?(?:<(\w+)>|\{(\w+)\})")


def _handler(service: Service, rows: list[str]) -> str:
    """The handler's plumbing, its `match` shown on the first path pattern the rules use."""
    found = next((m for row in rows if (m := _PATTERN.search(row))), None)
    pattern, name = (
        (found.group(0), found.group(1) or found.group(2)) if found else ("/items/<id>", "id")
    )
    path = pattern[: pattern.rindex("/")] + "/x"
    shorter = pattern[: pattern.rindex("/")] or "/"
    return (
        HANDLER.replace("FACTORY", service.factory)
        .replace("PATTERN", pattern)
        .replace("NAME", name)
        .replace("SHORTER", shorter)
        .replace("PATH", path)
    )


def _factory_body(node: ast.FunctionDef) -> str | None:
    """`make_server`'s body where its parameters say where to listen; None otherwise."""
    named: dict[str, str] = {}
    for arg in [*node.args.posonlyargs, *node.args.args]:
        part = listens_on(arg.arg)
        if part:
            named.setdefault(part, arg.arg)
    both = "host" in named and "port" in named
    where = f"({named['host']}, {named['port']})" if both else named.get("address")
    if where is None:
        return None
    return (
        f"    server = http.server.ThreadingHTTPServer({where}, Handler)\n"
        "    server.store = {}  # this server's own data\n"
        "    return server"
    )


def service_outline(library: str, service: Service, request: str) -> str:
    """The handler and `library` (the file's own outline) with its server factory written; ''
    when the request names no HTTP method or the file already outlines a handler of its own."""
    by_method, general = rules(request)
    if not by_method or re.search(r"^class \w*Handler\b", library, re.M):
        return ""
    tree = ast.parse(library or "pass")
    lines = library.splitlines()
    factory = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == service.factory),
        None,
    )
    if factory is not None:
        last = factory.body[-1]
        body = _factory_body(factory)
        value = last.value if isinstance(last, ast.Expr) else None
        if body and isinstance(value, ast.Constant) and value.value is Ellipsis:
            lines[last.lineno - 1 : last.end_lineno] = body.splitlines()
    seen = examples(request)
    handler = [_handler(service, [r for rows in by_method.values() for r in rows])]
    for method in METHODS:
        if method not in by_method:
            continue
        shown = seen.get(method, [])[:EXAMPLES_PER_METHOD]
        about = [*by_method[method], *general]
        if shown:
            about.append("Examples:\n" + "\n".join(shown))
        doc = quote(about, "        ", DOC_LIMIT)
        handler.append(f"    def do_{method}(self) -> None:\n{doc}        ...\n")
    outline = "\n".join([*IMPORTS, "", "", "\n".join(handler), "", *lines])
    outline = outline.rstrip() + "\n"
    try:
        ast.parse(outline)
    except SyntaxError:
        return ""
    return outline
