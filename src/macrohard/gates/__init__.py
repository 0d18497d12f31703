"""Verification gates: nothing is called done until they pass."""

from macrohard.gates.base import Finding, Gate, GateResult
from macrohard.gates.builtin import DEFAULT_GATES, BanditGate, RuffGate, TestsGate

__all__ = ["DEFAULT_GATES", "BanditGate", "Finding", "Gate", "GateResult", "RuffGate", "TestsGate"]
