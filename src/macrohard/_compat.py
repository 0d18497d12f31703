"""Workarounds for bugs of the Python versions Macrohard runs on, applied once at import.

`ast.parse` in two threads at once: CPython 3.11 and 3.12 keep the AST constructor's recursion
depth in interpreter-wide state, so a parse that another thread interleaves with fails with
"SystemError: AST constructor recursion depth mismatch (before=36, after=34)" (python/cpython
gh-106905 and the reports linked there; seen here in the local executor's test, three builds in
threads). Builds run in threads (the local executor, the API's thread isolation, the engineers of
one wave), and roles parse code all the time, so on those versions `ast.parse` (and with it
`ast.literal_eval`, which calls it) takes one process-wide lock. Parsing is a small part of a
build; the lock costs nothing measurable.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from typing import Any

_LOCK = threading.RLock()  # re-entrant: a finalizer run by the GC mid-parse may parse too


def _serialise_ast_parse() -> None:
    original = ast.parse
    if getattr(original, "__macrohard_locked__", False):
        return

    @functools.wraps(original)
    def parse(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(*args, **kwargs)

    parse.__macrohard_locked__ = True  # type: ignore[attr-defined]
    ast.parse = parse


if sys.version_info < (3, 13):
    _serialise_ast_parse()
