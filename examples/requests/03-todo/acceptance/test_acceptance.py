"""Hidden acceptance tests for 03-todo. Run with cwd = the built project root."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path.cwd()
# bounded even for a built project that hangs (needs pytest-timeout; harmless without it)
pytestmark = pytest.mark.timeout(60)
SCRIPT = ROOT / "todo.py"


def todo(*args, cwd, db=None):
    assert SCRIPT.is_file(), "todo.py is missing from the project root"
    prefix = ["--db", str(db)] if db is not None else []
    return subprocess.run([sys.executable, str(SCRIPT), *prefix, *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=30)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "tasks.sqlite"


def lines(result):
    return result.stdout.strip().splitlines()


def test_add_prints_id_and_text(tmp_path, db):
    r = todo("add", "buy", "milk", cwd=tmp_path, db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Added 1: buy milk"
    r = todo("add", "call Bob", cwd=tmp_path, db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Added 2: call Bob"


def test_list_done_and_list_all_example(tmp_path, db):
    todo("add", "buy", "milk", cwd=tmp_path, db=db)
    todo("add", "call Bob", cwd=tmp_path, db=db)
    todo("add", "write report", cwd=tmp_path, db=db)
    assert lines(todo("list", cwd=tmp_path, db=db)) == [
        "1 [ ] buy milk", "2 [ ] call Bob", "3 [ ] write report"]
    r = todo("done", 1, cwd=tmp_path, db=db)
    assert r.returncode == 0, r.stderr
    assert lines(todo("list", cwd=tmp_path, db=db)) == ["2 [ ] call Bob", "3 [ ] write report"]
    assert lines(todo("list", "--all", cwd=tmp_path, db=db)) == [
        "1 [x] buy milk", "2 [ ] call Bob", "3 [ ] write report"]


def test_done_twice_is_fine(tmp_path, db):
    todo("add", "stretch", cwd=tmp_path, db=db)
    assert todo("done", 1, cwd=tmp_path, db=db).returncode == 0
    assert todo("done", 1, cwd=tmp_path, db=db).returncode == 0
    assert lines(todo("list", "--all", cwd=tmp_path, db=db)) == ["1 [x] stretch"]


def test_remove(tmp_path, db):
    todo("add", "a", cwd=tmp_path, db=db)
    todo("add", "b", cwd=tmp_path, db=db)
    r = todo("remove", 1, cwd=tmp_path, db=db)
    assert r.returncode == 0, r.stderr
    assert lines(todo("list", "--all", cwd=tmp_path, db=db)) == ["2 [ ] b"]


def test_unknown_id_exits_1(tmp_path, db):
    todo("add", "only task", cwd=tmp_path, db=db)
    for command in ("done", "remove"):
        r = todo(command, 7, cwd=tmp_path, db=db)
        assert r.returncode == 1
        assert r.stderr.strip() != ""
    assert lines(todo("list", "--all", cwd=tmp_path, db=db)) == ["1 [ ] only task"]


def test_empty_list_prints_nothing(tmp_path, db):
    r = todo("list", cwd=tmp_path, db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
    todo("add", "x", cwd=tmp_path, db=db)
    todo("done", 1, cwd=tmp_path, db=db)
    r = todo("list", cwd=tmp_path, db=db)
    assert r.returncode == 0 and r.stdout.strip() == ""


def test_default_db_in_cwd_and_separate_dbs(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    r = todo("add", "default one", cwd=work)
    assert r.returncode == 0, r.stderr
    assert (work / "todo.db").is_file()
    other = tmp_path / "other.db"
    assert todo("add", "other one", cwd=work, db=other).stdout.strip() == "Added 1: other one"
    assert lines(todo("list", cwd=work)) == ["1 [ ] default one"]
    assert lines(todo("list", cwd=work, db=other)) == ["1 [ ] other one"]


def test_sqlite_schema_and_storage(tmp_path, db):
    todo("add", "first", cwd=tmp_path, db=db)
    todo("add", "second", cwd=tmp_path, db=db)
    todo("done", 2, cwd=tmp_path, db=db)
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, text, done FROM tasks ORDER BY id").fetchall()
    finally:
        conn.close()
    assert rows == [(1, "first", 0), (2, "second", 1)]


def test_text_is_stored_verbatim(tmp_path, db):
    text = "call Zoë; it's \"urgent\" DROP TABLE tasks; --"
    r = todo("add", text, cwd=tmp_path, db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"Added 1: {text}"
    assert lines(todo("list", cwd=tmp_path, db=db)) == [f"1 [ ] {text}"]


def test_blank_text_exits_1(tmp_path, db):
    r = todo("add", "   ", cwd=tmp_path, db=db)
    assert r.returncode == 1
    assert todo("list", "--all", cwd=tmp_path, db=db).stdout.strip() == ""


def test_usage_errors_exit_2(tmp_path, db):
    assert todo(cwd=tmp_path, db=db).returncode == 2
    assert todo("frobnicate", cwd=tmp_path, db=db).returncode == 2
    assert todo("done", "abc", cwd=tmp_path, db=db).returncode == 2
    assert todo("remove", cwd=tmp_path, db=db).returncode == 2
