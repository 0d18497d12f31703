"""Dependencies on an allowlist, licences against a policy, and an honest vulnerability audit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from macrohard.gates import AuditGate, DependenciesGate, LicencesGate
from macrohard.gates.licences import LicencePolicy, decide, judge
from macrohard.sandbox import LocalSandbox

from .conftest import GOOD_CODE, GOOD_TESTS, Write, crashing_tool

PYPROJECT = '[project]\nname = "calc"\nversion = "0.1.0"\ndependencies = {deps}\n'


def test_standard_library_only_passes(write: Write, sandbox: LocalSandbox) -> None:
    project = write(
        {
            "calc.py": "from __future__ import annotations\nimport json, os.path\n" + GOOD_CODE,
            "pkg/__init__.py": "",
            "pkg/util.py": "from pkg import helpers\nfrom . import helpers as h\n",
            "pkg/helpers.py": "",
            "tests/test_calc.py": "import pytest\nimport helper\n" + GOOD_TESTS,
            "tests/helper.py": "",
            "pyproject.toml": PYPROJECT.format(deps="[]"),
        }
    )
    result = DependenciesGate().check(project, sandbox)
    assert result.status == "passed", result.findings
    assert result.summary == "standard library only"


def test_third_party_imports_and_declarations_fail_by_name(
    write: Write, sandbox: LocalSandbox
) -> None:
    project = write(
        {
            "calc.py": "import requests\nfrom yaml import safe_load\n" + GOOD_CODE,
            "pyproject.toml": PYPROJECT.format(deps='["requests>=2", "numpy==1.26.4"]'),
            "requirements-dev.txt": "# tools\nblack==24.1.0  # formatter\n--index-url https://x\n",
        }
    )
    result = DependenciesGate().check(project, sandbox)
    assert result.status == "failed"
    assert result.summary == "not allowed: black, numpy, requests, yaml"
    assert ("calc.py", 1) in {(f.path, f.line) for f in result.findings}
    allowed = DependenciesGate(allow=["requests", "numpy", "black", "PyYAML"])
    assert allowed.check(project, sandbox).status == "passed"


def test_test_only_dependencies_and_optional_imports(write: Write, sandbox: LocalSandbox) -> None:
    guarded = (
        "from typing import TYPE_CHECKING\n"
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
        "if TYPE_CHECKING:\n    from _typeshed import StrPath\n"
    )
    project = write({"calc.py": guarded + GOOD_CODE, "tests/test_calc.py": "import hypothesis\n"})
    result = DependenciesGate().check(project, sandbox)
    assert result.summary == "not allowed: hypothesis"
    assert DependenciesGate(test_allow=["pytest", "hypothesis"]).check(project, sandbox).passed
    # pytest is for tests only: the shipped code may not import it
    shipped = write({"calc.py": "import pytest\n"}, name="shipped")
    assert DependenciesGate().check(shipped, sandbox).summary == "not allowed: pytest"


def test_requirements_that_cannot_be_read_fail(write: Write, sandbox: LocalSandbox) -> None:
    project = write(
        {"calc.py": GOOD_CODE, "requirements.txt": "-e git+https://example.com/x.git#egg=x\n"}
    )
    result = DependenciesGate().check(project, sandbox)
    assert result.status == "failed" and "cannot tell the package" in result.findings[0].message


# -- licences ----------------------------------------------------------------------------------

PIP_LICENSES_JSON = [
    {"Name": "requests", "Version": "2.31.0", "License": "Apache Software License"},
    {"Name": "certifi", "Version": "2024.2.2", "License": "Mozilla Public License 2.0 (MPL 2.0)"},
    {"Name": "gplthing", "Version": "1.0", "License": "GNU General Public License v3 (GPLv3)"},
    {
        "Name": "lgplthing",
        "Version": "1.0",
        "License": "GNU Lesser General Public License v2 or later (LGPLv2+)",
    },
    {"Name": "dual", "Version": "1.0", "License": "GPL-3.0-only OR MIT"},
    {"Name": "both", "Version": "1.0", "License": "MIT AND GPL-2.0-or-later"},
    {"Name": "classifiers", "Version": "1.0", "License": "Apache Software License; BSD License"},
    {"Name": "mystery", "Version": "1.0", "License": "UNKNOWN"},
    {"Name": "psf", "Version": "1.0", "License": "Python Software Foundation License"},
    {"Name": "isc", "Version": "1.0", "License": "ISC License (ISCL)"},
    {"Name": "agpl", "Version": "1.0", "License": "AGPL-3.0-or-later"},
]


def test_licence_decisions_on_pip_licenses_json() -> None:
    rows = [*PIP_LICENSES_JSON, {"Name": "np", "License": "BSD-3-Clause AND 0BSD AND Zlib"}]
    verdicts = {v.name: v.decision for v in judge(rows, LicencePolicy())}
    assert verdicts == {
        "requests": "allowed",
        "certifi": "allowed",
        "gplthing": "denied",
        "lgplthing": "denied",
        "dual": "allowed",  # one allowed alternative is enough
        "both": "denied",  # every part must be allowed
        "classifiers": "allowed",
        "mystery": "unknown",
        "psf": "allowed",
        "isc": "allowed",
        "agpl": "denied",
        "np": "allowed",
    }
    copyleft_ok = LicencePolicy(allow=frozenset({"mit", "gpl"}), deny=frozenset({"agpl"}))
    assert decide("GNU General Public License v3 (GPLv3)", copyleft_ok) == "allowed"
    assert decide("MPL-2.0", copyleft_ok) == "unknown"


def test_licences_without_an_environment_or_dependencies_pass(
    write: Write, sandbox: LocalSandbox
) -> None:
    result = LicencesGate().check(write({"calc.py": GOOD_CODE}), sandbox)
    assert result.status == "passed" and result.summary == "no third-party packages"


def test_declared_dependencies_without_a_built_environment_are_an_error(
    write: Write, sandbox: LocalSandbox
) -> None:
    project = write({"calc.py": GOOD_CODE, "requirements.txt": "requests==2.31.0\n"})
    result = LicencesGate().check(project, sandbox)
    assert result.status == "error" and "requests" in result.summary


def test_licences_of_an_empty_built_environment(
    write: Write, sandbox: LocalSandbox, tmp_path: Path
) -> None:
    project = write({"calc.py": GOOD_CODE, "pyproject.toml": PYPROJECT.format(deps="[]")})
    venv = project / ".macrohard/tmp/venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    result = LicencesGate().check(project, sandbox)  # finds the deploy venv by itself
    assert result.status == "passed", result
    assert result.summary == "no third-party packages"
    assert result.details["environment"].endswith(".macrohard/tmp/venv/bin/python")


def test_licences_of_this_interpreter_are_judged(write: Write, sandbox: LocalSandbox) -> None:
    result = LicencesGate(python=sys.executable).check(write({"calc.py": GOOD_CODE}), sandbox)
    assert result.status in ("passed", "failed"), result
    packages = result.details["packages"]
    assert {"pytest", "pydantic"} <= {p["Name"].lower() for p in packages}
    assert result.summary.startswith(f"{len(packages)} package(s)")


def test_licence_tool_missing_or_crashing_is_an_error(write: Write, sandbox: LocalSandbox) -> None:
    project = write({"calc.py": GOOD_CODE})
    gone = LicencesGate(python=sys.executable, command=["/nonexistent/pip-licenses"])
    result = gone.check(project, sandbox)
    assert result.status == "error" and "pip install pip-licenses" in result.summary
    broken = LicencesGate(python=sys.executable, command=crashing_tool(0))
    assert broken.check(project, sandbox).status == "error"
    nowhere = LicencesGate(python="/nonexistent/python").check(project, sandbox)
    assert nowhere.status == "error" and "pip-licenses failed" in nowhere.summary


# -- audit ---------------------------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No way to a vulnerability database, whatever this machine's network allows."""
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)


