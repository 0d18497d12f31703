"""Whole-function repair: find the function a failure points at, swap in a new version of it.

Rewriting a 200-line file to fix one method costs a small model minutes of generation (and it
often breaks something else on the way). A failure usually says where it is: the innermost
traceback frame in the project's file, or the function a failing example calls. The repair then
asks for that one function and splices it into the file, keeping everything else byte for byte.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Collection

_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\w+)')
_PYTEST_AT = re.compile(r"^(\S+\.py):(\d+): ", re.M)  # pytest's "calc.py:12: ZeroDivisionError"
_CALL = re.compile(r"\.?\b([A-Za-z_]\w*)\s*\(")
_RAN = re.compile(r"functions run: ([^\n]+)")  # the client-examples harness's call trace
TRACED_LIMIT = 6
# what a missing method looks like from outside: the default repr, or an attribute error
_DEFAULT_REPR = re.compile(r"([\"']?)<(?:[\w.]+\.)?([A-Za-z_]\w*) object at 0x[0-9a-fA-F]+>")
_NO_ATTRIBUTE = re.compile(r"'([A-Za-z_]\w*)' object has no attribute '([A-Za-z_]\w*)'")

Def = ast.FunctionDef | ast.AsyncFunctionDef


def functions(tree: ast.Module) -> list[tuple[str, Def]]:
    """(qualified name, node) of the module's functions and its classes' methods."""
    found: list[tuple[str, Def]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            found += [
                (f"{node.name}.{item.name}", item)
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
    return found


def span(node: Def | ast.ClassDef) -> tuple[int, int]:
    """A definition's 1-based first and last line, decorators included."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first, node.end_lineno or node.lineno


def without(code: str, spans: list[tuple[int, int]]) -> list[str]:
    """The lines of `code` outside every (first, last) span."""
    return [
        line
        for number, line in enumerate(code.splitlines(), 1)
        if not any(a <= number <= b for a, b in spans)
    ]


def fault_functions(
    code: str,
    path: str,
    messages: list[str],
    limit: int = 2,
    given: Collection[str] = (),
) -> list[str]:
    """Qualified names of the functions of `code` (the file at `path`) the failure messages
    blame: the innermost traceback frame in this file first, else the functions of this file a
    failing client example ran (traced; up to TRACED_LIMIT), else the functions the failing
    example or test calls (methods matched by their own name). The `given` functions (written
    by the outline, not the model) come only when nothing else is blamed: 03-todo's trace ran
    `main`, `build_parser` and `open_db` beside the one subcommand at fault."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    defined = functions(tree)
    blamed: list[str] = []
    named: list[str] = []
    framed: list[str] = []  # innermost frames: a sure diagnosis, first
    traced = False
    for message in messages:
        frames = _frames(message, path)
        if frames:
            line = frames[-1]
            inside = [(q, n) for q, n in defined if span(n)[0] <= line <= span(n)[1]]
            if inside:
                framed.append(inside[-1][0])
                continue
        ran = _ran(message, path, dict(defined))
        if ran:
            named += [q for q in ran if _named(q, message)]
            blamed += ran
            traced = True
            continue
        called = _CALL.findall(_example(message))
        for name in called:
            match = [q for q, _ in defined if q == name or q.endswith("." + name)]
            if match and not name.startswith("test"):
                blamed.append(match[0])
                break
    # what a failing example calls by name comes before what it ran on the way (01-money's
    # `allocate([1, 2])` example ran `__init__`, `__add__`, `__eq__` ... first, and three
    # repairs began at `__init__`, the one at fault never asked for)
    ordered = list(dict.fromkeys(framed + named + blamed))
    ordered = [q for q in ordered if q not in given] or ordered
    return ordered[: max(limit, TRACED_LIMIT) if traced else limit]


def _frames(message: str, path: str) -> list[int]:
    """The lines of `path` a Python traceback in `message` passed through, outermost first."""
    return [int(line) for file, line, _ in _FRAME.findall(message) if _is(file, path)]


def _is(file: str, path: str) -> bool:
    """Whether a traceback's `file` is the project's file at `path`."""
    return file.replace("\\", "/").endswith("/" + path) or file == path


def crash_line(code: str, path: str, qualname: str, messages: list[str]) -> int | None:
    """The line of `qualname`'s body (1-based in `code`, the file at `path`) where a failure
    crashed: the innermost frame in this file of a Python traceback, or the line pytest reports
    an in-process error at. None where no failure stopped inside the body."""
    try:
        node = dict(functions(ast.parse(code))).get(qualname)
    except SyntaxError:
        return None
    if node is None:
        return None
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    if not body:
        return None
    first, last = body[0].lineno, node.end_lineno or node.lineno
    for message in messages:
        at = _frames(message, path) or [
            int(line) for file, line in _PYTEST_AT.findall(message) if _is(file, path)
        ]
        if at and first <= at[-1] <= last:
            return _decided(node, at[-1])
    return None


def _decided(node: Def, line: int) -> int:
    """Where the crash at `line` was decided: a `raise` that an `if` guards alone was the code's
    own choice, so the `if` line (01-money's `if sum(ratios) != 1: raise ValueError(...)` made up
    a rule the request never gave); any other statement is its own line."""
    for parent in ast.walk(node):
        if (
            isinstance(parent, ast.If)
            and len(parent.body) == 1
            and isinstance(parent.body[0], ast.Raise)
            and parent.body[0].lineno == line
            and parent.lineno < line
        ):
            return parent.lineno
    return line


def parses(code: str) -> bool:
    """Whether `code` is a valid module: compiled, not only parsed (a `return` outside a
    function passes `ast.parse`)."""
    try:
        compile(code, "<code>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def written(outline: str) -> set[str]:
    """The functions an outline gives with their bodies (a parser, `main`, a storage helper):
    everything but a docstring and `...`."""
    try:
        tree = ast.parse(outline)
    except SyntaxError:
        return set()
    found = set()
    for qualname, node in functions(tree):
        body = node.body[1:] if ast.get_docstring(node) is not None else node.body
        only = body[0] if len(body) == 1 else None
        value = only.value if isinstance(only, ast.Expr) else None
        if not (isinstance(value, ast.Constant) and value.value is ...):
            found.add(qualname)
    return found


def missing_methods(code: str, messages: list[str]) -> list[str]:
    """Methods the failures need that the file's classes lack ("Class.name"): `__str__` where a
    check got the string '<mod.Class object at 0x...>', `__repr__` where a session printed the
    object that way, and the `name` of "'Class' object
    has no attribute 'name'" where the check calls it. A repair of the functions a failure ran
    cannot add them (a build of 01-money kept `str(m)` at the default repr through 17 rounds)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    defined = {q for q, _ in functions(tree)}
    missing: list[str] = []
    for message in messages:
        got = message.partition("\nGot:\n")[2]  # a doctest's output: an object's repr shows
        for quote, name in _DEFAULT_REPR.findall(message):
            if name not in classes or {f"{name}.__str__", f"{name}.__repr__"} & defined:
                continue
            if quote:  # a string made of the object: str(m), f"{m}", print(m)
                missing.append(f"{name}.__str__")
            elif f" {name} object at 0x" in got or f".{name} object at 0x" in got:
                missing.append(f"{name}.__repr__")
            # bare in a pytest assertion: two objects compared, their repr is not the fault
        for name, attr in _NO_ATTRIBUTE.findall(message):
            called = re.search(rf"\.{attr}\s*\(", message)
            if name in classes and f"{name}.{attr}" not in defined and called:
                missing.append(f"{name}.{attr}")
    return list(dict.fromkeys(missing))


