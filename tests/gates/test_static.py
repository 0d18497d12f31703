"""ruff, bandit, mypy and the secret scanner on small real projects; broken tools are errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from macrohard.gates import BanditGate, MypyGate, RuffGate, SecretsGate
from macrohard.sandbox import LocalSandbox

from .conftest import GOOD_CODE, GOOD_TESTS, Write, crashing_tool

SHELL = "import subprocess\n\n\ndef run(cmd: str) -> None:\n    subprocess.call(cmd, shell=True)\n"
KEY = "sk-ant-" + "api03-" + "Zq8vR2mXk4LpT7nW1sYb9cDfGh3JuEo6"


def test_ruff_passes_clean_code_and_fails_lint(write: Write, sandbox: LocalSandbox) -> None:
    project = write({"calc.py": GOOD_CODE})
    assert RuffGate().check(project, sandbox).status == "passed"
    (project / "bad.py").write_text("import os\n")
    result = RuffGate().check(project, sandbox)
    assert result.status == "failed"
    assert result.findings[0].path == "bad.py" and "F401" in result.findings[0].message


def test_ruff_gates_on_correctness_rules_whatever_the_project_config(
    write: Write, sandbox: LocalSandbox
) -> None:
    # newer ruff enables taste rules by default (TRY004 here); the gate checks correctness
    taste = "def f(x):\n    if not isinstance(x, int):\n        raise ValueError(x)\n    return x\n"
    project = write({"calc.py": taste})
    assert RuffGate().check(project, sandbox).status == "passed"
    # and a generated project cannot switch the gate's rules off with its own config
    (project / "ruff.toml").write_text('[lint]\nignore = ["F"]\n')
    (project / "bad.py").write_text("print(undefined_name)\n")
    result = RuffGate().check(project, sandbox)
    assert result.status == "failed" and "F821" in result.findings[0].message


def test_bandit_fails_at_the_policy_severity(write: Write, sandbox: LocalSandbox) -> None:
    project = write({"runner.py": SHELL})
    high = BanditGate().check(project, sandbox)
    assert high.status == "failed" and any(f.severity == "high" for f in high.findings)
    clean = write({"runner.py": GOOD_CODE + "import subprocess\n"})
    assert BanditGate(severity="medium").check(clean, sandbox).status == "passed"
    assert BanditGate(severity="low").check(clean, sandbox).status == "failed"  # B404 is low


def test_mypy_finds_type_errors_and_ignores_project_plugins(
    write: Write, sandbox: LocalSandbox
) -> None:
    project = write({"calc.py": GOOD_CODE, "tests/test_calc.py": GOOD_TESTS})
    assert MypyGate().check(project, sandbox).status == "passed"
    # a project's mypy config could load a plugin, i.e. run code on the host: it is not read
    (project / "mypy.ini").write_text("[mypy]\nplugins = evil\n")
    (project / "evil.py").write_text("open('PWNED', 'w').close()\n")
    (project / "calc.py").write_text("def add(a: int, b: int) -> str:\n    return a + b\n")
    result = MypyGate().check(project, sandbox)
    assert result.status == "failed", result
    assert result.findings[0].path == "calc.py" and result.findings[0].line == 2
    assert not (project / "PWNED").exists()


@pytest.mark.parametrize(
    "gate",
    [
        RuffGate(command=["/nonexistent/ruff"]),
        BanditGate(command=["/nonexistent/bandit"]),
        MypyGate(command=["/nonexistent/mypy"]),
    ],
    ids=["ruff", "bandit", "mypy"],
)
def test_a_missing_tool_is_an_error(
    gate: RuffGate | BanditGate | MypyGate, write: Write, sandbox: LocalSandbox
) -> None:
    result = gate.check(write({"calc.py": GOOD_CODE}), sandbox)
    assert result.status == "error" and not result.passed
    assert "is not installed" in result.summary and "pip install" in result.summary


@pytest.mark.parametrize(
    "gate",
    [
        RuffGate(command=crashing_tool()),
        BanditGate(command=crashing_tool()),
        MypyGate(command=crashing_tool()),
        RuffGate(command=crashing_tool(0)),  # exit 0 but no report: still not a pass
        MypyGate(command=crashing_tool(1)),  # "errors" without any error line
    ],
    ids=["ruff", "bandit", "mypy", "ruff-silent", "mypy-silent"],
)
def test_a_crashing_tool_is_an_error(
    gate: RuffGate | BanditGate | MypyGate, write: Write, sandbox: LocalSandbox
) -> None:
    result = gate.check(write({"calc.py": GOOD_CODE}), sandbox)
    assert result.status == "error", result
    assert "failed" in result.summary and "boom" in result.summary


def test_a_hanging_tool_is_an_error(write: Write, sandbox: LocalSandbox) -> None:
    import sys

    gate = RuffGate(command=[sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)
    result = gate.check(write({"calc.py": GOOD_CODE}), sandbox)
    assert result.status == "error" and "timed out" in result.summary


def test_secrets_are_found_with_their_place_and_redacted(
    write: Write, sandbox: LocalSandbox
) -> None:
    project = write({"calc.py": GOOD_CODE, "config.py": f'\n\nAPI_KEY = "{KEY}"\n'})
    result = SecretsGate().check(project, sandbox)
    assert result.status == "failed"
    (finding,) = result.findings
    assert (finding.path, finding.line) == ("config.py", 3)
    assert KEY not in finding.message and "anthropic-key" in finding.message


def test_secrets_skip_vcs_venvs_scratch_binaries_big_files_and_symlinks(
    write: Write, sandbox: LocalSandbox, tmp_path: Path
) -> None:
    line = f'token = "{KEY}"\n'
    outside = tmp_path / "host-secret.txt"
    outside.write_text(line)
    project = write(
        {
            "calc.py": GOOD_CODE,
            ".git/config": line,
            ".venv/lib/site.py": line,
            "env2/pyvenv.cfg": "home = /usr/bin\n",
            "env2/lib/x.py": line,
            ".macrohard/tmp/junit.xml": line,
            "big.txt": line + "x" * 1_100_000,
        }
    )
    (project / "blob.bin").write_bytes(b"\0\1\2" + line.encode())
    os.symlink(outside, project / "link.txt")
    result = SecretsGate().check(project, sandbox)
    assert result.status == "passed", result.findings
    assert result.details["skipped"] == ["big.txt (over 1 MB)"]
    assert result.details["scanned"] == 1
