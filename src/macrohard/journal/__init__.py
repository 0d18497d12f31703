"""The journal: an SQLite event log of every build, its phases, and what they produced.

Safe for many threads and processes at once (WAL, BEGIN IMMEDIATE, one connection per thread);
a phase's completion is one transaction, so a run killed at any moment resumes where it stopped.
"""

from macrohard.journal.records import (
    PHASE_STATUSES,
    RUN_STATUSES,
    Event,
    JournalError,
    PhaseRecord,
    PhaseStatus,
    RunRecord,
    RunStatus,
)
from macrohard.journal.store import Journal, default_path, pid_alive

__all__ = [
    "PHASE_STATUSES",
    "RUN_STATUSES",
    "Event",
    "Journal",
    "JournalError",
    "PhaseRecord",
    "PhaseStatus",
    "RunRecord",
    "RunStatus",
    "default_path",
    "pid_alive",
]
