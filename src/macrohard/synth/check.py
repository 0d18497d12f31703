"""Run a candidate against assertions and probe calls, inside the sandbox."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

from macrohard.sandbox import Limits, Sandbox, scratch_dir

RUNNER = (Path(__file__).parent / "_runner.py").read_text()


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one candidate: per-assertion verdicts and per-probe values."""

    load_error: str | None
    passed: tuple[bool, ...] = ()
    errors: tuple[str, ...] = ()
    values: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_passed(self) -> int:
        return sum(self.passed)

    @property
    def all_passed(self) -> bool:
        return self.load_error is None and all(self.passed)

    def failures(self, assertions: tuple[str, ...] | list[str]) -> list[str]:
        if self.load_error:
            return [f"the code failed to load: {self.load_error}"]
        return [
            f"{a}  -> {e}"
            for a, ok, e in zip(assertions, self.passed, self.errors, strict=False)
            if not ok
        ]


def syntax_error(code: str) -> str | None:
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    return None


def run_checks(
    sandbox: Sandbox,
    code: str,
    assertions: list[str] | tuple[str, ...] = (),
    probes: list[str] | tuple[str, ...] = (),
    limits: Limits | None = None,
) -> CheckResult:
    """Assertions first, then probe expressions whose values are recorded (for voting)."""
    error = syntax_error(code)
    if error:
        return CheckResult(error, (False,) * len(assertions), (error,) * len(assertions))
    checks = [{"kind": "assert", "code": a} for a in assertions]
    checks += [{"kind": "eval", "code": p} for p in probes]
    n = len(checks)
    limits = limits or Limits(timeout=5.0 + 3.0 * min(n, 10), memory_mb=1024)
    files = {"candidate.py": code, "checks.json": json.dumps(checks), "_runner.py": RUNNER}
    with scratch_dir(files) as workdir:
        result = sandbox.run([sandbox.python, "_runner.py"], workdir=workdir, limits=limits)
        out = workdir / "result.json"
        if not out.exists():
            why = "timed out" if result.timed_out else f"exited with {result.returncode}"
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            reason = f"the program {why} {tail[0][:200]}".strip()
            return CheckResult(
                reason,
                (False,) * len(assertions),
                (reason,) * len(assertions),
                ("!crash",) * len(probes),
            )
        data = json.loads(out.read_text())
    if data["load_error"]:
        err = data["load_error"]
        return CheckResult(
            err, (False,) * len(assertions), (err,) * len(assertions), ("!load",) * len(probes)
        )
    items = data["checks"]
    head, tail_items = items[: len(assertions)], items[len(assertions) :]
    return CheckResult(
        None,
        tuple(bool(i["ok"]) for i in head),
        tuple(i.get("error", "") for i in head),
        tuple(i.get("value", "!error") for i in tail_items),
    )
