"""A build's own overhead with a scripted model (a benchmark, not a test).

    .venv/bin/python scripts/bench_overhead.py [--builds 5]

Runs complete builds of the small scripted project used by the tests and splits each build's wall
time into: model calls, sandbox runs (tests, wheel build, venv, smoke run), gate tools run on the
host (ruff, bandit, pip-licenses, pip-audit), and the rest, which is Macrohard's own overhead
(roles, prompts, git, journal, files). Target (issue 3): overhead under 2 s per build.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from company.scripted_company import REQUEST
from company.scripted_company import Company as Script
from macrohard.company import Company
from macrohard.gates import base as gate_base
from macrohard.journal import Journal
from macrohard.models import FunctionModel, Request
from macrohard.sandbox import ExecResult, Limits, Sandbox, default_sandbox

DEFAULT_LIMITS = Limits()
SPENT = {"model": 0.0, "sandbox": 0.0, "tools": 0.0}


class TimedSandbox:
    def __init__(self, inner: Sandbox) -> None:
        self.inner = inner
        self.name, self.python, self.isolated = inner.name, inner.python, inner.isolated

    def run(
        self,
        argv: Sequence[str],
        *,
        workdir: Path,
        limits: Limits = DEFAULT_LIMITS,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        start = time.perf_counter()
        try:
            return self.inner.run(argv, workdir=workdir, limits=limits, stdin=stdin, env=env)
        finally:
            SPENT["sandbox"] += time.perf_counter() - start


def timed_tool(original: Any) -> Any:
    def run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)  # type: ignore[no-any-return]
        finally:
            SPENT["tools"] += time.perf_counter() - start

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--builds", type=int, default=5)
    args = parser.parse_args()
    gate_base.run_tool = timed_tool(gate_base.run_tool)
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith(
            ("macrohard.gates", "macrohard.company")
        ) and hasattr(module, "run_tool"):
            module.run_tool = gate_base.run_tool  # the gates imported it by name
    sandbox = TimedSandbox(default_sandbox())
    rows = []
    for _ in range(args.builds):
        script = Script()

        def answer(request: Request, script: Script = script) -> str:
            start = time.perf_counter()
            try:
                return script.answer(request)
            finally:
                SPENT["model"] += time.perf_counter() - start

        for key in SPENT:
            SPENT[key] = 0.0
        with tempfile.TemporaryDirectory() as tmp:
            company = Company(
                FunctionModel(answer), journal=Journal(Path(tmp, "j.db")), sandbox=sandbox
            )  # type: ignore[arg-type]
            start = time.perf_counter()
            outcome = company.build(REQUEST, Path(tmp, "proj"))
            total = time.perf_counter() - start
        own = total - sum(SPENT.values())
        rows.append((total, SPENT["model"], SPENT["sandbox"], SPENT["tools"], own))
        print(
            f"{outcome.verdict}: total {total:.2f} s, model {SPENT['model']:.3f} s, sandbox "
            f"{SPENT['sandbox']:.2f} s, gate tools {SPENT['tools']:.2f} s, own {own:.2f} s"
        )
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    print(
        f"median of {len(rows)}: total {med[0]:.2f} s, sandbox {med[2]:.2f} s, gate tools "
        f"{med[3]:.2f} s, own overhead {med[4]:.2f} s"
    )


if __name__ == "__main__":
    main()
