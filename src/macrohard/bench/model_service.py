"""Shared model service vs one model per build: total generation throughput and memory.

Each "build" is a client that makes `calls` code-writing requests (`max_tokens` each, greedy) the
way a build's engineer does; N of them run at once. Three ways to serve them:

  shared, S slot(s)   one service process (`ModelService`), requests queue for S model instances
                      that split the cores between them;
  per build           N processes, each loading its own copy of the model with every core
                      (what N independent `macrohard build` commands do), OpenMP's default wait;
  per build, passive  the same with OMP_WAIT_POLICY=PASSIVE (the best setting for side-by-side
                      model processes measured in FINDINGS.md).

Every process loads its model first; the clock starts when all are loaded. Memory is the
proportional set size (PSS, shared pages split between the processes mapping them) and the
resident set (RSS) summed over the model processes, read from /proc at the end of the run.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 - our own interpreter and module
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from macrohard.models.base import user
from macrohard.models.service import ModelService

TASKS = (
    "a function that returns the n-th prime number",
    "a class implementing a bounded LRU cache with get and put",
    "a function that parses 'key=value' lines into a dict, ignoring comments",
    "a function that formats a list of rows as a fixed-width text table",
    "a function that merges overlapping integer intervals",
    "a function that validates an IPv4 address string",
    "a tokenizer for arithmetic expressions with + - * / and parentheses",
    "a function that computes the edit distance of two strings",
)


def prompt(build: int, call: int) -> list[Any]:
    task = TASKS[(build * 3 + call) % len(TASKS)]
    return [user(f"Write Python code: {task}. Reply with one ```python block.")]


@dataclass
class Row:
    mode: str
    builds: int
    tokens: int
    seconds: float
    tokens_per_second: float
    pss_mb: int
    rss_mb: int


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of a process in MiB, from /proc (0, 0 where it cannot be read)."""
    values = {"Pss:": 0.0, "Rss:": 0.0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, *rest = line.split()
            if key in values and rest:
                values[key] = int(rest[0]) / 1024
    except OSError:
        pass
    return values["Pss:"], values["Rss:"]


def shared(spec: str, builds: int, calls: int, max_tokens: int, slots: int) -> Row:
    with ModelService(spec, slots=slots) as service:
        tokens: list[int] = []

        def build(index: int) -> None:
            model = service.model()
            for call in range(calls):
                reply = model.complete(prompt(index, call), max_tokens=max_tokens)
                tokens.append(reply.usage.completion_tokens)

        threads = [threading.Thread(target=build, args=(n,)) for n in range(builds)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        assert service.process is not None
        pss, rss = memory_mb(service.process.pid)
    total = sum(tokens)
    label = f"shared, {slots} slot{'s' if slots > 1 else ''}"
    return Row(
        label, builds, total, round(seconds, 3), round(total / seconds, 1), round(pss), round(rss)
    )


def per_build(spec: str, builds: int, calls: int, max_tokens: int, passive: bool) -> Row:
    env = {**os.environ, "MACROHARD_ALLOW_MODEL_REQUESTS": "1"}
    if passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    command = [sys.executable, "-m", "macrohard.bench.model_service", spec]
    workers = [
        subprocess.Popen(  # nosec B603 - our interpreter, our module
            [*command, str(n), str(calls), str(max_tokens)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(builds)
    ]
    for worker in workers:  # every model loaded before the clock starts
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a per-build model process failed to load {spec}")
    start = time.perf_counter()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        assert worker.stdout is not None
        results.append(json.loads(worker.stdout.readline()))
    seconds = time.perf_counter() - start
    for worker in workers:  # every report is in: let them go
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait(60)
    total = sum(r["tokens"] for r in results)
    label = "per build, passive" if passive else "per build"
    return Row(
        label,
        builds,
        total,
        round(seconds, 3),
        round(total / seconds, 1),
        round(sum(r["pss_mb"] for r in results)),
        round(sum(r["rss_mb"] for r in results)),
    )


def worker(spec: str, index: int, calls: int, max_tokens: int) -> None:
    """One per-build model process: load, say ready, wait for go, generate, report."""
    from macrohard.models.registry import get_model

    model = get_model(spec)
    load = getattr(model, "load", None)
    if callable(load):
        load()
    print("ready", flush=True)
    sys.stdin.readline()
    tokens = 0
    for call in range(calls):
        tokens += model.complete(prompt(index, call), max_tokens=max_tokens).usage.completion_tokens
    pss, rss = memory_mb(os.getpid())
    print(json.dumps({"tokens": tokens, "pss_mb": pss, "rss_mb": rss}), flush=True)
    sys.stdin.readline()  # stay mapped until the parent has every report (PSS splits fairly)


def run(
    spec: str,
    concurrency: Sequence[int] = (1, 2, 4),
    *,
    calls: int = 2,
    max_tokens: int = 96,
    modes: Sequence[str] = ("shared-1", "shared-2", "per-build", "per-build-passive"),
    report: Path | None = None,
    on_row: Any = None,
) -> dict[str, Any]:
    rows: list[Row] = []
    for mode in modes:
        for builds in concurrency:
            if mode.startswith("shared-"):
                row = shared(spec, builds, calls, max_tokens, int(mode.split("-")[1]))
            else:
                row = per_build(spec, builds, calls, max_tokens, mode.endswith("passive"))
            rows.append(row)
            if on_row:
                on_row(row)
    result = {
        "benchmark": "model-service",
        "date": time.strftime("%Y-%m-%d"),
        "model": spec,
        "calls_per_build": calls,
        "max_tokens": max_tokens,
        "cores": len(os.sched_getaffinity(0)),
        "rows": [asdict(r) for r in rows],
    }
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(result, indent=1) + "\n")
    return result


def table(result: dict[str, Any]) -> str:
    lines = [f"{'mode':20} {'builds':>6} {'tokens':>7} {'s':>7} {'tok/s':>7} {'PSS MiB':>8}"]
    for r in result["rows"]:
        lines.append(
            f"{r['mode']:20} {r['builds']:>6} {r['tokens']:>7} {r['seconds']:>7.1f} "
            f"{r['tokens_per_second']:>7.1f} {r['pss_mb']:>8.0f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # a per-build model process (see `per_build`)
    worker(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
