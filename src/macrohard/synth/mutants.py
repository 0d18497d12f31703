"""One-token variants of a function, for repairs that a test run can check without a model.

Many real bugs are one token wrong: `bisect_right` for `bisect_left`, `<` for `<=`, `i` for
`i - 1`, an argument too many (`replace('_', '-', 1)`), a flag the wrong way round
(`move_to_end(key, last=False)`). A small model shown such a function, its failing test and
even a hint that names the right call mostly gives the same function back (boltons' `ceil`:
four rounds, none changed `bisect_right`). Mutation-based repair tries each small change of
the function at fault and lets the tests judge: a few hundred milliseconds a variant and no
tokens. `mutants` only proposes; whoever calls it runs the tests.

Each variant changes one place of the function's body (never its signature or docstring), is
the whole file with that change, and parses. Places on the lines the failing tests ran come
first.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from macrohard.company.splice import functions

# operator -> what it may have been meant to be
_OPERATORS = {
    "<": ("<=", ">"),
    "<=": ("<", ">="),
    ">": (">=", "<"),
    ">=": (">", "<="),
    "==": ("!=",),
    "!=": ("==",),
    "+": ("-",),
    "-": ("+",),
    "+=": ("-=",),
    "-=": ("+=",),
}
_COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}
_KEYWORDS = {"and": ("or",), "or": ("and",), "True": ("False",), "False": ("True",)}
# parts of names that come in pairs: bisect_right / bisect_left, max / min, rstrip / lstrip
_PAIRS = (
    ("left", "right"),
    ("min", "max"),
    ("first", "last"),
    ("start", "end"),
    ("lower", "upper"),
    ("before", "after"),
    ("prefix", "suffix"),
    ("head", "tail"),
    ("floor", "ceil"),
    ("lstrip", "rstrip"),
    ("ljust", "rjust"),
    ("find", "rfind"),
    ("index", "rindex"),
    ("split", "rsplit"),
)


@dataclass(frozen=True)
class Mutant:
    code: str  # the whole file with the one change
    line: int  # the file's line that changed (1-based)
    what: str  # "bisect_right -> bisect_left"
    tier: int = 0  # 0: a like-for-like slip (a comparison, a paired name, one off); 1: the rest


@dataclass(frozen=True)
class _Change:
    start: int  # offsets into the file's text
    end: int
    text: str
    line: int
    what: str
    tier: int = 0  # 0: a like-for-like slip (a comparison, a paired name, one off); 1: the rest


def mutants(
    code: str, qualname: str, first: Collection[int] = (), limit: int = 120
) -> list[Mutant]:
    """Up to `limit` one-change variants of the function `qualname` in `code` (the file's
    text), those on the lines in `first` (say, the lines a failing test ran) before the rest;
    [] when the file does not parse or has no such function."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    node = dict(functions(tree)).get(qualname)
    if node is None:
        return []
    body = node.body
    if body and _is_docstring(body[0]):
        body = body[1:]
    if not body:
        return []
    lines = (body[0].lineno, node.end_lineno or body[-1].lineno)
    starts = _Lines(code)
    changes = [*_token_changes(code, lines, starts), *_tree_changes(body, code, starts)]
    changes.sort(key=lambda c: (c.line not in first, c.tier, c.start))
    found: list[Mutant] = []
    seen: set[str] = set()
    for change in changes:
        variant = code[: change.start] + change.text + code[change.end :]
        if variant in seen or variant == code:
            continue
        seen.add(variant)
        try:
            ast.parse(variant)
        except SyntaxError:
            continue
        found.append(Mutant(variant, change.line, change.what, change.tier))
        if len(found) >= limit:
            break
    return found


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


class _Lines:
    """The file's lines as tokenize reads them (split at newlines only), to turn positions into
    offsets: tokenize counts columns in characters, ast in UTF-8 bytes."""

    def __init__(self, code: str) -> None:
        self.lines = io.StringIO(code).readlines()
        self.starts = [0, 0]  # 1-based lines
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, col: int) -> int:
        return self.starts[line] + col

    def at_byte(self, line: int, col: int) -> int:
        head = self.lines[line - 1].encode()[:col] if line <= len(self.lines) else b""
        return self.starts[line] + len(head.decode(errors="ignore"))