def _ran(message: str, path: str, defined: dict[str, Def]) -> list[str]:
    """The functions of `path` (among `defined`) a traced failing example ran, in call order,
    accessors last: 12's trace ran five properties and `to_tuple` before `_nat_cmp`, the one
    at fault, and the list was cut before it."""
    entries = [e.strip() for line in _RAN.findall(message) for e in line.split(",")]
    ran = [e.partition(":")[2] for e in entries if e.partition(":")[0] == path]
    ran = [q for q in ran if q in defined]
    return sorted(ran, key=lambda q: accessor(defined[q]))


def _named(qualname: str, message: str) -> bool:
    """Whether the failing client example (a doctest) in `message` calls `qualname` by name."""
    name = qualname.rpartition(".")[2]
    if "Failed example:" not in message or name.startswith("__"):
        return False  # elsewhere every function a walk shows reads as a call
    return name in _CALL.findall(_example(message))


_PLAIN = ast.Name | ast.Attribute | ast.Constant | ast.Tuple | ast.List | ast.expr_context


def accessor(node: Def) -> bool:
    """Whether a function only hands back what it holds: a docstring at most, then
    `return self._major`, `return (self.major, self.minor)`, a constant, or `pass`."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        return True
    if len(body) != 1:
        return False
    only = body[0]
    if isinstance(only, ast.Pass):
        return True
    if not isinstance(only, ast.Return):
        return False
    return only.value is None or all(isinstance(n, _PLAIN) for n in ast.walk(only.value))


def _example(message: str) -> str:
    """Where to look for calls: a failing doctest's own source (its harness calls `run` and
    friends too), else the whole message (pytest quotes the failing assertion)."""
    head, found, rest = message.partition("Failed example:")
    if not found:
        return head
    return re.split(r"Expected:|Exception raised:", rest, maxsplit=1)[0]


def function_source(code: str, qualname: str) -> str:
    """The source of `qualname` (decorators included, as indented in the file); '' if absent."""
    tree = ast.parse(code)
    lines = code.splitlines()
    for name, node in functions(tree):
        if name == qualname:
            first, last = span(node)
            return "\n".join(lines[first - 1 : last])
    return ""


def hollow(code: str, qualnames: list[str]) -> str:
    """`code` with the bodies of `qualnames` replaced by `...`: the rest of the file as context
    for writing them again, without the wrong version a small model would copy back."""
    lines = code.splitlines()
    bodies = sorted(
        (node.body[0].lineno, node.end_lineno or node.lineno, node.body[0].col_offset)
        for name, node in functions(ast.parse(code))
        if name in qualnames
    )
    for first, last, indent in reversed(bodies):
        lines[first - 1 : last] = [" " * indent + "..."]
    return "\n".join(lines) + ("\n" if code.endswith("\n") else "")


def _given(reply: str, name: str) -> tuple[str, Def] | None:
    """The (dedented) reply and its function `name` (bare or inside a class), if it parses."""
    reply = textwrap.dedent(reply)  # a method given at its class's indentation
    try:
        tree = ast.parse(reply)
    except SyntaxError:
        return None
    given = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    found = next((n for n in given if n.name == name), None)
    return (reply, found) if found is not None else None


def defines(reply: str, name: str) -> bool:
    """Whether the reply (code) holds a function `name`, bare or inside a class."""
    return _given(reply, name) is not None


def _at(reply: str, node: Def, indent: int) -> str:
    """The source of `node` in `reply`, re-indented to `indent` columns."""
    first, last = span(node)
    body = textwrap.dedent("\n".join(reply.splitlines()[first - 1 : last]))
    return textwrap.indent(body, " " * indent, lambda line: bool(line.strip()))


def _parsed(code: str, lines: list[str]) -> str | None:
    """`lines` as a file ending like `code`, or None if it does not parse."""
    result = "\n".join(lines) + ("\n" if code.endswith("\n") else "")
    try:
        ast.parse(result)
    except SyntaxError:
        return None
    return result


def splice(code: str, qualname: str, reply: str) -> str | None:
    """`code` with `qualname` replaced by the function of that name in `reply` (a bare function,
    or the function inside its class); None when the reply has no such function or the result
    would not parse."""
    given = _given(reply, qualname.rsplit(".", 1)[-1])
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    target = next((n for q, n in functions(tree) if q == qualname), None)
    if target is None or given is None:
        return None
    reply, replacement = given
    lines = code.splitlines()
    start, end = span(target)
    if not replacement.decorator_list:  # a reply that leaves out `@property` keeps it
        start = target.lineno
    body = _at(reply, replacement, target.col_offset)
    return _parsed(code, [*lines[: start - 1], body, *lines[end:]])


def insert(code: str, qualname: str, reply: str) -> str | None:
    """`code` with the method `qualname` ("Class.name") from `reply` added at the end of its
    class; None when the class is missing, already has it, the reply lacks it, or the result
    would not parse."""
    owner, _, bare = qualname.rpartition(".")
    given = _given(reply, bare)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner), None)
    if cls is None or given is None or qualname in {q for q, _ in functions(tree)}:
        return None
    reply, method = given
    lines = code.splitlines()
    end = span(cls)[1]
    body = _at(reply, method, cls.body[0].col_offset)
    return _parsed(code, [*lines[:end], "", body, *lines[end:]])


def stubbed(code: str, marker: str) -> list[str]:
    """Qualified names of the functions of `code` whose whole body is the statement `marker`
    (after any docstring): members a fill left unwritten."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for name, node in functions(tree):
        body = node.body[1:] if ast.get_docstring(node) is not None else node.body
        if len(body) == 1 and ast.unparse(body[0]) == marker:
            found.append(name)
    return found


