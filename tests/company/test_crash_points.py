"""kill -9 of `macrohard build` at 20 random durable steps; `macrohard resume` repairs each one.

The CLI runs as a subprocess (tests/company/scripted_cli.py: the real command with the scripted
company as its model, the bubblewrap sandbox, git and the journal). MACROHARD_CRASH_AT=N makes it
SIGKILL itself just before its N-th durable step (journal write or repository-changing git
command; see macrohard._crashpoint), so every kill lands on a boundary between two effects.

Each chain starts one build, kills it at a step drawn from its stratum of the build's steps, then
kills each `resume` a few steps in (recovery itself must survive kill -9), and finally resumes
without a kill. The repository must equal an uninterrupted run's: the tree of main, every commit's
author and message per branch, the tag, with no commit lost or doubled; `git fsck --strict` clean;
the journal says succeeded, every phase done at the commit that carries its trailer.
"""

from __future__ import annotations

import difflib
import json
import os
import random
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from macrohard.journal import Journal
from macrohard.workspace import Workspace

from .scripted_company import REQUEST

CLI = Path(__file__).with_name("scripted_cli.py")
KILLS = 20
CHAINS = 5  # builds; each is killed KILLS / CHAINS times over its life
RESUME_WINDOW = 12  # a resume is killed within its first this many steps
SEED = int(os.environ.get("MACROHARD_CRASH_SEED", "20240606"))

Snapshot = dict[str, Any]


def cli(home: Path, *args: str, crash_at: int | None = None, log: Path | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MACROHARD_")}
    env["MACROHARD_HOME"] = str(home)
    if crash_at is not None:
        env["MACROHARD_CRASH_AT"] = str(crash_at)
    if log is not None:
        env["MACROHARD_CRASH_LOG"] = str(log)
    done = subprocess.run(
        [sys.executable, str(CLI), *args], env=env, capture_output=True, timeout=300, check=False
    )
    killed = crash_at is not None and done.returncode == -signal.SIGKILL
    assert killed or done.returncode == 0, (args, crash_at, done.stderr.decode()[-3000:])
    return done.returncode


def build(home: Path, out: Path, **kw: Any) -> int:
    return cli(home, "build", REQUEST, "--out", str(out), "--model", "scripted-company", **kw)


def snapshot(out: Path, run_id: str) -> Snapshot:
    """What must match an uninterrupted run: no hashes, timestamps or run ids."""
    ws = Workspace(out)

    def norm(text: str) -> str:
        return text.replace(run_id, "RUN")

    branches = {
        norm(b): [(c.author_name, norm(f"{c.subject}\n{c.body}")) for c in ws.log(b, n=200)]
        for b in ("main", f"macrohard/{run_id}")
    }
    tree = {f: ws.read(f, "main") for f in ws.files("main") if not f.endswith("report.json")}
    tags = {t: norm(ws.log(t, n=1)[0].subject) for t in ws.tags()}
    return {"branches": branches, "tree": tree, "tags": tags}


def difference(got: Snapshot, expected: Snapshot) -> str:
    a = json.dumps(got, indent=1, sort_keys=True).splitlines()
    b = json.dumps(expected, indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(b, a, "uninterrupted", "resumed", lineterm=""))


def check_consistent(home: Path, out: Path) -> str:
    """The journal and the repository agree; returns the run id."""
    (run,) = Journal(home / "journal.db").list_runs()
    assert (run.status, run.verdict) == ("succeeded", "shipped"), run
    ws = Workspace(out)
    assert ws.fsck(), "git fsck --strict failed"
    assert ws.is_clean() and ws.current_branch() == "main"
    log = ws.log(f"macrohard/{run.id}", n=200)
    phases = Counter(
        m[1] for c in log if (m := re.search(r"^Macrohard-Phase: (\S+)$", c.body, re.M))
    )
    assert all(n == 1 for n in phases.values()), f"a phase committed twice: {phases}"
    by_sha = {c.sha: c for c in log}
    for p in Journal(home / "journal.db").phases(run.id):
        assert p.status == "done", p
        assert p.commit_sha in by_sha, f"phase {p.name} journaled at a commit not on the branch"
        assert f"Macrohard-Phase: {p.name}\n" in by_sha[p.commit_sha].body + "\n"
    report = ws.log("main", n=1)[0]
    assert report.subject == f"report: run {run.id} shipped"
    return run.id


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, int]:
    """The uninterrupted run's repository, and how many durable steps it took."""
    tmp = tmp_path_factory.mktemp("reference")
    steps = tmp / "steps.log"
    build(tmp / "home", tmp / "proj", log=steps)
    run_id = check_consistent(tmp / "home", tmp / "proj")
    return snapshot(tmp / "proj", run_id), len(steps.read_text().splitlines())


def test_kill_9_at_random_steps_then_resume(
    tmp_path_factory: pytest.TempPathFactory, reference: tuple[Snapshot, int]
) -> None:
    # not tmp_path: a folder named test_* hides the project from the coverage gate's omit globs
    tmp = tmp_path_factory.mktemp("chains")
    expected, total = reference
    rng = random.Random(SEED)
    kills: list[str] = []
    for chain in range(CHAINS):
        home, out = tmp / f"{chain}" / "home", tmp / f"{chain}" / "proj"  # the name is in files
        lo, hi = 1 + chain * total // CHAINS, (chain + 1) * total // CHAINS
        at: int | None = rng.randint(lo, hi)
        legs = [f"build@{at}"]
        killed = build(home, out, crash_at=at) != 0
        budget = KILLS - len(kills) - (CHAINS - chain - 1) * (KILLS // CHAINS)
        while killed:
            kills.append(f"chain {chain}: {legs[-1]}")
            budget -= 1
            runs = Journal(home / "journal.db").list_runs()
            if not runs:  # killed before the run was journaled: nothing started, start again
                assert not (out.exists() and Workspace(out).head()), "commits without a run"
                legs.append("build")
                killed = build(home, out) != 0
                continue
            at = rng.randint(1, RESUME_WINDOW) if budget > 0 else None
            legs.append(f"resume@{at}" if at else "resume")
            killed = cli(home, "resume", runs[0].id, crash_at=at) != 0
        run_id = check_consistent(home, out)
        got = snapshot(out, run_id)
        assert got == expected, f"chain {chain}: {' -> '.join(legs)}\n{difference(got, expected)}"
    print(f"{len(kills)} kills:", "; ".join(kills))
    assert len(kills) >= KILLS * 3 // 4, kills  # a resume that finishes early spares its kill
