"""`macrohard solve`: verified changes to existing repositories (see solver.py for the flow).

The names below load on first use (PEP 562): the map, test-run and edit modules need only the
standard library, so their tests run under a sandbox's plain Python too.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macrohard.solve.edits import apply_block, apply_definitions, apply_reply, parse_blocks
    from macrohard.solve.repomap import RepoMap
    from macrohard.solve.solver import PHASES, SolveOutcome, Solver
    from macrohard.solve.testrun import TestCommand, detect_test_command, parse_test_command

_FROM = {
    **dict.fromkeys(("apply_block", "apply_definitions", "apply_reply", "parse_blocks"), "edits"),
    "RepoMap": "repomap",
    **dict.fromkeys(("PHASES", "SolveOutcome", "Solver"), "solver"),
    **dict.fromkeys(("TestCommand", "detect_test_command", "parse_test_command"), "testrun"),
}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_FROM[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "PHASES",
    "RepoMap",
    "SolveOutcome",
    "Solver",
    "TestCommand",
    "apply_block",
    "apply_definitions",
    "apply_reply",
    "detect_test_command",
    "parse_blocks",
    "parse_test_command",
]
