"""Expected results stated in a request's sentences become checks, without a model."""

from __future__ import annotations

import pytest

from macrohard.solve.claims import claims, documented


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
        # a call inside a larger expression: the claim is about the expression
        (
            "`''.join(r[0] for r in findall('>{}<', '<b>x</b>'))` should be 'x'; "
            "`sorted(set(findall('{}', 'ab')))` should be ['a', 'b']",
            [
                ("''.join(r[0] for r in findall('>{}<', '<b>x</b>'))", "'x'"),
                ("sorted(set(findall('{}', 'ab')))", "['a', 'b']"),
            ],
        ),
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
        # `c` was built in words only: alone the call fails whatever the code does
        "With a cache c of two keys, `sorted(c)` is `[2, 3]`. Expected `[1, 3]`.",
    ],
)
def test_no_claim_without_a_stated_literal(text: str) -> None:
    assert claims(text) == []


def test_a_feature_requests_plain_statements_of_results_are_claims_too() -> None:
    text = (
        "For example `Version(1, 0, 0).is_compatible(Version(1, 1, 0))` is True, "
        "`Version(1, 1, 0).is_compatible(Version(1, 0, 0))` is False, and `half(4)` gives 2. "
        "`double(2)` returns 5, which is wrong.\n\n`triple(1)` is 3 but that is a bug."
    )
    found = [(d.source, d.want.strip()) for d in claims(text, plain=True)]
    assert found == [
        ("Version(1, 0, 0).is_compatible(Version(1, 1, 0))", "True"),
        ("Version(1, 1, 0).is_compatible(Version(1, 0, 0))", "False"),
        ("half(4)", "2"),
    ]
    # in a bug report, "is False" quotes what the code does now: not a claim
    assert claims(text) == []


def test_a_claim_runs_the_statements_that_built_its_data_first() -> None:
    text = (
        "Bug: `LRUCache` evicts the wrong entry. With `c = LRUCache(maxsize=2)`, then `c[1] = 1`, "
        "`c[2] = 2`, reading `c[1]` and adding `c[3] = 3`, `sorted(c)` is `[2, 3]`. Expected "
        "`[1, 3]`: key 2 is the least recently used.\n\nAlso `d = {}` is unrelated."
    )
    [claim] = claims(text)
    assert claim.source == "sorted(c)" and claim.want == "[1, 3]\n"
    assert claim.setup == ("c = LRUCache(maxsize=2)", "c[1] = 1", "c[2] = 2", "c[1]", "c[3] = 3")


def test_the_examples_in_a_changed_functions_docstring_become_checks() -> None:
    code = '''"""Maths."""
import bisect


def ceil(x, options=None):
    """The smallest option >= x.

    >>> SIZES = [1.5, 2.5, 4, 6]
    >>> ceil(3.5, options=SIZES)
    4
    >>> ceil(9, options=SIZES)
    Traceback (most recent call last):
    ValueError: none
    >>> mathutils.ceil(1, options=SIZES)
    1.5
    """
    return options[bisect.bisect_left(sorted(options), x)]


def floor(x):
    """>>> floor(2.5)
    2
    """
'''
    [check] = documented(code, "pkg.mathutils", ["mathutils.ceil"])
    assert check.source == "ceil(3.5, options=SIZES)" and check.want == "4\n"
    # what it reads is imported from the module or built by the docstring's earlier lines
    assert check.setup == ("SIZES = [1.5, 2.5, 4, 6]", "from pkg.mathutils import ceil")
    # an exception example is left out, and so is everything after a name from elsewhere
    assert documented(code, "pkg.mathutils", ["floor"])[0].source == "floor(2.5)"
    assert documented(code, "pkg.mathutils", ["Bits.ceil_all"]) == []
