"""Function-level code synthesis: a description in, a checked Python function out."""

from macrohard.synth.engine import Candidate, Engine, Solution
from macrohard.synth.extract import extract_code
from macrohard.synth.strategies import DEFAULT_STRATEGY, STRATEGIES, synthesize
from macrohard.synth.task import Task

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "Candidate",
    "Engine",
    "Solution",
    "Task",
    "extract_code",
    "synthesize",
]
