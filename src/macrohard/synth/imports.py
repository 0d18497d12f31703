"""Add the standard-library imports a small model forgot (`sys.executable` with no `import sys`).

Deterministic and conservative: only names that are used, never bound anywhere in the file, not
builtins, and in a fixed table of standard-library modules and well-known names get an import.
An import inside a function binds its name in that function only: another function that uses
the module without importing it gets the import at the top of the file.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Mapping

MODULES = frozenset(
    [
        "argparse",
        "ast",
        "bisect",
        "copy",
        "fractions",
        "glob",
        "inspect",
        "queue",
        "collections",
        "contextlib",
        "csv",
        "dataclasses",
        "decimal",
        "enum",
        "functools",
        "hashlib",
        "heapq",
        "http",
        "io",
        "itertools",
        "json",
        "logging",
        "math",
        "operator",
        "os",
        "pathlib",
        "random",
        "re",
        "shlex",
        "shutil",
        "socket",
        "sqlite3",
        "statistics",
        "string",
        "subprocess",
        "sys",
        "tempfile",
        "textwrap",
        "threading",
        "time",
        "typing",
        "unittest",
        "urllib",
        "uuid",
        "pytest",
    ]
)
NAMES = {
    "Path": "pathlib",
    "Decimal": "decimal",
    "ROUND_HALF_UP": "decimal",
    "ROUND_DOWN": "decimal",
    "InvalidOperation": "decimal",
    "dataclass": "dataclasses",
    "field": "dataclasses",
    "defaultdict": "collections",
    "Counter": "collections",
    "OrderedDict": "collections",
    "deque": "collections",
    "namedtuple": "collections",
    "Any": "typing",
    "Optional": "typing",
    "Iterable": "typing",
    "Iterator": "typing",
    "StringIO": "io",
}


def missing_imports(
    code: str, local: Iterable[str] = (), names: Mapping[str, str] | None = None
) -> list[str]:
    """Import lines for the names `code` uses but never defines (empty if it does not parse);
    `local` are the project's own top-level modules (a test's `logparse.parse(...)`), `names`
    the project's own classes and functions by module (a test's `CurrencyMismatchError`)."""
    modules = MODULES | set(local)
    known = {**NAMES, **(names or {})}
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    bound: set[str] = set(dir(builtins))
    used: list[str] = []
    for node, scope in _scoped(tree, ()):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                if not any(node.id in imported for imported in scope):
                    used.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom) and not scope:
            bound.update(_imported(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    lines = []
    for name in dict.fromkeys(used):
        if name in bound:
            continue
        if name in modules:
            lines.append(f"import {name}")
        elif name in known:
            lines.append(f"from {known[name]} import {name}")
    return lines


def head_end(tree: ast.Module, every_import: bool = False) -> int:
    """The line after the module's docstring and its `__future__` imports (or, with
    `every_import`, all the imports that follow it): where more imports go."""
    at = 0
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        imports = isinstance(node, ast.Import | ast.ImportFrom) and (
            every_import or (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        )
        if not (docstring or imports):
            break
        at = node.end_lineno or at
    return at


def _imported(node: ast.Import | ast.ImportFrom) -> set[str]:
    return {(a.asname or a.name).split(".")[0] for a in node.names}


def _scoped(
    node: ast.AST, scope: tuple[set[str], ...]
) -> Iterable[tuple[ast.AST, tuple[set[str], ...]]]:
    """Every node under `node` with the names imported by each function around it: an
    `import sqlite3` inside `cmd_add` binds it there, not in `cmd_list` beside it (the 1.5B
    model imports where it first needs a module, and the next function goes without)."""
    for child in ast.iter_child_nodes(node):
        yield child, scope
        inner = scope
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            imports = [n for n in ast.walk(child) if isinstance(n, ast.Import | ast.ImportFrom)]
            inner = (*scope, set().union(*(_imported(n) for n in imports)))
        yield from _scoped(child, inner)


def needs_postponed_annotations(code: str) -> bool:
    """Whether an annotation names a class before it exists (`-> list[Money]` inside `Money`):
    a NameError at import time unless annotations are postponed."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    if any(
        isinstance(n, ast.ImportFrom)
        and n.module == "__future__"
        and any(a.name == "annotations" for a in n.names)
        for n in tree.body
    ):
        return False
    classes = {n.name: n.end_lineno or n.lineno for n in tree.body if isinstance(n, ast.ClassDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            notes = [a.annotation for a in every if a is not None and a.annotation is not None]
            notes += [node.returns] if node.returns is not None else []
        elif isinstance(node, ast.AnnAssign):
            notes = [node.annotation]
        else:
            continue
        for note in notes:
            for name in ast.walk(note):
                if isinstance(name, ast.Name) and classes.get(name.id, 0) >= note.lineno:
                    return True
    return False


def add_missing_imports(
    code: str, local: Iterable[str] = (), names: Mapping[str, str] | None = None
) -> str:
    """`code` with the forgotten imports added after its docstring and `__future__` imports
    (and `from __future__ import annotations` first when an annotation names a class early)."""
    lines = missing_imports(code, local, names)
    postpone = needs_postponed_annotations(code)
    if not lines and not postpone:
        return code
    tree = ast.parse(code)
    at = head_end(tree)
    source = code.splitlines()
    if postpone:  # a __future__ import must come first (after the docstring)
        first = tree.body[0] if tree.body else None
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        head = (first.end_lineno or 0) if first is not None and docstring else 0
        source.insert(head, "from __future__ import annotations")
        at += 1
    return "\n".join([*source[:at], *lines, *source[at:]]) + ("\n" if code.endswith("\n") else "")


def _binds(node: ast.Import | ast.ImportFrom) -> set[tuple[str | int | None, ...]]:
    """What an import statement binds, exactly: the same module under the same name."""
    if isinstance(node, ast.Import):
        return {(a.name, a.asname) for a in node.names}
    return {(node.module, node.level, a.name, a.asname) for a in node.names}


def _repeats(code: str, tree: ast.Module) -> list[ast.stmt]:
    """The one-line import statements of function bodies that only bind what an import at the
    top of the module already binds, the same way; a body that is nothing else keeps them."""
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    bound = set().union(*(_binds(n) for n in top))
    lines = code.splitlines()
    found: list[ast.stmt] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        repeats = [
            s
            for s in node.body
            if isinstance(s, ast.Import | ast.ImportFrom)
            and _binds(s) <= bound
            and lines[s.lineno - 1].strip() == ast.get_source_segment(code, s)
        ]
        if len(repeats) < len(node.body):
            found += repeats
    return found


def drop_repeated_imports(code: str, base: str = "") -> str:
    """`code` without the imports inside its functions that repeat one at the top of the file
    (09's `is_uuid` began with `import uuid` in a module that imports uuid: ruff's F811, and
    nothing the function needs). Such a line that `base` (the file as its authors wrote it)
    already has inside a function stays: it is their style, not the change's."""
    try:
        tree = ast.parse(code)
        before = ast.parse(base)
    except SyntaxError:
        return code
    theirs = {ast.get_source_segment(base, s) for s in _repeats(base, before)}
    lines = code.splitlines(keepends=True)
    drop: set[int] = set()
    for stmt in _repeats(code, tree):
        if ast.get_source_segment(code, stmt) in theirs:
            continue
        drop.add(stmt.lineno - 1)
        # the blank line that set the import apart goes with it, where the line before it is
        # blank too, or the def's signature, or its docstring
        after = stmt.lineno
        prev = lines[stmt.lineno - 2].rstrip()
        opens = not prev or prev.endswith((":", '"""', "'''"))
        if opens and after < len(lines) and not lines[after].strip():
            drop.add(after)
    new = "".join(line for i, line in enumerate(lines) if i not in drop)
    try:
        ast.parse(new)
    except SyntaxError:
        return code
    return new
