"""`macrohard solve`: verified changes to existing repositories (see solver.py for the flow)."""

from macrohard.solve.edits import apply_block, apply_definitions, apply_reply, parse_blocks
from macrohard.solve.repomap import RepoMap
from macrohard.solve.solver import PHASES, SolveOutcome, Solver
from macrohard.solve.testrun import TestCommand, detect_test_command, parse_test_command

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
