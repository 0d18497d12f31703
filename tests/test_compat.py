"""CPython workarounds (macrohard._compat)."""

from __future__ import annotations

import ast
import sys
import threading

import pytest

import macrohard._compat as compat


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="only 3.11 and 3.12 need it")
def test_ast_parse_in_threads_takes_turns() -> None:
    """Two parses at once can fail with 'AST constructor recursion depth mismatch' on 3.11/3.12:
    while one thread holds the parse lock, another thread's ast.parse waits."""
    done = threading.Event()
    parsed: list[ast.Module] = []

    def parse() -> None:
        parsed.append(ast.parse("x = [1, 2]"))
        done.set()

    with compat._LOCK:
        worker = threading.Thread(target=parse)
        worker.start()
        assert not done.wait(0.3)  # it waits for the lock
    assert done.wait(10)
    worker.join()
    assert isinstance(parsed[0].body[0], ast.Assign)
    assert ast.literal_eval("{'a': (1, 2)}") == {"a": (1, 2)}  # literal_eval goes through it too
