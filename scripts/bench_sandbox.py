"""Sandbox overhead on this machine (a benchmark, not a test).

    .venv/bin/python scripts/bench_sandbox.py [--runs 30]

Prints the median wall time of `python -c pass` bare, in the local sandbox and in the bubblewrap
sandbox, and the time of a 10-test pytest project run through the bubblewrap sandbox.
Targets (issue 4): sandboxed `python -c pass` median <= 60 ms; 10-test project <= 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from collections.abc import Callable

from macrohard.sandbox import BwrapSandbox, Limits, LocalSandbox, scratch_dir

TESTS = "\n".join(
    f"def test_{i}():\n    assert sum(range({i})) == {i * (i - 1) // 2}\n" for i in range(10)
)
PROJECT = {"calc.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": TESTS}


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    bwrap, local = BwrapSandbox(), LocalSandbox("/usr/bin/python3")
    print(f"bwrap: {bwrap.cgroup_status}")
    with scratch_dir() as tmp:
        bare = median_ms(lambda: subprocess.run(["/usr/bin/python3", "-c", "pass"]), runs)
        loc = median_ms(lambda: local.run([local.python, "-c", "pass"], workdir=tmp), runs)
        box = median_ms(lambda: bwrap.run([bwrap.python, "-c", "pass"], workdir=tmp), runs)
    print(f"python -c pass, median of {runs}: bare {bare:.1f} ms, local {loc:.1f} ms, ", end="")
    print(f"bwrap {box:.1f} ms (target <= 60 ms)")
    with scratch_dir(PROJECT) as project:
        argv = [bwrap.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
        limits = Limits(timeout=60, memory_mb=2048)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            res = bwrap.run(argv, workdir=project, limits=limits, env={"PYTHONPATH": "."})
            times.append(time.perf_counter() - start)
            assert "10 passed" in res.stdout, res.stdout + res.stderr
    print(
        f"10-test pytest project in bwrap, median of 5: {statistics.median(times):.2f} s ", end=""
    )
    print("(target <= 2 s)")


if __name__ == "__main__":
    main()
