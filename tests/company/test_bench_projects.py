"""bench projects: builds from request.md only; hidden tests score afterwards."""

from __future__ import annotations

from pathlib import Path

from macrohard.bench import projects
from macrohard.company import Company
from macrohard.journal import Journal
from macrohard.models import FunctionModel
from macrohard.sandbox import LocalSandbox

from .scripted_company import REQUEST
from .scripted_company import Company as Script

HIDDEN = """
from mathutil import add, mul  # HIDDEN_MARKER_42


def test_add():
    assert add(20, 22) == 42


def test_mul():
    assert mul(6, 7) == 42
"""


def test_projects_bench_scores_with_hidden_tests(tmp_path: Path) -> None:
    sample = tmp_path / "suite" / "01-math"
    (sample / "acceptance").mkdir(parents=True)
    (sample / "request.md").write_text(REQUEST)
    (sample / "acceptance" / "test_hidden.py").write_text(HIDDEN)
    script = Script()
    seen: list[str] = []

    def answer(request):  # type: ignore[no-untyped-def]
        seen.extend(m["content"] for m in request.messages)
        return script.answer(request)

    sandbox = LocalSandbox()
    journal = Journal(tmp_path / "j.db")
    report = projects.run(
        lambda: Company(FunctionModel(answer), journal=journal, sandbox=sandbox),
        projects.discover(tmp_path / "suite"),
        sandbox,
        tmp_path / "work",
    )
    assert projects.summary_line(report) == "projects: 1/1 passed"
    assert report["projects"][0]["hidden"] == {"passed": 2, "total": 2, "ok": True}
    assert not any("HIDDEN_MARKER_42" in text or "add(20, 22)" in text for text in seen)
    assert "own_tests_on_reference" not in report["projects"][0]  # no reference/ given


def test_the_build_s_own_tests_are_scored_on_the_reference_solution(tmp_path: Path) -> None:
    project, reference = tmp_path / "project", tmp_path / "reference"
    (project / "tests").mkdir(parents=True)
    reference.mkdir()
    (reference / "mathutil.py").write_text("def add(a, b):\n    return a + b\n")
    (project / "mathutil.py").write_text("def add(a, b):\n    return a - b\n")  # not used
    (project / "tests" / "test_own.py").write_text(
        "from mathutil import add\n\n\ndef test_right():\n    assert add(2, 2) == 4\n\n\n"
        "def test_wrong():\n    assert add(2, 2) == 5\n"
    )
    own = projects.own_tests_on_reference(LocalSandbox(), project, reference)
    assert (own["passed"], own["total"]) == (1, 2)
    assert not (reference / "tests").exists()  # the sample's reference is only read


def test_real_suite_is_well_formed() -> None:
    suite = Path(__file__).resolve().parents[2] / "examples" / "requests"
    samples = projects.discover(suite)
    assert len(samples) >= 8
    for s in samples:
        assert list(s.acceptance.glob("test_*.py")), s.name
