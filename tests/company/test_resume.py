"""kill -9 at any phase, resume, and get the same repository as an uninterrupted run."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from macrohard.company import Company
from macrohard.journal import Journal
from macrohard.sandbox import LocalSandbox
from macrohard.workspace import Workspace

from .scripted_company import REQUEST
from .scripted_company import Company as Script

CHILD = Path(__file__).with_name("crash_child.py")


def snapshot(out: Path) -> tuple[dict[str, str], list[str]]:
    ws = Workspace(out)
    files = {f: ws.read(f, "main") for f in ws.files("main") if not f.endswith("report.json")}
    subjects = [re.sub(r"r-[0-9a-f]+", "RUN", c.subject) for c in ws.log("main")]
    return files, subjects


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], list[str]]:
    tmp = tmp_path_factory.mktemp("ref")
    out = tmp / "proj"
    Company(Script().model(), journal=Journal(tmp / "j.db"), sandbox=LocalSandbox()).build(
        REQUEST, out
    )
    return snapshot(out)


@pytest.mark.parametrize(
    "point",
    ["start:design", "start:code", "after-commit:tests", "start:review", "after-commit:release"],
)
def test_kill_and_resume_gives_the_same_repository(
    tmp_path: Path, point: str, reference: tuple[dict[str, str], list[str]]
) -> None:
    out = tmp_path / "proj"
    db = tmp_path / "j.db"
    child = subprocess.run(
        [sys.executable, str(CHILD), str(db), str(out), point], capture_output=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    journal = Journal(db)
    (run,) = journal.interrupted_runs()
    outcome = Company(Script().model(), journal=journal, sandbox=LocalSandbox()).resume(run.id)
    assert outcome.verdict == "shipped"
    files, subjects = snapshot(out)
    assert files == reference[0]
    assert subjects == reference[1]  # nothing lost, nothing committed twice
    assert Workspace(out).fsck() and Workspace(out).is_clean()
    phases = journal.phases(run.id)
    assert all(p.status == "done" for p in phases)
    assert sum(p.attempts for p in phases) <= len(phases) + 1
