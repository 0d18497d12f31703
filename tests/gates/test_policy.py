"""macrohard.toml [gates]: defaults, every key, and a clear error naming a bad key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from macrohard.errors import UserError
from macrohard.gates import (
    DEFAULT_GATES,
    Advisory,
    BanditGate,
    DependenciesGate,
    TestsGate,
    gates_for,
    load_policy,
)
from macrohard.gates.policy import Policy

from .conftest import Write


def names(gates: tuple[object, ...]) -> list[str]:
    return [g.name for g in gates]  # type: ignore[attr-defined]


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_policy(tmp_path) == Policy()
    gates = gates_for(tmp_path)
    assert names(gates) == [
        "tests",
        "ruff",
        "bandit",
        "secrets",
        "dependencies",
        "licences",
        "audit",
    ]
    assert names(gates) == names(DEFAULT_GATES)
    assert not any(isinstance(g, Advisory) for g in gates)
    tests = gates[0]
    assert isinstance(tests, TestsGate) and tests.coverage and tests.coverage_min == 0


def test_every_key(write: Write) -> None:
    project = write(
        {
            "macrohard.toml": """
[workflow]
ignored = "other tables belong to others"

[gates]
enabled = ["tests", "ruff", "bandit", "dependencies", "mypy"]
required = ["tests", "bandit"]
coverage_min = 80
bandit_severity = "medium"
dependencies = ["requests"]
test_dependencies = ["pytest", "hypothesis"]
licences_allow = ["MIT", "GPL-3.0"]
licences_deny = ["AGPL"]
unknown_licences = "warn"
"""
        }
    )
    policy = load_policy(project)
    assert policy.coverage_min == 80 and policy.bandit_severity == "medium"
    assert policy.licences.allow == {"mit", "gpl"} and policy.licences.unknown == "warn"
    gates = gates_for(project)
    assert names(gates) == ["tests", "ruff", "bandit", "dependencies", "mypy"]
    advisory = [g.name for g in gates if isinstance(g, Advisory)]
    assert advisory == ["ruff", "dependencies", "mypy"]
    bandit, deps = gates[2], gates[3]
    assert isinstance(bandit, BanditGate) and bandit.severity == "medium"
    assert isinstance(deps, Advisory) and isinstance(deps.gate, DependenciesGate)
    assert deps.gate.allow == {"requests"}


def test_shorthands(write: Write) -> None:
    project = write({"macrohard.toml": "[gates]\nmypy = true\naudit = false\n"})
    assert "mypy" in names(gates_for(project)) and "audit" not in names(gates_for(project))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[gates]\ncoverage = 80\n", "unknown key gates.coverage"),
        ("[gates]\ncoverage_min = '80'\n", "gates.coverage_min must be a number"),
        ("[gates]\ncoverage_min = true\n", "gates.coverage_min must be a number"),
        ("[gates]\ncoverage_min = 120\n", "between 0 and 100"),
        ("[gates]\nbandit_severity = 'critical'\n", "gates.bandit_severity"),
        ("[gates]\nenabled = ['tests', 'pylint']\n", "gates.enabled: unknown gate 'pylint'"),
        ("[gates]\nenabled = 'tests'\n", "gates.enabled must be a list"),
        ("[gates]\nrequired = ['mypy']\n", "gates.required names 'mypy', which is not enabled"),
        ("[gates]\nenabled = ['tests']\nmypy = true\n", "gates.mypy = true contradicts"),
        ("[gates]\nmypy = 'yes'\n", "gates.mypy must be true or false"),
        ("[gates]\ndependencies = [1]\n", "gates.dependencies must be a list"),
        ("[gates]\nlicences_allow = ['WTFPL-ish']\n", "gates.licences_allow: unknown licence"),
        ("[gates]\nlicences_allow = ['GPL']\n", "both name: gpl"),
        ("[gates]\nunknown_licences = 'ignore'\n", "gates.unknown_licences"),
        ("gates = 3\n", "must be a table"),
        ("[gates\n", "cannot be read"),
    ],
)
def test_bad_policies_name_the_key(write: Write, text: str, message: str) -> None:
    project = write({"macrohard.toml": text})
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        gates_for(project)


def test_a_symlinked_policy_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.toml").write_text("[gates]\n")
    os.symlink(tmp_path / "elsewhere.toml", tmp_path / "macrohard.toml")
    with pytest.raises(UserError, match="symlink"):
        load_policy(tmp_path)
