"""A whole company build through the bubblewrap sandbox: pytest, the wheel build, the venv and the
smoke run all inside it, and the project handed back to root intact (git still works on it)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from macrohard.company import Company
from macrohard.journal import Journal
from macrohard.sandbox import BwrapSandbox
from macrohard.workspace import Workspace
from tests.company.scripted_company import REQUEST
from tests.company.scripted_company import Company as Script

from .conftest import sandbox_processes


def test_build_ships_through_bwrap(tmp_path: Path, bwrap: BwrapSandbox) -> None:
    out = tmp_path / "proj"
    journal = Journal(tmp_path / "journal.db")
    outcome = Company(Script().model(), journal=journal, sandbox=bwrap).build(REQUEST, out)
    assert outcome.verdict == "shipped", outcome.report
    report = outcome.report
    assert {g["gate"]: g["status"] for g in report["gates"]}["tests"] == "passed"
    assert report["deploy"]["ok"] is True, report["deploy"]
    me = (os.geteuid(), os.getegid())
    for path in [out, *out.rglob("*")]:
        st = path.lstat()
        assert (st.st_uid, st.st_gid) == me, path
    ws = Workspace(out)
    assert "v0.1.0" in ws.tags() and ws.fsck() and ws.is_clean()
    fsck = subprocess.run(["git", "-C", str(out), "fsck"], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr
    assert sandbox_processes() == []
