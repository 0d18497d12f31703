"""A method the code lacks is added, not looked for in the functions the failure ran: a class
without `__str__` fails every `str(box)` of the client's with `<box.Box object at 0x...>`."""

from __future__ import annotations

from pathlib import Path

from macrohard.company.artifacts import Design, FileContract, FilePlan, Spec
from macrohard.company.budget import Budget, BudgetedModel
from macrohard.company.context import Context
from macrohard.company.examples import CLIENT_TESTS, extract, render
from macrohard.company.roles.qa import conftest
from macrohard.company.roles.verify import Verifier
from macrohard.models import ScriptedModel
from macrohard.sandbox import default_sandbox

REQUEST = 'In `box.py`: `class Box(n)` holding `n`, where `str(Box(2)) == "Box 2"`.'
CODE = "class Box:\n    def __init__(self, n):\n        self.n = n\n"
REPLY = '```python\ndef __str__(self):\n    return f"Box {self.n}"\n```'


def test_verify_adds_the_missing_str_and_the_clients_check_passes(tmp_path: Path) -> None:
    model = BudgetedModel(ScriptedModel([REPLY]), Budget())
    ctx = Context("r-test", REQUEST, tmp_path, model, default_sandbox())
    ctx.save("spec", Spec(summary="a box", files=[FileContract(path="box.py")]))
    ctx.save("design", Design(files=[FilePlan(path="box.py")]))
    ctx.write("box.py", CODE)
    client = render(extract(REQUEST, {"box.py"}))
    assert client is not None
    ctx.write(CLIENT_TESTS, client)
    ctx.write("tests/conftest.py", conftest({}))

    result = Verifier().run(ctx)

    assert result.verdict == "ok", result.output
    assert result.output["repairs"] == ["functions"]
    assert ctx.read("box.py") == CODE + '\n    def __str__(self):\n        return f"Box {self.n}"\n'
    prompt = model.model.requests[0].messages[-1]["content"]  # type: ignore[attr-defined]
    assert "The file lacks `Box.__str__`" in prompt
