"""examples/plugin, installed by pip: discovered, chosen by a policy, finding real TODOs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from macrohard import plugins
from macrohard.company import Company
from macrohard.gates import gates_for, load_policy
from macrohard.gates.base import run_gates
from macrohard.journal import Journal
from macrohard.sandbox import LocalSandbox
from tests.company.scripted_company import GOOD, REQUEST
from tests.company.scripted_company import Company as Script

CODE = '''"""Money helpers."""


def cents(amount: float) -> int:
    # TODO: round half to even?
    return int(amount * 100)


def label(amount: float) -> str:
    return "TODO is only a word inside a string"  # and this comment is clean


def euros(cents: int) -> float:
    return cents / 100  # FIXME negative amounts
'''


@pytest.fixture
def installed(example_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(example_site))
    plugins.registry().refresh()
    yield example_site
    sys.modules.pop("macrohard_example_gate", None)
    monkeypatch.undo()
    plugins.registry().refresh()


def project(root: Path, policy: str, code: str = CODE) -> Path:
    root.mkdir()
    (root / "money.py").write_text(code)
    (root / "macrohard.toml").write_text(policy)
    return root


def test_pip_installed_gate_is_discovered_with_its_distribution(installed: Path) -> None:
    assert plugins.names("gates")[-1] == "todo"
    record = next(p for p in plugins.registry().plugins("gates") if p.name == "todo")
    assert record.state == "loaded" and not record.builtin
    assert record.dist == "macrohard-example-gate 0.1.0"
    assert record.target == "macrohard_example_gate:todo_gate"
    assert sys.modules["macrohard_example_gate"].__file__.startswith(str(installed))


def test_policy_selects_it_and_it_reports_real_findings(installed: Path, tmp_path: Path) -> None:
    proj = project(tmp_path / "money", '[gates]\nenabled = ["secrets", "todo"]\n')
    gates = gates_for(proj)
    assert [g.name for g in gates] == ["secrets", "todo"]
    secrets, todo = run_gates(gates, proj, LocalSandbox())
    assert secrets.status == "passed"
    assert todo.status == "failed" and todo.blocks
    assert [(f.path, f.line) for f in todo.findings] == [("money.py", 5), ("money.py", 14)]
    assert todo.findings[0].message == "TODO left in the code: TODO: round half to even?"
    assert todo.summary == "2 TODO/FIXME/XXX comment(s) in 1 file(s)"

    clean = project(
        tmp_path / "clean",
        '[gates]\nenabled = ["todo"]\n',
        code=CODE.replace("# TODO: round half to even?\n    ", "").replace(
            "  # FIXME negative amounts", ""
        ),
    )
    (result,) = run_gates(gates_for(clean), clean, LocalSandbox())
    assert (result.status, result.findings) == ("passed", ())


def test_its_settings_and_advisory_mode_come_from_the_policy(
    installed: Path, tmp_path: Path
) -> None:
    proj = project(
        tmp_path / "money",
        '[gates]\nenabled = ["ruff", "todo"]\nrequired = ["ruff"]\n\n'
        '[gates.todo]\nmarkers = ["FIXME"]\n',
    )
    assert load_policy(proj).settings_of("todo") == {"markers": ["FIXME"]}
    (todo,) = run_gates(gates_for(proj)[1:], proj, LocalSandbox())
    assert [f.line for f in todo.findings] == [14]
    assert todo.status == "failed" and not todo.required and not todo.blocks  # advisory


def test_a_build_whose_policy_enables_it_does_not_ship_todos(
    installed: Path, tmp_path: Path
) -> None:
    from macrohard.gates.policy import Policy

    sloppy = GOOD.replace("return a * b", "return a * b  # TODO: overflow")
    script = Script(code=[sloppy])
    gates = Policy(enabled=("tests", "todo"), required=("tests", "todo")).gates()
    company = Company(
        script.model(),
        journal=Journal(tmp_path / "journal.db"),
        sandbox=LocalSandbox(),
        gates=gates,
    )
    outcome = company.build(REQUEST, tmp_path / "proj")
    assert outcome.verdict == "failed"
    verdicts = {g["gate"]: g["status"] for g in outcome.report["gates"]}
    assert verdicts == {"tests": "passed", "todo": "failed"}
    todo = next(g for g in outcome.report["gates"] if g["gate"] == "todo")
    assert todo["findings"][0]["path"] == "mathutil.py"


def test_cli_lists_it(example_site: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(example_site), "MACROHARD_HOME": str(tmp_path)}
    res = subprocess.run(
        [sys.executable, "-m", "macrohard.cli", "plugins", "--kind", "gates", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    todo = next(p for p in json.loads(res.stdout) if p["name"] == "todo")
    assert (todo["state"], todo["dist"]) == ("loaded", "macrohard-example-gate 0.1.0")
