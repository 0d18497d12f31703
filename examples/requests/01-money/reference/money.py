"""Exact decimal money amounts: arithmetic, comparison, allocation and formatting."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies were combined."""


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise TypeError("use str, int or Decimal, not float")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
        if not result.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return result
    raise TypeError(f"unsupported amount type: {type(value).__name__}")


class Money:
    __slots__ = ("_amount", "_currency")

    def __init__(self, amount: str | int | Decimal, currency: str = "USD") -> None:
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValueError(f"invalid currency code: {currency!r}")
        self._amount = _to_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
        self._currency = currency

    @property
    def amount(self) -> Decimal:
        return self._amount

    @property
    def currency(self) -> str:
        return self._currency

    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError("expected Money")
        if other._currency != self._currency:
            raise CurrencyMismatchError(f"{self._currency} vs {other._currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self._amount + self._check(other)._amount, self._currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self._amount - self._check(other)._amount, self._currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            raise TypeError("can only multiply Money by int or Decimal")
        return Money(self._amount * factor, self._currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self._amount, self._currency)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return False
        return self._currency == other._currency and self._amount == other._amount

    def __hash__(self) -> int:
        return hash((self._amount, self._currency))

    def __lt__(self, other: Money) -> bool:
        return self._amount < self._check(other)._amount

    def __le__(self, other: Money) -> bool:
        return self._amount <= self._check(other)._amount

    def __gt__(self, other: Money) -> bool:
        return self._amount > self._check(other)._amount

    def __ge__(self, other: Money) -> bool:
        return self._amount >= self._check(other)._amount

    def allocate(self, ratios: list[int]) -> list[Money]:
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise ValueError("ratios must be non-negative and not all zero")
        total = sum(ratios)
        parts = [
            (self._amount * r / total).quantize(CENT, rounding=ROUND_DOWN) for r in ratios
        ]
        leftover = int((self._amount - sum(parts)) / CENT)
        for i in range(leftover):
            parts[i % len(parts)] += CENT
        return [Money(p, self._currency) for p in parts]

    def __str__(self) -> str:
        return f"{self._amount} {self._currency}"

    def __repr__(self) -> str:
        return f"Money('{self._amount}', '{self._currency}')"

    def format(self) -> str:
        sign = "-" if self._amount < 0 else ""
        number = f"{abs(self._amount):,.2f}"
        symbol = SYMBOLS.get(self._currency)
        if symbol:
            return f"{sign}{symbol}{number}"
        return f"{sign}{number} {self._currency}"
