"""The outline an engineer fills in: every member of the contract, each with the request's words
about it, and nothing the request only mentions in passing."""

from __future__ import annotations

import ast

from macrohard.company.artifacts import FileContract, FunctionContract
from macrohard.company.contract import spec_from_request
from macrohard.company.skeleton import skeleton

REQUEST = """# A rate limiter

Our API gateway needs a token bucket. Python 3.11, standard library only.

## Interface

One file: **`bucket.py`**, containing:

- `BURST = 10` is the default size.
- `class EmptyBucketError(RuntimeError)` — raised by `take` when no token is left.
- `class Bucket(size: int, refill_per_second: float = 1.0)`
  - `size` must be a positive `int`, otherwise `ValueError`.
  - `refill_per_second` may be `0` (a bucket that never refills).
- `take(n: int = 1) -> None` — remove `n` tokens or raise `EmptyBucketError` (nothing is
  removed then).
- `available() -> int` — the whole tokens left now.
- `len(bucket)` — the same as `available()`.
- `b1 == b2` compares size and tokens.
- `taken` attribute — how many tokens were ever taken (a failed `take()` adds none).

Report totals with `summarize` somewhere else (not here). Floats add up wrong:
`0.1 + 0.2` is not `0.3`.

## Example

```python
>>> b = Bucket(2)
>>> b.take(); len(b)
1
```
"""


def outline() -> str:
    spec = spec_from_request(REQUEST)
    assert spec is not None
    return skeleton(spec.files[0], REQUEST)


def members(code: str) -> dict[str, ast.AST]:
    found: dict[str, ast.AST] = {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            found[node.name] = node
    return found


def doc(code: str, name: str) -> str:
    node = members(code)[name]
    assert isinstance(node, ast.ClassDef | ast.FunctionDef)
    return ast.get_docstring(node) or ""


def test_the_outline_parses_and_holds_every_member_of_the_contract() -> None:
    code = outline()
    found = members(code)
    for name in ("EmptyBucketError", "Bucket", "__init__", "take", "available", "__len__"):
        assert name in found, name
    assert "__eq__" in found  # `b1 == b2`: a usage in general terms
    init = found["__init__"]
    assert isinstance(init, ast.FunctionDef)
    assert [a.arg for a in init.args.args] == ["self", "size", "refill_per_second"]
    assert "BURST = 10" in code  # a constant the request spells out


def test_each_member_carries_the_request_lines_about_it() -> None:
    code = outline()
    assert "nothing is\n" in doc(code, "take") and "removed then" in doc(code, "take")
    assert "whole tokens left" in doc(code, "available")
    assert "same as `available()`" in doc(code, "__len__")
    init = doc(code, "__init__")
    assert "positive `int`" in init and "never refills" in init  # its parameters' bullets
    assert "ever taken" in init  # and the object's attributes
    assert "raised by `take`" in doc(code, "EmptyBucketError")
    assert "a failed `take()` adds none" in doc(code, "take")  # another member's rule about it


def test_a_passing_mention_or_an_example_with_values_is_not_a_member_s_rule() -> None:
    code = outline()
    assert "summarize" not in code
    assert "0.1 + 0.2" not in code and "__add__" not in members(code)
    assert "compares size" in doc(code, "__eq__")


def test_a_docstring_cannot_break_the_file() -> None:
    request = 'One file: `q.py`.\n\n- `quote(s: str) -> str` — wraps in `"""` and ends with `\\`.\n'
    code = skeleton(spec_from_request(request).files[0], request)  # type: ignore[union-attr]
    assert "wraps in" in doc(code, "quote")


def test_no_outline_without_a_class_or_function() -> None:
    assert skeleton(FileContract(path="tool.py", cli_usage="python tool.py FILE"), "") == ""


def test_a_model_written_spec_s_methods_join_their_class_and_a_bad_one_falls_back() -> None:
    contract = FileContract(
        path="stack.py",
        functions=[
            FunctionContract(name="Stack", signature="class Stack", description="a LIFO stack"),
            FunctionContract(name="push", signature="def push(self, item) -> None"),
            FunctionContract(name="peek_all", signature="def peek_all(stacks: list) -> list"),
        ],
    )
    code = skeleton(contract, "")
    stack = members(code)["Stack"]
    assert isinstance(stack, ast.ClassDef)
    assert [n.name for n in stack.body if isinstance(n, ast.FunctionDef)] == ["push"]
    assert "\ndef peek_all(stacks: list) -> list:" in code
    broken = FileContract(
        path="x.py", functions=[FunctionContract(name="f", signature="def f(a b) -> int")]
    )
    assert skeleton(broken, "") == ""


def test_a_bullet_that_calls_the_constructor_is_the_constructor_s_rule() -> None:
    request = (
        "One file: **`cache.py`**, containing `class Cache`:\n\n"
        "- `Cache(size: int, on_drop=None)` — `on_drop`, if given, is called as "
        "`on_drop(key)` each time an entry is dropped.\n"
        "- `put(key, value) -> None` — store a value; drop the oldest entry when full.\n"
    )
    code = skeleton(spec_from_request(request).files[0], request)  # type: ignore[union-attr]
    assert "called as `on_drop(key)`" in doc(code, "__init__")  # beside the parameter's store
    assert "on_drop" not in doc(code, "Cache")
