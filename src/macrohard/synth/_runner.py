"""Runs inside the sandbox: load candidate.py, run each check, write result.json.

Standalone on purpose (standard library only, no macrohard import): it is copied into the job's
work directory and run by the sandbox's interpreter. Each check is either an assertion (``assert
CALL == EXPECTED`` compares with a float tolerance) or an expression whose value is recorded.
"""

import ast
import json
import math
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

PER_CHECK_SECONDS = float(os.environ.get("MH_CHECK_SECONDS", "3"))


class CheckTimeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise CheckTimeout()


def close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
        except TypeError:
            return bool(a == b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(close, a, b))
    return bool(a == b)


def limited(fn: Callable[[], Any]) -> Any:
    signal.setitimer(signal.ITIMER_REAL, PER_CHECK_SECONDS)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:300]


def run_assert(code: str, ns: dict[str, Any]) -> dict[str, Any]:
    tree = ast.parse(code)
    node = tree.body[0]
    if (
        isinstance(node, ast.Assert)
        and isinstance(node.test, ast.Compare)
        and len(node.test.ops) == 1
        and isinstance(node.test.ops[0], ast.Eq)
    ):
        left = ast.unparse(node.test.left)
        right = ast.unparse(node.test.comparators[0])
        got = limited(lambda: eval(left, ns))  # noqa: S307 - this is the sandboxed side
        want = eval(right, ns)  # noqa: S307
        if close(got, want):
            return {"ok": True}
        return {"ok": False, "error": f"{left} returned {repr(got)[:200]}, expected {right}"}
    limited(lambda: exec(compile(tree, "<check>", "exec"), ns))  # noqa: S102
    return {"ok": True}


def main() -> None:
    signal.signal(signal.SIGALRM, _alarm)
    with open("checks.json") as fh:
        checks = json.load(fh)
    load_error: str | None = None
    items: list[dict[str, Any]] = []
    ns: dict[str, Any] = {"__name__": "candidate"}
    try:
        with open("candidate.py") as fh:
            source = fh.read()
        limited(lambda: exec(compile(source, "candidate.py", "exec"), ns))  # noqa: S102
    except BaseException as exc:
        load_error = describe(exc)
    if load_error is None:
        for check in checks:
            try:
                if check["kind"] == "assert":
                    item = run_assert(check["code"], ns)
                else:
                    code = check["code"]
                    value = limited(lambda: eval(code, ns))  # noqa: S307,B023
                    item = {"ok": True, "value": repr(value)[:500]}
            except CheckTimeout:
                item = {"ok": False, "error": "timed out", "value": "!timeout"}
            except BaseException as exc:
                item = {"ok": False, "error": describe(exc), "value": "!" + type(exc).__name__}
            items.append(item)
    with open("result.json.tmp", "w") as fh:
        json.dump({"load_error": load_error, "checks": items}, fh)
    os.replace("result.json.tmp", "result.json")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
