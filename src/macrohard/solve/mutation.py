"""A bug's first try: one-token variants of the functions at fault, judged by the tests alone.

Before the model is asked for a fix, each small variant of the blamed functions
(`synth.mutants`: `bisect_right` for `bisect_left`, `<` for `<=`, an argument left out...) is
written into the file and the tests that reproduce the bug run on it in the sandbox. A variant
that makes every one of them pass then has to pass the project's own suite with no test lost
against the baseline. The first such variant is the fix; none found, the file is as it was and
the model takes over. Time-boxed: a variant costs one sandboxed pytest run (about a second).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from macrohard.sandbox.base import Sandbox
from macrohard.solve.testrun import TestCommand, TestRun, regressions, run_tests
from macrohard.synth.mutants import Mutant, mutants

MAX_VARIANTS = 60  # about a minute of test runs on 2 cores
_LINE = re.compile(r"^\s+line (\d+): ", re.M)  # the walk's steps: "    line 91: i = ..."


@dataclass
class Search:
    """What the search tried and what it found (`found` None: nothing passed)."""

    found: Mutant | None = None
    function: str = ""
    tried: int = 0
    seconds: float = 0.0
    plausible: list[str] = field(default_factory=list)  # passed the bug's tests, then regressed

    def to_dict(self) -> dict[str, object]:
        return {
            "found": self.found.what if self.found else None,
            "function": self.function or None,
            "line": self.found.line if self.found else None,
            "tried": self.tried,
            "seconds": round(self.seconds, 1),
            "regressed": self.plausible,
        }


def lines_run(failures: list[str]) -> set[int]:
    """The line numbers the walk of the failing tests showed (the lines worth changing first)."""
    return {int(n) for text in failures for n in _LINE.findall(text)}


def search(
    root: Path,
    target: str,
    suspects: list[str],
    failing: tuple[str, ...],
    sandbox: Sandbox,
    command: TestCommand | None,
    baseline: TestRun | None,
    first: set[int],
    seconds: float,
) -> Search:
    """Try the variants of `suspects` (functions of `target`, a path under `root`) until one
    makes the test files `failing` pass and loses no test of `command` against `baseline`,
    within `seconds`. The file keeps the variant found, else its text as it was."""
    path = root / target
    original = path.read_text()
    result = Search()
    start = time.monotonic()
    candidates = [(q, m) for q in suspects for m in mutants(original, q, first)]
    candidates.sort(key=lambda c: c[1].line not in first)  # stable: suspects' order within
    try:
        for qualname, mutant in candidates[:MAX_VARIANTS]:
            if time.monotonic() - start > seconds:
                break
            result.tried += 1
            path.write_text(mutant.code)
            run = run_tests(root, TestCommand("pytest", failing), sandbox, timeout=30)
            if run.error or not run.passed or run.failed:
                continue
            if command is not None and baseline is not None:
                full = run_tests(root, command, sandbox, extra=failing)
                lost = regressions(baseline, full)
                if lost or full.failed & run.passed:
                    result.plausible.append(f"{qualname}: {mutant.what} ({len(lost)} lost)")
                    continue
            result.found, result.function = mutant, qualname
            return result
        path.write_text(original)
        return result
    finally:
        result.seconds = time.monotonic() - start
