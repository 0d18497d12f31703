"""Filling an outline member by member by continuation (company/fill.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from macrohard.company import Company
from macrohard.company.fill import UNFILLED, fill, holes, kept_by, without_demos
from macrohard.journal import Journal
from macrohard.models import FunctionModel, Request
from macrohard.models.base import Message, user
from macrohard.models.scripted import ScriptedModel
from macrohard.sandbox import LocalSandbox

from .scripted_company import REQUEST
from .scripted_company import Company as Script

OUTLINE = '''class Counter:
    """Counts things."""

    def __init__(self, start: int = 0):
        """`start` is the first value."""
        ...

    def bump(self, by: int = 1) -> int:
        """Add `by`; return the new value."""
        ...


def total(counters: list[Counter]) -> int:
    """The sum of the counters' values."""
    ...
'''


def _run(answers: list[str]) -> tuple[str, ScriptedModel]:
    model = ScriptedModel(answers, supports_prefill=True)

    def continue_(messages: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        return model.complete(messages, max_tokens=max_tokens, stop=stop).text

    return fill(OUTLINE, [user("write counter.py")], continue_), model


def test_holes_are_the_hollow_members_in_file_order() -> None:
    found = holes(OUTLINE)
    assert [h.name for h in found] == ["__init__", "bump", "total"]
    assert [h.indent for h in found] == ["        ", "        ", "    "]
    assert [h.outer for h in found] == ["    ", "    ", ""]
    assert found[0].follows.startswith("def bump(")
    assert found[1].follows.startswith("def total(")
    assert found[2].follows == ""


def test_each_body_is_written_after_its_own_docstring_and_stops_at_the_next_member() -> None:
    code, model = _run(
        [
            "import math\nimport os\n\nclass Counter:",  # head: only the imports are kept
            "        self.value = start\n\n    def reset(self):\n        self.value = 0\n",
            # a helper method after a body is kept ...
            "        self.value += by\n        return self.value\n",
            "    return sum(c.value for c in counters)\n\n\nprint(total([Counter(2)]))\n",
        ]
    )
    tree = ast.parse(code)
    assert code.startswith("import math\nimport os\n")
    names = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert sorted(names) == ["__init__", "bump", "reset", "total"]
    assert "print(" not in code  # the demo call at import time is dropped
    assert "        self.value = start\n\n    def reset(self):\n        self.value = 0\n" in code
    # every answer so far is continued, not asked for again: the last message is the prefill
    prefills = [r.messages[-1]["content"] for r in model.requests]
    assert prefills[0] == "```python\n"
    assert prefills[2].endswith('"""Add `by`; return the new value."""\n')
    assert "self.value = start" in prefills[2]
    assert "def bump(" in model.requests[1].stop
    assert "def total(" in model.requests[2].stop
    # ... but the class's last member ends where the model starts another method
    assert "\n    def " in model.requests[2].stop and "\n    def " not in model.requests[1].stop


def test_an_outline_that_opens_with_its_docstring_is_not_asked_for_a_head() -> None:
    model = ScriptedModel(["    return 1\n"], supports_prefill=True)

    def continue_(messages: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        return model.complete(messages, max_tokens=max_tokens, stop=stop).text

    outline = "QQQA tool.QQQ\n\nimport sys\n\n\ndef one() -> int:\n    QQQOne.QQQ\n    ...\n"
    code = fill(outline.replace("QQQ", '"' * 3), [user("write it")], continue_)
    assert len(model.requests) == 1 and code.startswith('"' * 3 + "A tool.")
    assert "    return 1" in code


def test_a_body_that_breaks_the_file_is_left_unfilled_so_the_file_still_imports() -> None:
    code, _ = _run(
        [
            "",
            "        self.value = (start\n",  # unclosed: would not parse
            "        return by\n",
            "return 0\n",  # not indented: not a body
        ]
    )
    ast.parse(code)
    assert code.count(UNFILLED) == 2
    assert "        return by" in code


def test_a_method_body_ends_where_the_model_leaves_the_class() -> None:
    code, _ = _run(
        [
            "",
            "        self.value = start\nc = Counter()\nc.bump()\n",
            "        self.value += by\n        return self.value\n",
            "    return len(counters)\n",
        ]
    )
    assert "c = Counter()" not in code
    ast.parse(code)


def test_a_body_that_ignores_a_parameter_is_sampled_again() -> None:
    attempts: list[int] = []
    answers = iter(
        [
            "",
            "        self.value = 0\n",  # forgets `start`
            "        self.value = start\n",
            "        self.value += by\n        return self.value\n",
            "    return sum(c.value for c in counters)\n",
        ]
    )

    def continue_(messages: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        attempts.append(attempt)
        return next(answers)

    code = fill(OUTLINE, [user("write counter.py")], continue_)
    assert "self.value = start" in code and "self.value = 0" not in code
    assert attempts == [0, 0, 1, 0, 0]


HOOKED = '''class Hooked:
    def __init__(self, size: int, on_drop=None, label: str = ""):
        """`on_drop(key)` is called on each drop; `label` names it."""
        ...

    def label(self) -> str:
        """The label."""
        ...

    def drop(self, key) -> None:
        """Drop `key`."""
        ...
