"""The benchmark never shows hidden tests to the model or to the strategies."""

from __future__ import annotations

from macrohard.bench import humaneval
from macrohard.models import FunctionModel, Request
from macrohard.sandbox import LocalSandbox


def test_hidden_tests_never_reach_the_model() -> None:
    problems = humaneval.load_problems()[:3]
    seen: list[str] = []

    def answer(request: Request) -> str:
        seen.extend(m["content"] for m in request.messages)
        return "```python\ndef nope():\n    pass\n```"

    model = FunctionModel(answer)
    report = humaneval.run(model, LocalSandbox(), problems, "vote", samples=2)
    assert report["n"] == 3 and report["passed"] == 0
    text = "\n".join(seen)
    assert "def check(" not in text and "METADATA" not in text
    for p in problems:
        hidden_asserts = [
            ln.strip() for ln in p.test.splitlines() if ln.strip().startswith("assert")
        ]
        assert not any(a in text for a in hidden_asserts if a not in p.prompt)
