"""A change split into parts that can each be put back as they were."""

from __future__ import annotations

from macrohard.company.splice import parses
from macrohard.solve.minimize import split

BEFORE = "def f(word):\n    word = strip(word)\n    word = glue(word)\n    return word\n"
AFTER = (
    "def f(word):\n    word = word.rstrip('_id')  # strip\n    word = spaced(word)  # glue\n"
    "    return word\n\n\ndef g():\n    return 1\n"
)


def test_replaced_lines_are_parts_of_their_own_and_new_lines_stay() -> None:
    change = split(BEFORE, AFTER)
    assert change.build(set()) == AFTER
    first, second = change.revertible()
    assert change.line(first) == "word = strip(word)"
    kept = change.build({first})
    assert "    word = strip(word)\n    word = spaced(word)  # glue\n" in kept
    assert "def g():" in kept  # an added function is never a part to put back
    assert change.build({first, second}).startswith(BEFORE)


def test_an_unequal_rewrite_goes_back_whole_and_must_parse() -> None:
    change = split("a = 1\nb = 2\n", "a = 1\nb = (\n    3\n)\n")
    (only,) = change.revertible()
    assert change.build({only}) == "a = 1\nb = 2\n"
    assert parses("x = (1,\n") is False and parses(change.build(set()))
