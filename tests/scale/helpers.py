"""What the scale tests compare: the product on main, and that a repository is whole."""

from __future__ import annotations

import subprocess
from pathlib import Path

from macrohard.bench.scale import REQUEST, scripted_company
from macrohard.scale import BuildJob, JobResult
from macrohard.workspace import Workspace

#: run-specific (run id, seconds, folder): the one file two builds of one request differ in
REPORT = ".macrohard/report.json"


def job(out: Path, journal: Path) -> BuildJob:
    """A build of the benchmark's request with its scripted company (it ships)."""
    return BuildJob(REQUEST, out, scripted_company, journal=journal)


def product(out: Path) -> list[str]:
    """main's tree, blob by blob, without the run's own report."""
    listing = subprocess.run(
        ["git", "-C", str(out), "ls-tree", "-r", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(line for line in listing.splitlines() if not line.endswith(REPORT))


def files(out: Path) -> list[str]:
    """The paths on main."""
    return sorted(line.split("\t", 1)[1] for line in product(out))


def assert_shipped(result: JobResult) -> None:
    assert result.ok, (result.error, result.report.get("unfinished"), result.report.get("notes"))
    ws = Workspace(result.out_dir)
    assert ws.fsck()
    assert "v0.1.0" in ws.tags()
    assert {"mathutil.py", "tests/test_mathutil.py", REPORT} <= set(ws.files("main"))


def phase_commits(out: Path) -> list[str]:
    """The Macrohard-Phase trailer of every commit on main: each phase exactly once."""
    return [
        line.split(": ", 1)[1]
        for commit in Workspace(out).log("main", n=500)
        for line in commit.body.splitlines()
        if line.startswith("Macrohard-Phase: ")
    ]
