"""Test defaults: real model requests are blocked unless a test opts in; a private journal; the
tally of attacks on the sandbox.

Every test marked `attack` counts as contained when all its phases pass and as escaped when any
fails; the summary line is `attacks: N contained, M escaped`. The hooks live here, in the root
conftest, because under pytest-xdist (`make test` runs two workers) only the controller prints
the summary, and it loads no conftest below this one.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

os.environ["MACROHARD_ALLOW_MODEL_REQUESTS"] = "0"
# the journal of the test session lives in a throwaway folder, never in the user's
os.environ["MACROHARD_HOME"] = _HOME = tempfile.mkdtemp(prefix="mh-test-home-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)  # and goes with the session


@pytest.fixture
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACROHARD_ALLOW_MODEL_REQUESTS", "1")


_ATTACKS: dict[str, bool] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "attack: an attack on the bubblewrap sandbox")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "attack" not in report.keywords:
        return
    if report.failed:
        _ATTACKS[report.nodeid] = False
    elif report.when == "call" and report.passed:
        _ATTACKS.setdefault(report.nodeid, True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _ATTACKS:
        return
    escaped = sum(1 for ok in _ATTACKS.values() if not ok)
    line = f"attacks: {len(_ATTACKS) - escaped} contained, {escaped} escaped"
    terminalreporter.write_line(line, red=bool(escaped), green=not escaped, bold=True)
