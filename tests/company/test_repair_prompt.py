"""What a repair prompt shows of a failing model-written test: the failing lines, the errors and
the arguments, not the sources the prompt already holds (the test's and the code's)."""

from __future__ import annotations

from macrohard.company.roles.verify import essence

PYTEST_FAILURE = """TypeError: 'decimal.Decimal' object cannot be interpreted as an integer
def test_money_allocation():
        assert [str(p) for p in Money("10.00", "EUR").allocate([1, 2])] == [
            "3.34 EUR",
>       ]

tests/test_money.py:23:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

self = <money.Money object at 0x7ff5602fba90>, ratios = [1, 2]

    def allocate(self, ratios: list[int]) -> list[Money]:
        parts = [Money(self.amount * r / sum(ratios)) for r in ratios]
        leftover = self.amount - sum(p.amount for p in parts)
>       for i in range(leftover):
E       TypeError: 'decimal.Decimal' object cannot be interpreted as an integer

money.py:104: TypeError"""


def test_a_pytest_failure_keeps_what_failed_where_and_with_what() -> None:
    assert essence(PYTEST_FAILURE).splitlines() == [
        ">       ]",
        "tests/test_money.py:23:",
        "self = <money.Money object at 0x7ff5602fba90>, ratios = [1, 2]",
        ">       for i in range(leftover):",
        "E       TypeError: 'decimal.Decimal' object cannot be interpreted as an integer",
        "money.py:104: TypeError",
    ]


def test_a_message_without_pytest_detail_is_kept_whole_up_to_the_limit() -> None:
    assert essence("assert 1 == 2") == "assert 1 == 2"
    long = essence("x" * 2000, limit=100)
    assert long.startswith("...") and len(long) == 103