'''


def test_a_constructor_that_still_ignores_a_parameter_keeps_it_for_the_members_after() -> None:
    seen: list[str] = []
    init = "        self.size = size\n"  # forgets `on_drop` and `label`, asked twice
    answers = iter(["", init, init, "        return self._label\n", "        self.on_drop(key)\n"])

    def continue_(messages: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        seen.append(messages[-1]["content"])
        return next(answers)

    code = fill(HOOKED, [user("write hooked.py")], continue_)
    init_body = code.split("def label")[0]
    assert "self.size = size" in init_body
    assert "self.on_drop = on_drop" in init_body
    assert "self._label = label" in init_body  # a method has the plain name
    assert "self.on_drop = on_drop" in seen[3]  # the next member is written seeing it
    hooked = {}
    exec(compile(code, "hooked.py", "exec"), hooked)
    made = hooked["Hooked"](2, print, "x")
    assert made.on_drop is print and made.label() == "x"


PEEKED = '''class Box:
    def get(self, key):
        """The value; `key` becomes the newest."""
        ...

    def peek(self, key):
        """`peek(key)` — like `get` but does **not** change the order."""
        ...
'''


def test_a_body_that_copies_the_member_it_is_unlike_is_sampled_again() -> None:
    attempts: list[int] = []
    get = "        self.order.append(key)\n        return self.data[key]\n"
    call = "        return self.get(key)\n"
    answers = iter(["", get, get, call, call, call])

    def continue_(messages: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        attempts.append(attempt)
        return next(answers)

    code = fill(PEEKED, [user("write box.py")], continue_)
    assert attempts == [0, 0, 0, 1, 2, 3]  # get once; peek, a copy or a call of get, 4 times
    assert code.split("def peek")[1].count("self.order") == 1  # both faulty: the first kept
    answers = iter(["", get, call, "        return self.data[key]\n"])
    code = fill(PEEKED, [user("write box.py")], continue_)
    assert "return self.data[key]" in code.split("def peek")[1]


def test_imports_a_body_needs_join_the_answer_at_once_so_each_call_extends_the_last() -> None:
    asked: list[str] = []
    answers = iter(
        [
            "",  # no imports asked up front
            # a body of two lines that uses a module not imported
            "        counts = collections.Counter()\n        self.value = counts[start]\n",
            "        self.value += by\n        return self.value\n",
            "    return sum(c.value for c in counters)\n",
        ]
    )

    def continue_(messages: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        asked.append(messages[-1]["content"])
        return next(answers)

    code = fill(OUTLINE, [user("write counter.py")], continue_)
    assert code.startswith("import collections\n")
    assert asked[2].startswith("```python\nimport collections\n")  # bump's call sees it
    # the file is the last call's answer and its body: a repair's prompt is read from cache
    assert code.startswith(asked[-1].removeprefix("```python\n"))
    # nothing of the answer so far is lost on the way (a body is several lines)
    body = "        counts = collections.Counter()\n        self.value = counts[start]\n"
    assert body in asked[2] and body in code
    for part in ("class Counter:", "def bump(", "self.value += by", "return sum(c.value"):
        assert code.count(part) == 1, part
    ast.parse(code)


CACHE = '''class Cache:
    def __init__(self):
        """Empty."""
        ...

    def clear(self) -> None:
        """Remove everything.
        `evictions` attribute: how many entries were evicted (starts at 0;
          not reset by `clear()`).
        """
        ...
