"""Add the standard-library imports a small model forgot (`sys.executable` with no `import sys`).

Deterministic and conservative: only names that are used, never bound anywhere in the file, not
builtins, and in a fixed table of standard-library modules and well-known names get an import.
"""

from __future__ import annotations

import ast
import builtins

MODULES = frozenset(
    [
        "argparse",
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


def missing_imports(code: str) -> list[str]:
    """Import lines for the names `code` uses but never defines (empty if it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    bound: set[str] = set(dir(builtins))
    used: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                used.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    lines = []
    for name in dict.fromkeys(used):
        if name in bound:
            continue
        if name in MODULES:
            lines.append(f"import {name}")
        elif name in NAMES:
            lines.append(f"from {NAMES[name]} import {name}")
    return lines


def add_missing_imports(code: str) -> str:
    """`code` with the forgotten imports added after its docstring and `__future__` imports."""
    lines = missing_imports(code)
    if not lines:
        return code
    tree = ast.parse(code)
    at = 0
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (docstring or future):
            break
        at = node.end_lineno or at
    source = code.splitlines()
    return "\n".join([*source[:at], *lines, *source[at:]]) + ("\n" if code.endswith("\n") else "")
