"""A safe arithmetic evaluator: tokenizer plus recursive-descent parser (no eval)."""

from __future__ import annotations

import re

TOKEN = re.compile(r"(\d+\.?\d*|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.)", re.DOTALL)


class CalcError(Exception):
    """Any problem while tokenizing, parsing or evaluating an expression."""


def tokenize(expr: str) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    pos = 0
    while pos < len(expr):
        if expr[pos] in " \t":
            pos += 1
            continue
        match = TOKEN.match(expr, pos)
        if match is None:
            raise CalcError(f"unexpected input at {pos}")
        number, name, op = match.groups()
        if number is not None:
            tokens.append(("num", float(number) if "." in number else int(number)))
        elif name is not None:
            tokens.append(("name", name))
        elif op in "+-*/%^()":
            tokens.append(("op", op))
        else:
            raise CalcError(f"unexpected character {op!r}")
        pos = match.end()
    return tokens


class Parser:
    def __init__(self, tokens: list[tuple[str, object]], variables: dict[str, float]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.variables = variables

    def peek(self) -> object:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, object]:
        if self.pos >= len(self.tokens):
            raise CalcError("unexpected end of expression")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expression(self) -> float:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self) -> float:
        value = self.unary()
        while self.peek() in ("*", "/", "%"):
            op = self.take()[1]
            right = self.unary()
            if op == "*":
                value = value * right
            elif right == 0:
                raise CalcError("division by zero")
            else:
                value = value / right if op == "/" else value % right
        return value

    def unary(self) -> float:
        if self.peek() in ("+", "-"):
            op = self.take()[1]
            value = self.unary()
            return -value if op == "-" else value
        return self.power()

    def power(self) -> float:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.unary()  # right-associative, allows 2^-1
            try:
                result = base**exponent
            except (ZeroDivisionError, OverflowError) as exc:
                raise CalcError(str(exc)) from None
            if isinstance(result, complex):
                raise CalcError("complex result")
            return result
        return base

    def atom(self) -> float:
        kind, value = self.take()
        if kind == "num":
            return value  # type: ignore[return-value]
        if kind == "name":
            if self.peek() == "(":
                raise CalcError("function calls are not supported")
            if value not in self.variables:
                raise CalcError(f"unknown variable {value!r}")
            return self.variables[value]  # type: ignore[index]
        if value == "(":
            inner = self.expression()
            if self.take()[1] != ")":
                raise CalcError("expected ')'")
            return inner
        raise CalcError(f"unexpected {value!r}")


def evaluate(expr: str, variables: dict[str, float] | None = None) -> float:
    if not isinstance(expr, str):
        raise CalcError("expression must be a string")
    tokens = tokenize(expr)
    if not tokens:
        raise CalcError("empty expression")
    parser = Parser(tokens, dict(variables or {}))
    value = parser.expression()
    if parser.pos != len(tokens):
        raise CalcError(f"unexpected {parser.peek()!r}")
    return value
