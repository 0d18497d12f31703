"""Hidden acceptance tests for 02-csvstats. Run with cwd = the built project root."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path.cwd()
# bounded even for a built project that hangs (needs pytest-timeout; harmless without it)
pytestmark = pytest.mark.timeout(60)
SCRIPT = ROOT / "csvstats.py"

PEOPLE = "name,age,city\nAnn,34,Oslo\nBob,,Bergen\nCid,28,Oslo\nDee,40,\n"


def run(*args, cwd):
    assert SCRIPT.is_file(), "csvstats.py is missing from the project root"
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=30)


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def test_text_report_example(people, tmp_path):
    r = run(people, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines() == [
        "name: text count=4 missing=0 unique=4",
        "age: numeric count=3 missing=1 min=28.00 max=40.00 mean=34.00",
        "city: text count=3 missing=1 unique=2",
    ]


def test_json_report_example(people, tmp_path):
    r = run(people, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert list(data) == ["name", "age", "city"]
    assert data["name"] == {"type": "text", "count": 4, "missing": 0, "unique": 4}
    assert data["city"] == {"type": "text", "count": 3, "missing": 1, "unique": 2}
    age = data["age"]
    assert set(age) == {"type", "count", "missing", "min", "max", "mean"}
    assert age["type"] == "numeric" and age["count"] == 3 and age["missing"] == 1
    assert age["min"] == pytest.approx(28) and age["max"] == pytest.approx(40)
    assert age["mean"] == pytest.approx(34)


def test_output_option_writes_file(people, tmp_path):
    out = tmp_path / "report.json"
    r = run(people, "--json", "--output", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
    assert json.loads(out.read_text(encoding="utf-8"))["age"]["count"] == 3
    out_txt = tmp_path / "report.txt"
    r = run(people, "--output", out_txt, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == ""
    assert "age: numeric count=3 missing=1" in out_txt.read_text(encoding="utf-8")


def test_numeric_decimals_and_negatives(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("temp\n-1.5\n2.25\n10\n", encoding="utf-8")
    r = run(path, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "temp: numeric count=3 missing=0 min=-1.50 max=10.00 mean=3.58"
    data = json.loads(run(path, "--json", cwd=tmp_path).stdout)
    assert data["temp"]["mean"] == pytest.approx(10.75 / 3)


def test_mixed_column_is_text(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("code,n\n1,1\n2,2\nx,3\n2,4\n", encoding="utf-8")
    data = json.loads(run(path, "--json", cwd=tmp_path).stdout)
    assert data["code"] == {"type": "text", "count": 4, "missing": 0, "unique": 3}
    assert data["n"]["type"] == "numeric"
    assert data["n"]["mean"] == pytest.approx(2.5)


def test_whitespace_is_missing_and_values_are_stripped(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("a,b\n  ,x\nred, x \n red ,y\n", encoding="utf-8")
    data = json.loads(run(path, "--json", cwd=tmp_path).stdout)
    assert data["a"] == {"type": "text", "count": 2, "missing": 1, "unique": 1}
    assert data["b"] == {"type": "text", "count": 3, "missing": 0, "unique": 2}


def test_short_and_long_rows(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2,3\n4\n5,6,7,8,9\n", encoding="utf-8")
    data = json.loads(run(path, "--json", cwd=tmp_path).stdout)
    assert list(data) == ["a", "b", "c"]
    assert data["a"]["count"] == 3 and data["a"]["missing"] == 0
    assert data["b"]["count"] == 2 and data["b"]["missing"] == 1
    assert data["c"]["count"] == 2 and data["c"]["missing"] == 1
    assert data["c"]["max"] == pytest.approx(7)


def test_header_only_file(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("x,y\n", encoding="utf-8")
    r = run(path, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data == {"x": {"type": "text", "count": 0, "missing": 0, "unique": 0},
                    "y": {"type": "text", "count": 0, "missing": 0, "unique": 0}}


def test_missing_or_empty_input_exits_1(tmp_path):
    r = run(tmp_path / "nope.csv", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() != ""
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    r = run(empty, cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() != ""


def test_usage_error_exits_2(tmp_path):
    assert run(cwd=tmp_path).returncode == 2
    assert run(tmp_path / "x.csv", "--bogus", cwd=tmp_path).returncode == 2
