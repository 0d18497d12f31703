"""`macrohard batch` and `macrohard bench scale` as a user runs them (scripted model, real rest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from macrohard.bench.scale import CODE, REQUEST, TESTS
from macrohard.workspace import Workspace


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACROHARD_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "macrohard.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )


def test_batch_builds_every_request_file_into_its_own_project(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([TESTS, CODE]))  # replayed afresh for each build
    files = []
    for name in ("first", "second"):
        files.append(tmp_path / f"{name}.md")
        files[-1].write_text(REQUEST)
    out = tmp_path / "projects"
    res = run(
        tmp_path / "home",
        "batch",
        *map(str, files),
        "--out",
        str(out),
        "--executor",
        "local",
        "--workers",
        "2",
        "--model",
        f"scripted:{answers}",
        "--json",
    )
    assert res.returncode == 0, res.stderr[-3000:]
    results = json.loads(res.stdout)
    assert [(r["name"], r["verdict"]) for r in results] == [
        ("first", "shipped"),
        ("second", "shipped"),
    ]
    assert "2/2 shipped on the local executor" in res.stderr
    for name in ("first", "second"):
        assert "v0.1.0" in Workspace(out / name).tags()


def test_bench_scale_prints_one_table_and_writes_its_report(tmp_path: Path) -> None:
    report = tmp_path / "scale.json"
    res = run(
        tmp_path / "home",
        "bench",
        "scale",
        "--builds",
        "2",
        "--executors",
        "local",
        "--report",
        str(report),
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "builds/min" in res.stdout and "executor s/build" in res.stdout
    (row,) = json.loads(report.read_text())["rows"]
    assert row["executor"] == "local" and row["builds"] == 2 and row["shipped"] == 2
    assert row["wall_s"] > 0 and row["builds_per_min"] > 0 and row["tests_s"] > 0


def test_unknown_executors_are_refused_before_any_build(tmp_path: Path) -> None:
    res = run(tmp_path / "home", "bench", "scale", "--executors", "local,dask")
    assert res.returncode == 2
    assert "unknown executor(s) dask; use: local, ray" in res.stderr
    request = tmp_path / "r.md"
    request.write_text(REQUEST)
    res = run(tmp_path / "home", "batch", str(request), "--executor", "dask")
    assert res.returncode == 2 and "unknown executor 'dask'" in res.stderr
