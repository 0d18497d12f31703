"""The gate policy of a project: the `[gates]` table of `macrohard.toml` in its root.

    [gates]
    enabled = ["tests", "ruff", "bandit", "secrets", "dependencies", "licences", "audit"]
    required = ["tests", "ruff", "bandit", "secrets"]   # default: every enabled gate
    coverage_min = 0                # percent; 0 = measured and reported only
    bandit_severity = "high"        # fail at or above: low | medium | high
    dependencies = []               # allowlist (distribution or import names); [] = stdlib only
    test_dependencies = ["pytest"]  # extra names test files may import
    licences_allow = ["MIT", "BSD", "Apache-2.0", "ISC", "PSF", "MPL-2.0"]
    licences_deny = ["GPL", "LGPL", "AGPL"]
    unknown_licences = "fail"       # or "warn"
    mypy = false                    # shorthand: add mypy to `enabled`
    audit = true                    # shorthand: false drops audit from `enabled`

A gate not in `required` is advisory: reported, never blocking. No file: these defaults.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from macrohard.errors import UserError
from macrohard.gates.base import Advisory, Gate
from macrohard.gates.licences import DEFAULT_ALLOW, DEFAULT_DENY, FAMILIES, LicencePolicy, family
from macrohard.gates.static import SEVERITIES, BanditGate, MypyGate, RuffGate, SecretsGate
from macrohard.gates.supply import AuditGate, DependenciesGate, LicencesGate
from macrohard.gates.tests import TestsGate

POLICY_FILE = "macrohard.toml"
GATE_NAMES = ("tests", "ruff", "bandit", "secrets", "dependencies", "licences", "mypy", "audit")
DEFAULT_ENABLED = tuple(n for n in GATE_NAMES if n != "mypy")


@dataclass(frozen=True)
class Policy:
    enabled: tuple[str, ...] = DEFAULT_ENABLED
    required: tuple[str, ...] = DEFAULT_ENABLED
    coverage_min: float = 0.0
    bandit_severity: str = "high"
    dependencies: tuple[str, ...] = ()
    test_dependencies: tuple[str, ...] = ("pytest",)
    licences: LicencePolicy = field(default_factory=LicencePolicy)

    def gates(self) -> tuple[Gate, ...]:
        """The configured gates in their canonical order; advisory ones wrapped."""
        make: dict[str, Callable[[], Gate]] = {
            "tests": lambda: TestsGate(coverage=True, coverage_min=self.coverage_min),
            "ruff": RuffGate,
            "bandit": lambda: BanditGate(severity=self.bandit_severity),
            "secrets": SecretsGate,
            "dependencies": lambda: DependenciesGate(self.dependencies, self.test_dependencies),
            "licences": lambda: LicencesGate(self.licences),
            "mypy": MypyGate,
            "audit": AuditGate,
        }
        built = [make[n]() for n in GATE_NAMES if n in self.enabled]
        return tuple(g if g.name in self.required else Advisory(g) for g in built)


def load_policy(project: Path) -> Policy:
    """The policy in `project/macrohard.toml`; the defaults when there is none."""
    path = project / POLICY_FILE
    if path.is_symlink():
        raise UserError(f"{path} is a symlink; the gate policy must be a regular file")
    if not path.exists():
        return Policy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path} cannot be read: {exc}") from exc
    table = data.get("gates", {})
    if not isinstance(table, dict):
        raise UserError(f"{path}: `gates` must be a table ([gates])")
    return parse_policy(table)


def gates_for(project: Path) -> tuple[Gate, ...]:
    """The gates `project`'s policy asks for (the defaults without a macrohard.toml)."""
    return load_policy(project).gates()


KEYS = (
    "enabled",
    "required",
    "coverage_min",
    "bandit_severity",
    "dependencies",
    "test_dependencies",
    "licences_allow",
    "licences_deny",
    "unknown_licences",
    "mypy",
    "audit",
)


def parse_policy(table: dict[str, Any]) -> Policy:
    """A Policy from a `[gates]` table; a UserError names the first bad key."""
    for key in table:
        if key not in KEYS:
            raise UserError(f"unknown key gates.{key} in {POLICY_FILE} (known: {', '.join(KEYS)})")
    chosen = set(_names(table, "enabled", DEFAULT_ENABLED))
    for shorthand in ("mypy", "audit"):
        if shorthand not in table:
            continue
        on = table[shorthand]
        if not isinstance(on, bool):
            raise UserError(f"gates.{shorthand} must be true or false, not {on!r}")
        if "enabled" in table and on != (shorthand in chosen):
            raise UserError(f"gates.{shorthand} = {str(on).lower()} contradicts gates.enabled")
        (chosen.add if on else chosen.discard)(shorthand)
    enabled = tuple(n for n in GATE_NAMES if n in chosen)
    required = _names(table, "required", enabled)
    for name in required:
        if name not in enabled:
            raise UserError(f"gates.required names {name!r}, which is not enabled")
    coverage = table.get("coverage_min", 0)
    if isinstance(coverage, bool) or not isinstance(coverage, int | float):
        raise UserError(f"gates.coverage_min must be a number of percent, not {coverage!r}")
    if not 0 <= coverage <= 100:
        raise UserError(f"gates.coverage_min must be between 0 and 100, not {coverage}")
    severity = table.get("bandit_severity", "high")
    if severity not in SEVERITIES:
        raise UserError(f"gates.bandit_severity must be one of {SEVERITIES}, not {severity!r}")
    unknown = table.get("unknown_licences", "fail")
    if unknown not in ("fail", "warn"):
        raise UserError(f"gates.unknown_licences must be 'fail' or 'warn', not {unknown!r}")
    licences = LicencePolicy(
        frozenset(_families(table, "licences_allow", DEFAULT_ALLOW)),
        frozenset(_families(table, "licences_deny", DEFAULT_DENY)),
        unknown,
    )
    if licences.allow & licences.deny:
        both = ", ".join(sorted(licences.allow & licences.deny))
        raise UserError(f"gates.licences_allow and gates.licences_deny both name: {both}")
    return Policy(
        enabled=enabled,
        required=tuple(n for n in GATE_NAMES if n in required),
        coverage_min=float(coverage),
        bandit_severity=severity,
        dependencies=_strings(table, "dependencies", ()),
        test_dependencies=_strings(table, "test_dependencies", ("pytest",)),
        licences=licences,
    )


def _strings(table: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"gates.{key} must be a list of non-empty strings, not {value!r}")
    return tuple(value)


def _names(table: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    names = _strings(table, key, default)
    for name in names:
        if name not in GATE_NAMES:
            raise UserError(f"gates.{key}: unknown gate {name!r} (gates: {', '.join(GATE_NAMES)})")
    return names


def _families(table: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if key not in table:
        return default
    out = []
    for text in _strings(table, key, default):
        name = family(text)
        if name is None:
            known = ", ".join(n for n, _ in FAMILIES)
            raise UserError(f"gates.{key}: unknown licence {text!r} (families: {known})")
        out.append(name)
    return tuple(out)