def test_nothing_to_audit_without_dependencies(write: Write, sandbox: LocalSandbox) -> None:
    result = AuditGate().check(write({"calc.py": GOOD_CODE}), sandbox)
    assert result.status == "passed" and result.summary.startswith("nothing to audit")


def test_audit_offline_is_skipped_not_audited_never_passed(
    write: Write, sandbox: LocalSandbox, offline: None
) -> None:
    project = write({"calc.py": GOOD_CODE, "requirements.txt": "requests==2.31.0\n"})
    result = AuditGate().check(project, sandbox)
    assert result.status == "skipped", result
    assert result.summary.startswith("not audited: ")
    assert result.details["audited"] is False
    assert result.trailer().startswith("Gate-audit: skipped (not audited: ")


def test_audit_as_this_machine_sees_it_is_never_a_silent_pass(
    write: Write, sandbox: LocalSandbox
) -> None:
    project = write({"calc.py": GOOD_CODE, "requirements.txt": "requests==2.31.0\n"})
    result = AuditGate().check(project, sandbox)
    # offline: not audited; online: requests 2.31.0 has known vulnerabilities
    assert result.status in ("skipped", "failed"), result
    assert result.details["audited"] is (result.status == "failed")


def test_unpinned_requirements_are_not_audited(write: Write, sandbox: LocalSandbox) -> None:
    project = write({"calc.py": GOOD_CODE, "pyproject.toml": PYPROJECT.format(deps='["requests"]')})
    result = AuditGate().check(project, sandbox)
    assert result.status == "skipped"
    assert result.summary == "not audited: unpinned requirements: requests"


def test_audit_tool_missing_or_crashing_is_an_error(write: Write, sandbox: LocalSandbox) -> None:
    project = write({"calc.py": GOOD_CODE, "requirements.txt": "requests==2.31.0\n"})
    gone = AuditGate(command=["/nonexistent/pip-audit"]).check(project, sandbox)
    assert gone.status == "error" and "pip install pip-audit" in gone.summary
    crashed = AuditGate(command=crashing_tool()).check(project, sandbox)
    assert crashed.status == "error" and "boom" in crashed.summary