'''


def test_what_a_docstring_says_a_member_leaves_alone() -> None:
    doc = "Clear.\n`evictions` attribute: an `int` (starts at 0;\n  not reset by `clear()`)."
    assert kept_by(doc, "clear") == ("evictions",)
    assert kept_by(doc, "put") == ()
    assert kept_by("`c.clear()` empties it but does not reset `hits`.", "clear") == ("hits",)
    assert kept_by("`clear()` removes every entry.", "clear") == ()


def test_a_body_that_resets_what_its_docstring_keeps_is_resampled_then_mended() -> None:
    attempts: list[int] = []
    clear = "        self.data = {}\n        self.evictions = 0\n"
    answers = iter(["", "        self.data = {}\n        self.evictions = 0\n", clear, clear])

    def continue_(messages: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        attempts.append(attempt)
        return next(answers)

    code = fill(CACHE, [user("write cache.py")], continue_)
    assert attempts == [0, 0, 0, 1]  # the constructor may set it; clear is asked twice
    init, cleared = code.split("def clear")
    assert "self.evictions = 0" in init
    assert "self.data = {}" in cleared and "self.evictions" not in cleared.split('"""')[-1]
    ast.parse(code)


def test_without_demos_keeps_definitions_and_the_main_block() -> None:
    code = 'def main():\n    print("hi")\n\n\nmain()\nif __name__ == "__main__":\n    main()\n'
    kept = without_demos(code)
    assert "\nmain()\n" not in kept
    assert 'if __name__ == "__main__":\n    main()' in kept


def test_a_build_on_a_model_that_continues_answers_fills_the_outline(tmp_path: Path) -> None:
    """The engineer of a real build: one call for the imports, one per body, each continuing
    the answer so far; the shipped file holds the outline's docstrings and the bodies."""
    script = Script()
    bodies = {"def add(": "    return a + b\n", "def mul(": "    return a * b\n"}
    continued: list[str] = []

    def answer(request: Request) -> str:
        last = request.messages[-1]
        if last["role"] != "assistant":
            return script.answer(request)
        if last["content"].endswith("def test_"):  # QA's answer, begun with its first test
            return script.tests.split("def test_", 1)[1]
        continued.append(last["content"])
        defs = [line for line in last["content"].splitlines() if line.startswith("def ")]
        return next((b for head, b in bodies.items() if defs and head in defs[-1]), "")

    model = FunctionModel(answer, name="continuing", supports_prefill=True)
    company = Company(model, journal=Journal(tmp_path / "j.db"), sandbox=LocalSandbox())
    outcome = company.build(REQUEST, tmp_path / "p")
    code = (tmp_path / "p" / "mathutil.py").read_text()
    assert code.count("Please build") == 2  # each def kept its docstring (the request's words)
    assert code.index("return a * b") > code.index("def mul(")
    assert "    return a + b\n" in code and UNFILLED not in code
    assert len(continued) == 3  # the head, then add's body, then mul's
    assert continued[2].startswith("```python\n") and "return a + b" in continued[2]
    assert continued[2].rstrip().endswith('"""')  # mul's docstring ends the answer so far
    assert outcome.report["phases"]
