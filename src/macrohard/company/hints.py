"""What an error usually means, said beside the failure in a repair prompt.

A small model shown `sqlite3.OperationalError: no such table: tasks` re-emits the same code: ten
repair rounds of a 1.5B build of a to-do CLI never added the `CREATE TABLE`. The step from an
error to its usual cause is general Python knowledge, the kind a compiler's "did you mean" gives,
so a few well-known errors get a one-line reading. Nothing here knows a particular request.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Hint = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_HINTS: tuple[_Hint, ...] = (
    (
        re.compile(r"OperationalError: no such table: (\w+)"),
        lambda m: (
            f"The database has no table `{m[1]}` yet: the code must create it (`CREATE "
            f"TABLE IF NOT EXISTS {m[1]} (...)`) whenever it opens the database, before using it."
        ),
    ),
    (
        re.compile(r"'Namespace' object has no attribute '(\w+)'"),
        lambda m: (
            f"argparse set no `{m[1]}` for this command: only a parser that declares it "
            f"(`add_argument('{m[1]}')`) sets it. Handle each subcommand with its own code that "
            "reads only the arguments that subcommand declares."
        ),
    ),
    (
        re.compile(r"UnboundLocalError: cannot access local variable '(\w+)'"),
        lambda m: (
            f"`{m[1]}` is read before it is assigned on this path, or a local variable "
            f"named `{m[1]}` hides the function of that name: assign it on every path, or rename "
            "the variable."
        ),
    ),
    (
        re.compile(
            r"unsupported operand type\(s\) for ([*+]): '(?:int|float|Decimal)' and '(\w+)'"
        ),
        lambda m: (
            f"A number on the left of `{m[1]}` needs `{m[2]}.__r"
            f"{'mul' if m[1] == '*' else 'add'}__` (the reflected operator)."
        ),
    ),
    (
        re.compile(r"RecursionError: maximum recursion depth exceeded"),
        lambda m: (
            "A function calls itself (or another that calls it back) without ever "
            "reaching a case that returns directly."
        ),
    ),
)


def hints(failures: list[str]) -> list[str]:
    """One reading per well-known error in the failures, each once, in the order met."""
    found: dict[str, None] = {}
    for text in failures:
        for pattern, say in _HINTS:
            for match in pattern.finditer(text):
                found.setdefault(say(match), None)
    return list(found)
