"""Test defaults: real model requests are blocked unless a test opts in; a private journal."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ["MACROHARD_ALLOW_MODEL_REQUESTS"] = "0"
# the journal of the test session lives in a throwaway folder, never in the user's
os.environ["MACROHARD_HOME"] = tempfile.mkdtemp(prefix="mh-test-home-")


@pytest.fixture
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACROHARD_ALLOW_MODEL_REQUESTS", "1")
