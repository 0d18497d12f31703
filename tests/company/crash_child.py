"""Run a scripted build and SIGKILL ourselves at a chosen point (used by test_resume)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from company.scripted_company import REQUEST
from company.scripted_company import Company as Script
from macrohard.company import Company
from macrohard.journal import Journal
from macrohard.sandbox import LocalSandbox


def main() -> None:
    journal_path, out, point = sys.argv[1], sys.argv[2], sys.argv[3]
    when, _, phase = point.partition(":")
    journal = Journal(journal_path)
    if when == "after-commit":  # the commit exists, the journal never hears of it
        original = journal.phase_committed

        def committed(run_id: str, name: str, sha: str, verdict: str) -> None:
            if name == phase:
                os.kill(os.getpid(), signal.SIGKILL)
            original(run_id, name, sha, verdict)

        journal.phase_committed = committed  # type: ignore[method-assign]

    def on_event(kind: str, data: dict[str, object]) -> None:
        if when == "start" and kind == "phase.started" and data["phase"] == phase:
            os.kill(os.getpid(), signal.SIGKILL)

    company = Company(Script().model(), journal=journal, sandbox=LocalSandbox(), on_event=on_event)
    company.build(REQUEST, Path(out))


if __name__ == "__main__":
    main()
