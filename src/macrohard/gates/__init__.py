"""Verification gates: nothing is called done until they pass."""

from macrohard.gates.base import Advisory, Finding, Gate, GateResult, gate_trailers
from macrohard.gates.builtin import (
    DEFAULT_GATES,
    AuditGate,
    BanditGate,
    DependenciesGate,
    LicencesGate,
    MypyGate,
    RuffGate,
    SecretsGate,
    TestsGate,
)
from macrohard.gates.policy import Policy, gates_for, load_policy

__all__ = [
    "DEFAULT_GATES",
    "Advisory",
    "AuditGate",
    "BanditGate",
    "DependenciesGate",
    "Finding",
    "Gate",
    "GateResult",
    "LicencesGate",
    "MypyGate",
    "Policy",
    "RuffGate",
    "SecretsGate",
    "TestsGate",
    "gate_trailers",
    "gates_for",
    "load_policy",
]
