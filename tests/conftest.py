"""Test defaults: real model requests are blocked unless a test opts in."""

from __future__ import annotations

import os

import pytest

os.environ["MACROHARD_ALLOW_MODEL_REQUESTS"] = "0"


@pytest.fixture
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACROHARD_ALLOW_MODEL_REQUESTS", "1")
