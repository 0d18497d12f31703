"""Expected results stated in a request's sentences become checks, without a model."""

from __future__ import annotations

import pytest

from macrohard.solve.claims import claims


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "titlecase('the lord') returns 'The Lord' but should return 'the Lord': keep it.",
            [("titlecase('the lord')", "'the Lord'")],
        ),
        (
            "Expected `slugify('Top 10') == 'top-10'`, got 'top'.",
            [("slugify('Top 10')", "'top-10'")],
        ),
        (
            "ordinal(1) should give 'st' and ordinal(2) should give 'nd'.",
            [("ordinal(1)", "'st'"), ("ordinal(2)", "'nd'")],
        ),
        ("parse('1,2') gives an error; I expected [1, 2].", [("parse('1,2')", "[1, 2]")]),
        ("sub(5, 3) returns -2 instead of 2.", [("sub(5, 3)", "2")]),
        # a sentence's full stop, even with more text after it, is not a float's
        ("sub(5, 3) returns -2 instead of 2. It fails.", [("sub(5, 3)", "2")]),
        ("total(items=[1, 2.5]) -> 3.5", [("total(items=[1, 2.5])", "3.5")]),
        ("is_even(3) must return False", [("is_even(3)", "False")]),
        # the call's value goes on to an attribute: the claim is about the whole chain
        (
            "`Run(True, {'b': 's'}).skipped` should be `{'b'}`",
            [("Run(True, {'b': 's'}).skipped", "{'b'}")],
        ),
    ],
)
def test_stated_results_become_doctests(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(d.source, d.want.strip()) for d in claims(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Add `mul(a, b)` that returns the product of a and b.",  # no literal stated
        "render() should be fast and should not crash.",
        "print(x) should print 3",  # output, not a value
        "titlecase() capitalises 'the'.",
        # `c` was built in earlier sentences: alone the call fails whatever the code does
        "With `c = LRUCache(2)` ... `sorted(c)` is `[2, 3]`. Expected `[1, 3]`.",
    ],
)
def test_no_claim_without_a_stated_literal(text: str) -> None:
    assert claims(text) == []
