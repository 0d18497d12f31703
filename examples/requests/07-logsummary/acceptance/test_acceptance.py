"""Hidden acceptance tests for 07-logsummary. Run with cwd = the built project root."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path.cwd()
# bounded even for a built project that hangs (needs pytest-timeout; harmless without it)
pytestmark = pytest.mark.timeout(60)
SCRIPT = ROOT / "logsummary.py"

APP_LOG = (
    "2024-03-01 12:00:05 INFO [web] GET /index 200\n"
    "2024-03-01 12:00:06 ERROR [auth] Invalid password for user bob\n"
    "this line is garbage\n"
    "\n"
    "2024-03-01 12:00:09 WARNING [web] slow response: 2.5s\n"
    "2024-03-01 12:01:00 INFO [auth] user bob logged in\n"
)
APP_SUMMARY = {
    "total": 5, "malformed": 1,
    "levels": {"DEBUG": 0, "INFO": 2, "WARNING": 1, "ERROR": 1, "CRITICAL": 0},
    "components": {"web": 2, "auth": 2},
}


@pytest.fixture(scope="module")
def lp():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("logparse")


def run(*args, cwd, stdin=""):
    assert SCRIPT.is_file(), "logsummary.py is missing from the project root"
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=cwd,
                          input=stdin, capture_output=True, text=True, timeout=30)


@pytest.fixture
def app_log(tmp_path):
    path = tmp_path / "app.log"
    path.write_text(APP_LOG, encoding="utf-8")
    return path


def test_parse_line_example(lp):
    assert lp.LEVELS == ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    assert lp.parse_line("2024-03-01 12:00:05 ERROR [auth] Invalid password for user bob") == {
        "timestamp": "2024-03-01 12:00:05", "level": "ERROR", "component": "auth",
        "message": "Invalid password for user bob"}


def test_parse_line_trailing_newline_brackets_and_empty_message(lp):
    entry = lp.parse_line("2024-12-31 23:59:59 CRITICAL [db.pool-2] lost [primary] node  \r\n")
    assert entry == {"timestamp": "2024-12-31 23:59:59", "level": "CRITICAL",
                     "component": "db.pool-2", "message": "lost [primary] node"}
    assert lp.parse_line("2024-01-02 03:04:05 DEBUG [x] \n")["message"] == ""
    assert lp.parse_line("2024-01-02 03:04:05 DEBUG [x]")["message"] == ""


def test_parse_line_malformed(lp):
    for bad in ["", "   \n", "this line is garbage",
                "2024-03-01 12:00:05 WARN [web] unknown level",
                "2024-03-01 12:00:05 error [web] lower-case level",
                "2024-03-01 ERROR [web] no time",
                "2024-03-01 12:00:05 ERROR web no brackets",
                "2024-03-01 12:00:05 ERROR [] empty component",
                "2024-03-01 12:00:05 ERROR [my app] space in component",
                "24-03-01 12:00:05 ERROR [web] short year"]:
        assert lp.parse_line(bad) is None, bad


def test_summarize(lp):
    assert lp.summarize(APP_LOG.splitlines(keepends=True)) == APP_SUMMARY
    assert lp.summarize([]) == {"total": 0, "malformed": 0,
                                "levels": dict.fromkeys(lp.LEVELS, 0), "components": {}}
    assert lp.summarize(iter(["junk", "  ", "2024-01-01 00:00:00 DEBUG [a] x"])) == {
        "total": 2, "malformed": 1,
        "levels": {"DEBUG": 1, "INFO": 0, "WARNING": 0, "ERROR": 0, "CRITICAL": 0},
        "components": {"a": 1}}


def test_summarize_open_file(lp, app_log):
    with open(app_log, encoding="utf-8") as f:
        assert lp.summarize(f) == APP_SUMMARY


def test_cli_summary_of_file(app_log, tmp_path):
    r = run(app_log, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == APP_SUMMARY


def test_cli_summary_from_stdin_and_multiple_files(app_log, tmp_path):
    r = run(cwd=tmp_path, stdin=APP_LOG)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == APP_SUMMARY
    second = tmp_path / "second.log"
    second.write_text("2024-03-02 08:00:00 CRITICAL [db] disk full\n", encoding="utf-8")
    data = json.loads(run(app_log, second, cwd=tmp_path).stdout)
    assert data["total"] == 6 and data["malformed"] == 1
    assert data["levels"]["CRITICAL"] == 1
    assert data["components"] == {"web": 2, "auth": 2, "db": 1}


def test_cli_min_level_filter(app_log, tmp_path):
    r = run(app_log, "--min-level", "WARNING", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "2024-03-01 12:00:06 ERROR [auth] Invalid password for user bob",
        "2024-03-01 12:00:09 WARNING [web] slow response: 2.5s",
    ]
    r = run("--min-level", "DEBUG", cwd=tmp_path, stdin=APP_LOG)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        line for line in APP_LOG.splitlines() if line and "garbage" not in line]
    r = run(app_log, "--min-level", "CRITICAL", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == ""


def test_cli_unreadable_file_exits_1(app_log, tmp_path):
    r = run(app_log, tmp_path / "missing.log", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() != ""


def test_cli_bad_level_exits_2(app_log, tmp_path):
    assert run(app_log, "--min-level", "WARN", cwd=tmp_path).returncode == 2
    assert run(app_log, "--min-level", "warning", cwd=tmp_path).returncode == 2
