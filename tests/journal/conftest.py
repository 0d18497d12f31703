"""A fresh journal in tmp_path and a run with the standard phases."""

from __future__ import annotations

from pathlib import Path

import pytest

from macrohard.journal import Journal, RunRecord

PHASES = [
    ("pm", "product manager"),
    ("architect", "architect"),
    ("qa", "qa engineer"),
    ("engineer", "engineer"),
    ("verify", "verifier"),
    ("review", "reviewer"),
    ("release", "release manager"),
]


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.db")


@pytest.fixture
def run(journal: Journal, tmp_path: Path) -> RunRecord:
    return journal.create_run(
        "a todo app", tmp_path / "out", "scripted", PHASES, {"budget_tokens": 1000}
    )
