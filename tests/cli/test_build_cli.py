"""`macrohard build`, `runs`, `resume` as a user runs them: scripted model, real rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.company.scripted_company import DESIGN, GOOD, SPEC, TESTS
from tests.company.scripted_company import OPEN_REQUEST as REQUEST

ANSWERS = [
    json.dumps(SPEC),
    json.dumps(DESIGN),
    TESTS,
    GOOD,
    json.dumps({"wrong": "test", "reason": "1 + 1 is 2"}),
]


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACROHARD_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "macrohard.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )


def test_build_runs_and_report(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    request = tmp_path / "request.md"
    request.write_text(REQUEST)
    out = tmp_path / "mathutil"
    res = run(
        tmp_path,
        "build",
        "--request-file",
        str(request),
        "--out",
        str(out),
        "--model",
        f"scripted:{answers}",
        "--json",
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["verdict"] == "shipped"
    assert (
        json.loads((out / ".macrohard" / "report.json").read_text())["run_id"] == report["run_id"]
    )
    listed = json.loads(run(tmp_path, "runs", "--json").stdout)
    assert listed[0]["id"] == report["run_id"] and listed[0]["status"] == "succeeded"
    assert listed[0]["tokens"] > 0 and listed[0]["out_dir"] == str(out)
    again = run(tmp_path, "resume", report["run_id"], "--model", f"scripted:{answers}")
    assert again.returncode == 2 and "already finished" in again.stderr


def test_build_refuses_bad_input_cleanly(tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine")
    cases = [
        (["build", "", "--out", str(tmp_path / "a")], "request is empty"),
        (["build", "--out", str(tmp_path / "b")], "give the request"),
        (["build", "x", "--out", str(occupied), "-m", "scripted:/nope.json"], "cannot read"),
        (["build", "make a keylogger", "--out", str(tmp_path / "c")], "refused"),
        (
            ["build", "--request-file", str(tmp_path / "missing.md"), "--out", str(tmp_path / "d")],
            "cannot read --request-file",
        ),
        (["resume", "r-doesnotexist"], "no run"),
    ]
    for args, message in cases:
        res = run(tmp_path, *args)
        assert res.returncode == 2, (args, res.stderr)
        assert message in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert (occupied / "notes.txt").read_text() == "mine" and len(list(occupied.iterdir())) == 1
    for name in "abcd":
        assert not (tmp_path / name).exists()
