"""A bug's first try: one-token variants of the functions at fault, judged by the tests alone.

Before the model is asked for a fix, each small variant of the blamed functions
(`synth.mutants`: `bisect_right` for `bisect_left`, `<` for `<=`, an argument left out...) is
written into the file and the new tests (QA's and the client's examples) run on it in the
sandbox. A variant that fixes a failing one, breaks none that passed and passes every client
example then has to pass the project's own suite with no test lost against the baseline. The
first that passes every new test is the fix, else the one passing the client's and most of the
rest; none found, the file is as it was and the model takes over. Time-boxed: a variant costs
one sandboxed pytest run (about a second).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from macrohard.sandbox.base import Sandbox
from macrohard.solve.testrun import TestCommand, TestRun, belongs, regressions, run_tests
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
    new_tests: tuple[str, ...],
    client: str,
    sandbox: Sandbox,
    command: TestCommand | None,
    baseline: TestRun | None,
    first: set[int],
    seconds: float,
) -> Search:
    """Try the variants of `suspects` (functions of `target`, a path under `root`) on the test
    files `new_tests`, within `seconds`. A variant counts when it fixes a failing test, breaks
    none that passed, passes every client example (the file `client`; without one, every new
    test) and loses no test of `command` against `baseline`. The first that passes all the new
    tests is kept; failing that, the one that counts with the fewest failing (a model-written
    test may be wrong: cachetools' fix left one failing, which verify later judged wrong;
    inflection's `replace('_', '-', 1)` -> `2` passed the client's example with two
    underscores, the argument dropped passed that and a test with three); else the file is as
    it was."""
    path = root / target
    original = path.read_text()
    result = Search()
    start = time.monotonic()
    candidates = [(q, m) for q in suspects for m in mutants(original, q, first)]
    # the lines the tests ran and the like-for-like slips first, whichever suspect they are in
    # (stable: the suspects' order within); cachetools' bug was in the third function traced
    candidates.sort(key=lambda c: (c[1].line not in first, c[1].tier))
    fallback: tuple[int, str, Mutant] | None = None  # new tests failing, where, what
    try:
        before = run_tests(root, TestCommand("pytest", new_tests), sandbox, timeout=30)
        if before.error or not before.failed:
            return result
        for qualname, mutant in candidates[:MAX_VARIANTS]:
            if time.monotonic() - start > seconds:
                break
            result.tried += 1
            path.write_text(mutant.code)
            run = run_tests(root, TestCommand("pytest", new_tests), sandbox, timeout=30)
            if run.error or before.passed - run.passed or not before.failed & run.passed:
                continue
            still = [t for t in run.failed if not client or belongs(t, client)]
            if still:  # a client example (or, without any, a new test) still fails
                continue
            if run.failed and fallback is not None and len(run.failed) >= fallback[0]:
                continue  # no better than the variant kept so far
            if command is not None and baseline is not None:
                full = run_tests(root, command, sandbox, extra=new_tests)
                lost = regressions(baseline, full)
                if lost:
                    result.plausible.append(f"{qualname}: {mutant.what} ({len(lost)} lost)")
                    continue
            if not run.failed:
                result.found, result.function = mutant, qualname
                return result
            fallback = (len(run.failed), qualname, mutant)
        if fallback is not None:
            _, result.function, result.found = fallback
            path.write_text(result.found.code)
        else:
            path.write_text(original)
        return result
    finally:
        result.seconds = time.monotonic() - start