def restored(code: str, source: str, marker: str) -> str:
    """`code` with each function it left as `marker` taken from `source` where `source` has it
    (a fresh candidate whose fill broke off keeps the best version's members there)."""
    for qualname in stubbed(code, marker):
        original = function_source(source, qualname) if source else ""
        if original:
            code = splice(code, qualname, original) or code
    return code


def def_head(source: str, doc: bool = True) -> str:
    """A function's source up to its body: decorators, signature and (unless not `doc`) its
    docstring, as indented."""
    try:
        node = ast.parse(textwrap.dedent(source)).body[0]
    except (SyntaxError, IndexError):
        return ""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return ""
    first = node.body[0]
    end = (
        (first.end_lineno or first.lineno)
        if ast.get_docstring(node) is not None and doc
        else first.lineno - 1
    )
    if end < node.lineno:  # `def f(): return 1` on one line
        return ""
    return "\n".join(source.splitlines()[:end]) + "\n"


def next_def(head: str) -> list[str]:
    """Where a reply that began with the def `head` has gone past that def: the next def (or
    decorator) at its indent, or any top-level statement after a module-level function."""
    indent = head[: len(head) - len(head.lstrip())]
    stops = [f"\n{indent}def ", f"\n{indent}async def ", f"\n{indent}@"]
    return stops + ([] if indent else ["\nclass ", "\nif __name__"])
