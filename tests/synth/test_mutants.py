"""One-token variants of a function: each changes one place of its body and still parses."""

from __future__ import annotations

import difflib

from macrohard.synth.mutants import mutants

CEIL = '''import bisect


def ceil(x, options):
    """The smallest option >= x.

    >>> ceil(4, [1, 4, 6])
    4
    """
    options = sorted(options)
    i = bisect.bisect_right(options, x)
    if i == len(options):
        raise ValueError(x)
    return options[i]


def other(word):
    return word.replace("_", "-", 1)
'''


def changed_lines(a: str, b: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    ]


def test_variants_change_one_line_of_the_body_and_the_lines_run_come_first() -> None:
    found = mutants(CEIL, "ceil", first={11})
    whats = [m.what for m in found]
    assert whats[0] == "bisect_right -> bisect_left"  # line 11 ran: its variants first
    assert {"== -> !=", "[i] -> [i - 1]", "[i] -> [i + 1]", "argument x dropped"} <= set(whats)
    for mutant in found:
        compile(mutant.code, "ceil.py", "exec")
        diff = changed_lines(CEIL, mutant.code)
        assert len(diff) == 2, (mutant.what, diff)  # one line out, one in
        assert diff[0] == "-" + CEIL.splitlines()[mutant.line - 1]
    # the signature, the docstring (and its example) and the other function are never touched
    assert all("def ceil(x, options):" in m.code and "    4\n" in m.code for m in found)
    assert all(m.code.endswith('word.replace("_", "-", 1)\n') for m in found)
    assert len({m.code for m in found}) == len(found)
    # never a condition turned round: `if not (options is None)` passed ceil's examples with
    # the options ignored
    assert all(" not " not in m.code for m in found)


def test_an_argument_or_keyword_too_many_is_left_out() -> None:
    code = (
        "def f(word, order, key):\n"
        "    order.move_to_end(key, last=False)\n"
        "    return word.replace('_', '-', 1)\n"
    )
    by_what = {m.what: m.code for m in mutants(code, "f")}
    assert "order.move_to_end(key)\n" in by_what["argument last=False dropped"]
    assert "word.replace('_', '-')\n" in by_what["argument 1 dropped"]
    assert "last=True" in by_what["False -> True"]


def test_nothing_for_an_unknown_function_or_a_file_that_does_not_parse() -> None:
    assert mutants(CEIL, "floor") == []
    assert mutants("def f(:\n    return 1\n", "f") == []
    assert mutants('def f():\n    """Only a docstring."""\n', "f") == []
    assert len(mutants(CEIL, "ceil", limit=3)) == 3


def test_positions_hold_past_non_ascii_text_on_the_line() -> None:
    # ast counts columns in UTF-8 bytes, tokenize in characters: both land on the same text
    code = "def f(d, k):\n    return ('é→', d[k], 'ü'.replace('ü', 'u', 1))\n"
    by_what = {m.what: m.code for m in mutants(code, "f")}
    assert "return ('é→', d[k - 1], 'ü'.replace('ü', 'u', 1))\n" in by_what["[k] -> [k - 1]"]
    assert "'ü'.replace('ü', 'u'))\n" in by_what["argument 1 dropped"]
    assert "'ü'.replace('ü', 'u', 2))\n" in by_what["1 -> 2"]
