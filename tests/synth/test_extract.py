from __future__ import annotations

from macrohard.synth.extract import extract_code, merge_with_header


def test_takes_the_block_that_defines_the_function() -> None:
    reply = (
        "Here you go:\n```python\nimport math\n```\n\n```python\ndef area(r):\n"
        "    return math.pi * r * r\n\nprint(area(2))\n```\nThis works because..."
    )
    code = extract_code(reply, "area")
    assert code is not None
    assert "import math" in code and "def area(r):" in code and "print(" not in code


def test_unfenced_code_with_prose_and_a_cut_off_tail() -> None:
    reply = "Sure! def is below.\ndef f(x):\n    return x + 1\n\ndef g(y):\n    return (y"
    code = extract_code(reply, "f")
    assert code == "def f(x):\n    return x + 1\n"


def test_main_guard_and_top_level_calls_are_dropped() -> None:
    reply = (
        "```python\ndef f():\n    return 1\n\n"
        "if __name__ == '__main__':\n    f()\nassert f() == 1\n```"
    )
    assert extract_code(reply, "f") == "def f():\n    return 1\n"


def test_no_code_gives_none() -> None:
    assert extract_code("I cannot help with that.", "f") is None
    assert extract_code("", "f") is None


def test_body_only_reply_is_appended_to_the_header() -> None:
    header = 'def f(x):\n    """Double."""\n'
    body = extract_code("    return 2 * x\n", "f")
    assert body is not None
    assert (
        merge_with_header(header, body, "f") == 'def f(x):\n    """Double."""\n    return 2 * x\n'
    )


def test_merge_keeps_header_imports_and_helpers() -> None:
    header = (
        "from typing import List\n\n\ndef helper(s):\n    return s\n\n\n"
        'def f(xs: List[int]):\n    """Doc."""\n'
    )
    code = "def f(xs):\n    return helper(xs)\n"
    merged = merge_with_header(header, code, "f")
    assert merged.startswith("from typing import List")
    assert "def helper(s)" in merged and merged.count("def f(") == 1
