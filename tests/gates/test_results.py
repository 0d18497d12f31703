"""Results as reports and commit trailers: advisory gates, crashing gates, one-line trailers."""

from __future__ import annotations

from pathlib import Path

from macrohard.gates import Advisory, Finding, GateResult, RuffGate, gate_trailers
from macrohard.gates.base import run_gates
from macrohard.sandbox import LocalSandbox, Sandbox

from .conftest import Write, crashing_tool


class Explodes:
    name = "explodes"

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        raise RuntimeError("a bug in a gate")


def test_trailers_are_one_line_and_short() -> None:
    result = GateResult("audit", "skipped", "not audited: " + "no database\n" * 40)
    key, value = result.trailer().split(": ", 1)
    assert key == "Gate-audit" and "\n" not in value and len(value) < 200
    assert value.startswith("skipped (not audited: no database no database")
    assert gate_trailers([result]) == gate_trailers([result.to_dict()]) == {key: value}


def test_advisory_gates_report_but_never_block(write: Write, sandbox: LocalSandbox) -> None:
    project = write({"calc.py": "x = 1\n"})
    (result,) = run_gates([Advisory(RuffGate(command=crashing_tool()))], project, sandbox)
    assert result.status == "error" and not result.passed
    assert not result.required and not result.blocks
    assert result.trailer().endswith(" advisory")
    assert GateResult("ruff", "failed", "1 finding(s)", (Finding("F401"),)).blocks


def test_a_gate_that_raises_is_an_error_and_the_others_still_run(
    write: Write, sandbox: LocalSandbox
) -> None:
    project = write({"calc.py": "x = 1\n"})
    results = run_gates([Explodes(), RuffGate()], project, sandbox)
    assert [r.status for r in results] == ["error", "passed"]
    assert "RuntimeError: a bug in a gate" in results[0].summary
