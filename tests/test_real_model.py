"""One real model in the loop: the 0.5B pack, end to end through the CLI (about a minute)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from macrohard.errors import ModelPackError
from macrohard.models.packs import resolve_pack

pytestmark = pytest.mark.model


def _installed() -> bool:
    try:
        from macrohard.models.packs import _part_files

        _part_files(resolve_pack("small"))
        import llama_cpp  # noqa: F401
    except (ModelPackError, ImportError):
        return False
    return True


@pytest.mark.skipif(
    not _installed() and not os.environ.get("CI"),
    reason="the 0.5B pack or llama-cpp-python is not installed (make setup installs both)",
)
def test_synth_with_the_embedded_small_model(allow_model_requests: None) -> None:
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "macrohard.cli",
            "synth",
            "Return the sum of the squares of the numbers in a list",
            "-e",
            "sum_of_squares([1, 2, 3]) == 14",
            "-e",
            "sum_of_squares([]) == 0",
            "-m",
            "embedded:small",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "MACROHARD_ALLOW_MODEL_REQUESTS": "1"},
    )
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["verified"] is True
    assert "def sum_of_squares" in summary["code"]
    assert summary["completion_tokens"] > 0
