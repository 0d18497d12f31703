"""Deterministic kill -9 points for crash tests; inert unless the environment asks for them.

Every durable step of a build (each journal write transaction, each git command that changes the
repository) calls `point(label)` just before it runs. Steps are counted per process:

    MACROHARD_CRASH_AT=N      SIGKILL this process at the N-th step, before the step runs
    MACROHARD_CRASH_LOG=FILE  append "N label" for every step (to learn how many a build has)

A kill before step N is also a kill just after step N - 1, so walking N over every step covers
every boundary between durable effects. The kill is a real SIGKILL: no finally blocks, no atexit.
"""

from __future__ import annotations

import os
import signal

AT_ENV = "MACROHARD_CRASH_AT"
LOG_ENV = "MACROHARD_CRASH_LOG"

_count = 0


def point(label: str) -> None:
    """Count one durable step; log it, or kill the process here, when the environment says so."""
    at, log = os.environ.get(AT_ENV), os.environ.get(LOG_ENV)
    if not at and not log:
        return
    global _count
    _count += 1
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{_count} {label}\n")
    if at and _count == int(at):
        os.kill(os.getpid(), signal.SIGKILL)
