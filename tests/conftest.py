"""Test defaults: real model requests are blocked unless a test opts in; a private journal."""

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
