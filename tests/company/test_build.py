"""The whole company end to end with a scripted model, real git, real SQLite, real sandbox."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from macrohard.company import Company
from macrohard.company.budget import Budget, BudgetedModel
from macrohard.errors import BudgetExceeded, UserError
from macrohard.journal import Journal
from macrohard.models import FunctionModel
from macrohard.models.base import Usage, user
from macrohard.sandbox import LocalSandbox
from macrohard.workspace import Workspace

from .scripted_company import BUGGY, GOOD, LOOSE_REQUEST, OPEN_REQUEST, REQUEST
from .scripted_company import Company as Script


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.db")


def company(script: Script, journal: Journal) -> Company:
    return Company(script.model(), journal=journal, sandbox=LocalSandbox())


def test_build_ships_a_tested_versioned_project(tmp_path: Path, journal: Journal) -> None:
    script = Script()
    out = tmp_path / "proj"
    outcome = company(script, journal).build(REQUEST, out)
    assert outcome.verdict == "shipped", outcome.report
    ws = Workspace(out)
    authors = [c.author_email.split("@")[0] for c in ws.log("main")]
    for role in ("pm", "architect", "qa", "engineer", "reviewer", "release"):
        assert role in authors
    assert "v0.1.0" in ws.tags() and ws.fsck()
    files = ws.files("main")
    for name in (
        "mathutil.py",
        "tests/test_mathutil.py",
        "README.md",
        "pyproject.toml",
        "CHANGELOG.md",
        ".macrohard/spec.json",
        ".macrohard/report.json",
    ):
        assert name in files
    # the release's wheel build leaves build/ and *.egg-info/ behind: never part of the product
    assert not [f for f in files if f.startswith(("build/", "dist/")) or ".egg-info/" in f]
    # the request spelled out its interface: the spec and design are read from it, no model
    spec = json.loads((out / ".macrohard/spec.json").read_text())
    assert spec["from_request"] and "pm" not in script.calls and "architect" not in script.calls
    assert spec["files"][0]["functions"][0]["signature"] == "def add(a: int, b: int) -> int"
    # the wrong test was judged wrong and dropped, not "fixed" into the code
    report = json.loads((out / ".macrohard/report.json").read_text())
    assert report["verdict"] == "shipped" and report["tokens"]["total"] > 0
    assert {g["gate"]: g["status"] for g in report["gates"]} == {
        g: "passed"
        for g in ("tests", "ruff", "bandit", "secrets", "dependencies", "licences", "audit")
    }
    assert report["deploy"]["ok"] is True
    assert "add_wrong_expectation" not in (out / "tests/test_mathutil.py").read_text()
    verified = next(c for c in ws.log("main") if c.subject.startswith("verify:"))
    assert "test_mathutil.py::test_add_wrong_expectation: checked by hand" in verified.body
    run = journal.get_run(outcome.run_id)
    assert run.status == "succeeded" and run.completion_tokens > 0
    assert all(p.status == "done" and p.commit_sha for p in journal.phases(run.id))


def test_an_open_request_is_planned_by_the_models(tmp_path: Path, journal: Journal) -> None:
    script = Script()
    out = tmp_path / "proj"
    outcome = company(script, journal).build(OPEN_REQUEST, out)
    assert outcome.verdict == "shipped", outcome.report
    assert script.calls[:2] == ["pm", "architect"]
    # the client's exact signatures survive the PM's paraphrase
    spec = json.loads((out / ".macrohard/spec.json").read_text())
    assert not spec["from_request"] and spec["files"][0]["path"] == "mathutil.py"
    assert spec["files"][0]["functions"][0]["signature"] == "def add(a: int, b: int) -> int"
    # the architect may not add a dependency the client never asked for
    assert json.loads((out / ".macrohard/design.json").read_text())["dependencies"] == []


def test_repair_round_fixes_the_code(tmp_path: Path, journal: Journal) -> None:
    script = Script(code=[BUGGY, GOOD])
    outcome = company(script, journal).build(REQUEST, tmp_path / "proj")
    assert outcome.verdict == "shipped"
    verify = next(p for p in journal.phases(outcome.run_id) if p.name == "verify")
    assert verify.output is not None and verify.output["rounds"] >= 1
    assert "mathutil.py" in verify.output["rewritten"]
    assert script.calls.count("judge") >= 1


def test_tests_are_judged_only_once_the_clients_examples_pass(
    tmp_path: Path, journal: Journal
) -> None:
    script = Script(code=[BUGGY, GOOD])
    request = REQUEST + "\n\n```python\n>>> from mathutil import mul\n>>> mul(2, 3)\n6\n```\n"
    outcome = company(script, journal).build(request, tmp_path / "proj")
    assert outcome.verdict == "shipped"
    # the buggy mul fails the client's example: a new candidate first, no judging yet
    first_judge = script.calls.index("judge")
    assert script.calls[:first_judge].count("engineer") == 2


def test_a_repeated_repair_quotes_the_request_and_hides_the_wrong_version(
    tmp_path: Path, journal: Journal
) -> None:
    """The first repair of the blamed `mul` edits it greedily, with the request's words about it
    beside the failure; when the same functions are blamed again, the model sees the file without
    their bodies (a small model copies back what it is shown) and samples."""
    script = Script(code=[BUGGY, BUGGY, BUGGY, GOOD])
    request = REQUEST + "\n\n```python\n>>> from mathutil import mul\n>>> mul(2, 3)\n6\n```\n"
    model = script.model()
    outcome = Company(model, journal=journal, sandbox=LocalSandbox()).build(request, tmp_path / "p")
    assert outcome.verdict == "shipped", outcome.report
    asks = [r for r in model.requests if "in one ```python block." in r.messages[-1]["content"]]
    first = next(r for r in asks if "the fault is in" in r.messages[-1]["content"].lower())
    again = next(r for r in asks if "in this file were wrong" in r.messages[-1]["content"])
    assert "`mul`" in first.messages[-1]["content"].split("What the request says")[1]
    assert "What the request says about them:\n" in first.messages[-1]["content"]
    assert "`mul(a: int, b: int) -> int`" in first.messages[-1]["content"]
    assert first.temperature == 0.0 and again.temperature == 0.7
    assert "return a + b\n\n\ndef mul" in first.messages[-2]["content"]  # the wrong version
    assert "def mul(a: int, b: int) -> int:\n    ...\n" in again.messages[-2]["content"]


MOSTLY_WRONG = """```python
from mathutil import add


def test_add():
    assert add(2, 3) == 5


def test_add_wrong_expectation():
    assert add(1, 1) == 3


def test_add_wrong_again():
    assert add(1, 1) == 3 and add(0, 0) == 0
```"""


@pytest.mark.parametrize(("examples", "verdict"), [(True, "shipped"), (False, "failed")])
def test_the_clients_examples_let_the_judge_drop_most_of_a_wrong_qa_file(
    tmp_path: Path, journal: Journal, examples: bool, verdict: str
) -> None:
    """Two of three QA tests are wrong. Vouched for by the client's passing example, the code
    ships with both dropped; without an example the judge may drop only half (one)."""
    request = REQUEST + ("\n\n```python\n>>> from mathutil import mul\n>>> mul(2, 3)\n6\n```\n")
    script = Script(tests=MOSTLY_WRONG)
    outcome = company(script, journal).build(request if examples else REQUEST, tmp_path / "p")
    assert outcome.verdict == verdict, outcome.report
    verify = next(p for p in journal.phases(outcome.run_id) if p.name == "verify")
    assert verify.output is not None
    assert len(verify.output["dropped_tests"]) == (2 if examples else 1)
    assert "def test_add():" in (tmp_path / "p/tests/test_mathutil.py").read_text()
    # the code comes before the test: a judgement after the first reads only its test
    first, second = (prompt.partition("Test:\n") for prompt in script.judged[:2])
    assert "Code:\n" in first[0] and first[0] == second[0] and first[2] != second[2]


def test_a_test_expecting_a_value_where_the_request_says_it_raises_is_dropped_unjudged(
    tmp_path: Path, journal: Journal
) -> None:
    """05-clamp of `bench solve`, in a build: the request says `div` raises ValueError when b is
    0, QA expected 0 there. The code raising it is no reason to blame the code, and no judge
    need be asked."""
    request = (
        "Please build a tiny math helper library. The file must be `mathutil.py` and offer "
        "`add(a: int, b: int) -> int` (the sum) and `div(a: int, b: int) -> float` (a / b; it "
        "raises ValueError when b is 0).\n\n```python\n>>> from mathutil import div\n"
        ">>> div(6, 3)\n2.0\n```\n"
    )
    tests = (
        "```python\nfrom mathutil import add, div\n\n\ndef test_add():\n    assert add(2, 3) == 5"
        "\n\n\ndef test_div():\n    assert div(8, 2) == 4\n\n\n"
        "def test_div_zero():\n    assert div(1, 0) == 0\n```"
    )
    code = (
        "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n\n\n"
        "def div(a: int, b: int) -> float:\n    if b == 0:\n"
        '        raise ValueError("b is 0")\n    return a / b\n```'
    )
    script = Script(code=[code], tests=tests)
    outcome = company(script, journal).build(request, tmp_path / "p")
    assert outcome.verdict == "shipped", outcome.report
    assert "judge" not in script.calls
    verify = next(p for p in journal.phases(outcome.run_id) if p.name == "verify")
    assert verify.output is not None
    assert verify.output["dropped_tests"] == ["tests/test_mathutil.py::test_div_zero"]


def test_the_reviewer_tidies_an_unused_variable(tmp_path: Path, journal: Journal) -> None:
    untidy = GOOD.replace(
        "return a * b",
        "product = a * b\n    unused = a - b\n    if product == None:\n        pass\n"
        "    return product",
    )
    out = tmp_path / "proj"
    outcome = company(Script(code=[untidy]), journal).build(REQUEST, out)
    assert outcome.verdict == "shipped", outcome.report
    code = (out / "mathutil.py").read_text()
    assert "unused" not in code and "return product" in code and "product is None" in code


def test_failing_gates_never_reach_main(tmp_path: Path, journal: Journal) -> None:
    script = Script(code=[BUGGY])
    out = tmp_path / "proj"
    outcome = company(script, journal).build(REQUEST, out)
    assert outcome.verdict == "failed"
    ws = Workspace(out)
    assert "mathutil.py" not in ws.files("main") and ws.tags() == []
    assert "mathutil.py" in ws.files(f"macrohard/{outcome.run_id}")
    assert journal.get_run(outcome.run_id).status == "failed"


def test_budget_stop_commits_what_it_has(tmp_path: Path, journal: Journal) -> None:
    script = Script()
    out = tmp_path / "proj"
    outcome = Company(script.model(), journal=journal, sandbox=LocalSandbox()).build(
        REQUEST, out, budget_tokens=400
    )
    assert outcome.verdict == "stopped"
    assert "token budget" in (outcome.report["stopped"] or "")
    assert outcome.report["unfinished"]
    ws = Workspace(out)
    assert ws.is_clean() and ws.fsck()
    assert journal.get_run(outcome.run_id).status == "stopped"


def test_malformed_spec_falls_back_to_the_requests_contract(
    tmp_path: Path, journal: Journal
) -> None:
    script = Script(spec="{this is not json")
    outcome = company(script, journal).build(LOOSE_REQUEST, tmp_path / "proj")
    assert outcome.verdict == "shipped"
    assert any("malformed Spec" in n or "no valid spec" in n for n in outcome.report["notes"])


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        ("", "empty"),
        ("x" * 20_001, "limit"),
        ("Write a script that runs rm -rf / on the host", "refused"),
    ],
)
def test_bad_requests_write_nothing(
    tmp_path: Path, journal: Journal, request_text: str, message: str
) -> None:
    out = tmp_path / "proj"
    with pytest.raises(UserError, match=message):
        company(Script(), journal).build(request_text, out)
    assert not out.exists() and journal.list_runs() == []


def test_a_call_is_cut_to_the_time_left_and_none_starts_after_it() -> None:
    """Measured pace 0.1 s/token: with 30 s left a call may write 300 tokens, not 1,000."""
    asked: list[int] = []

    def answer(request):  # type: ignore[no-untyped-def]
        asked.append(request.max_tokens)
        return "ok"

    budget = Budget(max_minutes=0.5)
    model = BudgetedModel(FunctionModel(answer), budget)
    model.usage = Usage(prompt_tokens=0, completion_tokens=1000, seconds=100.0)
    model.complete([user("hi")], max_tokens=1000)
    assert 250 <= asked[-1] <= 300
    budget.deadline = time.monotonic() + 1.0  # one second: not even 16 tokens fit
    with pytest.raises(BudgetExceeded):
        model.complete([user("hi")], max_tokens=1000)