def _token_changes(code: str, lines: tuple[int, int], starts: _Lines) -> Iterator[_Change]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for token in tokens:
        row = token.start[0]
        if not lines[0] <= row <= lines[1] or token.start[0] != token.end[0]:
            continue
        start, end = starts.at(*token.start), starts.at(*token.end)
        word = token.string
        if token.type == tokenize.OP and word in _OPERATORS:
            tier = 0 if word in _COMPARISONS else 1
            for other in _OPERATORS[word]:
                yield _Change(start, end, other, row, f"{word} -> {other}", tier)
        elif token.type == tokenize.NAME and word in _KEYWORDS:
            for other in _KEYWORDS[word]:
                yield _Change(start, end, other, row, f"{word} -> {other}", 1)
        elif token.type == tokenize.NAME:
            for other in _swapped(word):
                yield _Change(start, end, other, row, f"{word} -> {other}")
        elif token.type == tokenize.NUMBER and word.isdigit():
            value = int(word)
            for near in (value + 1, value - 1):
                if near >= 0:
                    yield _Change(start, end, str(near), row, f"{word} -> {near}")


def _swapped(name: str) -> list[str]:
    """`bisect_right` -> [`bisect_left`]: a name with one part of a pair exchanged for the
    other (whole words of a snake_case name, or the whole name)."""
    out = []
    parts = name.split("_")
    for a, b in _PAIRS:
        for one, other in ((a, b), (b, a)):
            if name == one:
                out.append(other)
            elif one in parts:
                out.append("_".join(other if p == one else p for p in parts))
    return out


def _tree_changes(body: list[ast.stmt], code: str, starts: _Lines) -> Iterator[_Change]:
    """Changes that need the syntax tree: an argument or keyword left out of a call, an index
    one off. (A condition turned round is not one: boltons' `ceil` passed its failing test
    and its docstring's examples with `if not (options is None): return _ceil(x)`, options
    ignored.)"""

    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                yield from _dropped_arguments(node, code, starts)
            elif isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
                where = _segment(node.slice, starts)
                if where and isinstance(node.slice, ast.Name | ast.BinOp | ast.Attribute):
                    text = code[where[0] : where[1]]
                    for sign in ("-", "+"):
                        yield _Change(
                            *where,
                            f"{text} {sign} 1",
                            node.lineno,
                            f"[{text}] -> [{text} {sign} 1]",
                        )


def _segment(node: ast.AST, starts: _Lines) -> tuple[int, int] | None:
    """Where `node` is in the file's text, as offsets; None for a node without a position."""
    line, col = getattr(node, "lineno", None), getattr(node, "col_offset", None)
    end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if line is None or col is None or end_line is None or end_col is None:
        return None
    return starts.at_byte(line, col), starts.at_byte(end_line, end_col)


def _dropped_arguments(call: ast.Call, code: str, starts: _Lines) -> Iterator[_Change]:
    """`replace('_', '-', 1)` -> `replace('_', '-')`; `move_to_end(key, last=False)` ->
    `move_to_end(key)`: the last positional argument of two or more, or any one keyword."""
    given: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return
    droppable: list[ast.expr | ast.keyword] = [*call.args[1:][-1:], *call.keywords]
    for item in droppable:
        index = given.index(item)
        where = _segment(item, starts)
        if where is None:
            continue
        start, end = where
        if index > 0:  # take the comma before it
            before = _segment(given[index - 1], starts)
            if before is None:
                continue
            start = before[1]
        elif len(given) > 1:  # the first of several: take the comma after it
            after = _segment(given[1], starts)
            if after is None:
                continue
            end = after[0]
        shown = code[where[0] : where[1]]
        yield _Change(start, end, "", item.lineno, f"argument {shown} dropped", 1)
