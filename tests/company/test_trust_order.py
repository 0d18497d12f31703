"""Repairs work from the client's examples while any fail: a model-written test is wrong often
enough (4 of 9 of a 1.5B build's LRU-cache tests failed on a correct cache) that it must not
steer a repair the client's own examples can steer."""

from __future__ import annotations

import time
from pathlib import Path

from macrohard.company.artifacts import Design, FileContract, FilePlan, Spec
from macrohard.company.budget import Budget, BudgetedModel
from macrohard.company.context import Context
from macrohard.company.roles.verify import CLIENT_MODULE, Trial, Verifier
from macrohard.gates import GateResult
from macrohard.models import ScriptedModel
from macrohard.sandbox import LocalSandbox

CODE = "def a(x):\n    return x\n\n\ndef b(x):\n    return x\n"


def failure(module: str, function: str) -> dict[str, str]:
    line = CODE.splitlines().index(f"def {function}(x):") + 2
    return {
        "classname": module,
        "test": f"test_{function}",
        "message": "Traceback (most recent call last):\n"
        f'  File "/job/mod.py", line {line}, in {function}\nAssertionError: assert 1 == 2',
    }


def trial(*failures: dict[str, str]) -> Trial:
    details = {"failures": list(failures)}
    return Trial({"mod.py": CODE}, GateResult("tests", "failed", "", details=details))


def test_a_failing_client_example_hides_the_model_s_tests_from_the_repair(tmp_path: Path) -> None:
    client, qa = failure(CLIENT_MODULE, "a"), failure("tests.test_mod", "b")
    both = trial(qa, client)
    assert both.trusted_failures == [client]
    budget = Budget(max_minutes=10)
    budget.deadline = time.monotonic() + 600
    ctx = Context(
        "r", "a request", tmp_path, BudgetedModel(ScriptedModel([]), budget), LocalSandbox()
    )
    verifier = Verifier()
    verifier.spec = Spec(summary="mod", files=[FileContract(path="mod.py")])
    verifier.design = Design(files=[FilePlan(path="mod.py")])
    assert verifier.faults(ctx, both, "mod.py", CODE) == ["a"]
    assert verifier.faults(ctx, trial(qa), "mod.py", CODE) == ["b"]  # then the tests steer


def test_without_client_failures_every_failure_counts() -> None:
    qa = [failure("tests.test_mod", "a"), failure("tests.test_mod", "b")]
    assert trial(*qa).trusted_failures == qa
