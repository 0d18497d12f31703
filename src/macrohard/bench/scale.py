"""`bench scale`: platform throughput of the executors, with a scripted model.

The same small request is built N times over, N queued at once, on each executor in turn. The
model is scripted (answers in microseconds), so what is measured is the platform itself: the
journal, git, the sandboxed test runs, the gates, the release's wheel build and fresh venv, and
the executor's own cost of placing builds on workers and bringing results back.

Per row: wall seconds from the first submission to the last result (the executor already up;
its start-up is `startup_s`), builds per minute, and per build
    build_s     mean seconds of `run_job` in its worker: one whole build
    tests_s     of which the sandboxed run of the project's tests (the tests gate)
    overhead_s  build_s - tests_s: the rest of a build (git, journal, gates, release)
    executor_s  (wall - sum(build_s) / min(N, workers)) / N: wall time beyond packing the builds
                perfectly onto the workers (submission, pickling, worker start-up, results, idle
                workers at the tail), per build
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from macrohard.errors import UserError
from macrohard.models import FunctionModel, Request
from macrohard.models.base import Model
from macrohard.scale import BuildJob, JobResult, executor_for, run_all

REQUEST = (
    "Please build a tiny math helper library. The file must be `mathutil.py` and offer "
    "`add(a: int, b: int) -> int` (the sum) and `mul(a: int, b: int) -> int` (the product)."
)
TESTS = """```python
from mathutil import add, mul


def test_add():
    assert add(2, 3) == 5


def test_mul():
    assert mul(2, 3) == 6
```"""
CODE = """```python
def add(a: int, b: int) -> int:
    return a + b


def mul(a: int, b: int) -> int:
    return a * b
```"""


def _answer(request: Request) -> str:
    """QA's call gets the tests, every other call the code. Keyed on the prompt, not on the call
    order, so a resumed build (which skips finished phases) still gets the right answers."""
    asked = request.messages[-1]["content"]
    return TESTS if "pytest file" in asked or "QA engineer" in asked else CODE


def scripted_company() -> Model:
    """The scripted model of the benchmark: a build of REQUEST with it ships. Module-level, so a
    job naming it pickles by reference to any worker."""
    return FunctionModel(_answer, name="scripted-scale")


def parse_counts(text: str) -> list[int]:
    """ "1,10,100" -> [1, 10, 100], with a clear error for anything else."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise UserError(f"--builds wants positive whole numbers separated by commas, not {text!r}")
    return counts


def jobs(n: int, folder: Path, journal: Path, unsafe_local: bool = False) -> list[BuildJob]:
    return [
        BuildJob(
            REQUEST,
            folder / f"build-{i:03d}",
            scripted_company,
            journal=journal,
            unsafe_local=unsafe_local,
        )
        for i in range(n)
    ]


def row(
    executor: str, workers: int, startup: float, wall: float, results: Sequence[JobResult]
) -> dict[str, Any]:
    n = len(results)
    build = [r.seconds for r in results]
    tests = [r.tests_seconds for r in results]
    packed = sum(build) / min(n, workers)
    return {
        "executor": executor,
        "workers": workers,
        "builds": n,
        "shipped": sum(r.ok for r in results),
        "errors": sorted({r.error for r in results if r.error})[:5],
        "resumed": sum(r.resumed for r in results),
        "startup_s": round(startup, 2),
        "wall_s": round(wall, 2),
        "builds_per_min": round(n / wall * 60, 2),
        "build_s": round(statistics.mean(build), 2),
        "tests_s": round(statistics.mean(tests), 2),
        "overhead_s": round(statistics.mean(build) - statistics.mean(tests), 2),
        "executor_s": round((wall - packed) / n, 2),
        "worker_pids": len({r.pid for r in results}),
    }


def run(
    counts: Sequence[int],
    executors: Sequence[str],
    workers: int,
    work: Path | None = None,
    report_path: Path | None = None,
    unsafe_local: bool = False,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Every count on every executor (one executor up at a time); the report after each row."""
    keep = work is not None
    work = work or Path(tempfile.mkdtemp(prefix="mh-scale-"))
    rows: list[dict[str, Any]] = []
    try:
        for name in executors:
            with executor_for(name, workers) as executor:
                for n in counts:
                    folder = work / name / f"{n}"
                    if folder.exists():
                        raise UserError(f"{folder} exists; give --work a fresh folder")
                    batch = jobs(n, folder, work / "journal.db", unsafe_local)
                    start = time.perf_counter()
                    results = run_all(executor, batch)
                    wall = time.perf_counter() - start
                    rows.append(row(name, workers, executor.startup_seconds, wall, results))
                    if on_row:
                        on_row(rows[-1])
                    if report_path:
                        write_report(report_path, make_report(rows, workers))
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return make_report(rows, workers)


def make_report(rows: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    return {
        "benchmark": "scale",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "model": "scripted (bench.scale.scripted_company)",
        "request": REQUEST,
        "workers": workers,
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        "rows": rows,
    }


def write_report(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(path)


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


COLUMNS = (
    ("executor", "executor"),
    ("builds", "builds"),
    ("shipped", "shipped"),
    ("wall_s", "wall s"),
    ("builds_per_min", "builds/min"),
    ("build_s", "build s"),
    ("tests_s", "tests s"),
    ("overhead_s", "overhead s"),
    ("executor_s", "executor s/build"),
)


def table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table: readable in a terminal, pasteable into docs/benchmarks.md."""
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(str(r[key]) for key, _ in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)
