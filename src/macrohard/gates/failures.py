"""Reading a pytest failure report: did the code under test raise, and was that on purpose?

Shared by `solve` and the company's verify, which both decide whether a failing model-written
test is wrong (a check the code failed) or the code is (it crashed on the test's input).
"""

from __future__ import annotations

import re

from macrohard.gates.files import is_test_file

# where pytest's traceback ends: "boltons/strutils.py:123: TypeError"
_RAISED_AT = re.compile(r"^(\S+?\.py):\d+: (\w+)$", re.M)
_CHECKS_FAILED = frozenset({"AssertionError", "Failed"})  # Failed: DID NOT RAISE, pytest.fail


def crashed(failure: str) -> bool:
    """Whether a failure is an error raised outside the test's own code (by the code under
    test, or the library it called): a check that failed, or a test that broke by itself, is
    not. A wrong expected value cannot make the code raise (07: `strip_ansi(b'...')` raised
    TypeError, and the test was dropped as wrong for expecting 'art' instead of b'art')."""
    found = _RAISED_AT.findall(failure)
    if not found:
        return False
    path, kind = found[-1]
    return kind not in _CHECKS_FAILED and not is_test_file(path.lstrip("/"))


def refused(failure: str, request: str) -> bool:
    """Whether a crash is the code refusing on purpose as the request asks: the frame it ended
    in is a `raise` of an error the request says is raised (05: "raises ValueError when upper <
    lower"; QA expected `clamp(10, 15, 5) == 5`, and the test stayed as one the code crashed on
    while the change was right)."""
    if not crashed(failure):
        return False
    kind = _RAISED_AT.findall(failure)[-1][1]
    lines = failure[: failure.rfind(f": {kind}")].splitlines()
    pointed = [line[1:].strip() for line in lines if line.startswith(">")]
    raised = bool(pointed) and re.match(rf"raise\s+(\w+\.)*{kind}\b", pointed[-1]) is not None
    return raised and re.search(rf"\b{kind}\b", request) is not None
