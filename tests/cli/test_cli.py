"""The CLI as a user runs it, with the scripted backend (no model weights needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = [sys.executable, "-m", "macrohard.cli"]
RIGHT = (
    "```python\ndef fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n"
    "        a, b = b, a + b\n    return a\n```"
)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BIN, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def script(tmp_path: Path, answers: list[str]) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    return f"scripted:{path}"


def test_synth_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "fib.py"
    res = run(
        "synth", "Fibonacci", "-e", "fib(10) == 55", "-m", script(tmp_path, [RIGHT]), "-o", str(out)
    )
    assert res.returncode == 0, res.stderr
    assert "examples pass" in res.stderr
    assert out.read_text().startswith("def fib(n):")


def test_synth_exit_1_when_examples_fail_and_json_summary(tmp_path: Path) -> None:
    wrong = RIGHT.replace("return a", "return b")
    res = run(
        "synth",
        "Fibonacci",
        "-e",
        "fib(10) == 55",
        "-m",
        script(tmp_path, [wrong]),
        "-s",
        "single",
        "--json",
    )
    assert res.returncode == 1
    summary = json.loads(res.stdout)
    assert summary["verified"] is False and summary["entry_point"] == "fib"


def test_no_code_is_a_clear_error(tmp_path: Path) -> None:
    res = run("synth", "Fibonacci", "-m", script(tmp_path, ["I'd rather not."]), "-s", "single")
    assert res.returncode == 2 and "no usable code" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_input_gets_one_clear_line(tmp_path: Path) -> None:
    cases = [
        (["synth", ""], "description is empty"),
        (["synth", "x", "-m", "nosuch:thing"], "unknown model backend"),
        (["synth", "x", "-m", "scripted:/nonexistent.json"], "cannot read"),
        (["synth", "x", "-e", "f(1) = = 2", "-m", "scripted:/x"], "not valid Python"),
        (["synth", "x", "-m", script(tmp_path, [RIGHT]), "-s", "magic"], "unknown strategy"),
        (["bench", "humaneval", "--problems", "999", "-m", script(tmp_path, [])], "out of range"),
    ]
    for args, message in cases:
        res = run(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert message in res.stderr and "Traceback" not in res.stderr, res.stderr


def test_unreachable_endpoint_is_clear_not_a_hang(tmp_path: Path) -> None:
    res = run(
        "synth",
        "Fibonacci",
        "-e",
        "fib(10) == 55",
        "-s",
        "single",
        "-m",
        "openai:http://127.0.0.1:9/v1#none",
        env={"MACROHARD_ALLOW_MODEL_REQUESTS": "1"},
    )
    assert res.returncode == 2
    assert "127.0.0.1:9" in res.stderr and "Traceback" not in res.stderr


def test_bench_humaneval_report_shape(tmp_path: Path) -> None:
    body = (
        "    pairs = [(a, b) for i, a in enumerate(numbers) for b in numbers[i + 1 :]]\n"
        "    return any(abs(a - b) < threshold for a, b in pairs)\n"
    )
    answers = [
        f"```python\ndef has_close_elements(numbers, threshold):\n{body}```",
        "```python\ndef separate_paren_groups(s):\n    return []\n```",
    ]
    report = tmp_path / "he.json"
    res = run(
        "bench",
        "humaneval",
        "--problems",
        "0,1",
        "-s",
        "single",
        "-m",
        script(tmp_path, answers),
        "--report",
        str(report),
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1].startswith("pass@1 1/2 = 0.500, median")
    data = json.loads(report.read_text())
    for key in (
        "benchmark",
        "model",
        "strategy",
        "n",
        "passed",
        "pass_at_1",
        "median_seconds",
        "tokens",
        "problems",
    ):
        assert key in data
    assert [p["passed"] for p in data["problems"]] == [True, False]
    assert set(data["problems"][0]) >= {"task_id", "passed", "seconds", "completion_tokens"}
