"""What an error usually means, said beside the failure in a repair prompt.

A small model shown `sqlite3.OperationalError: no such table: tasks` re-emits the same code: ten
repair rounds of a 1.5B build of a to-do CLI never added the `CREATE TABLE`. The step from an
error to its usual cause is general Python knowledge, the kind a compiler's "did you mean" gives,
so a few well-known errors get a one-line reading. Nothing here knows a particular request.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from macrohard.company.harness import WALK_HEAD

_Hint = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _owners(match: re.Match[str]) -> str:
    """Which classes of a standard-library module have the attribute its object lacked:
    "'sqlite3.Connection' object has no attribute 'lastrowid'" (two repairs of 03-todo's
    `cmd_add` kept `conn.lastrowid`) has it on `sqlite3.Cursor`. Only modules this process
    has already imported are looked at (importing one can have side effects)."""
    module_name, type_name, attribute = match[1], match[2], match[3]
    module = sys.modules.get(module_name)
    if module is None or module_name.split(".")[0] not in sys.stdlib_module_names:
        return ""
    owners = [
        f"`{module_name}.{name}`"
        for name, value in sorted(vars(module).items())
        if isinstance(value, type) and not name.startswith("_") and name != type_name
        if attribute in dir(value)
    ]
    if not owners or len(owners) > 3:
        return ""
    has = "has" if len(owners) == 1 else "have"
    return f"A `{module_name}.{type_name}` has no `{attribute}`; {', '.join(owners)} {has} it."


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
    (re.compile(r"'([a-z_][\w.]*)\.([A-Z]\w*)' object has no attribute '(\w+)'"), _owners),
)


_BISECT = (
    "`bisect.bisect_right(a, x)` is the index just after every item equal to x; "
    "`bisect.bisect_left(a, x)` is the index of the first item >= x."
)
# Standard-library calls whose exact behaviour is easy to get wrong, said when a wrong answer's
# walk (harness.STEPPER) shows a line that made one: the values are right there, but a 1.5B
# shown `i = bisect.bisect_right(options, x)   # i = 3` for an expected options[2] patched the
# index (`options[i - 1]`) in every round instead of calling the other function.
_CALLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bbisect(?:_right|_left)?\("), _BISECT),
    (
        re.compile(r"\bre\.match\(|\.match\("),
        "`re.match` matches at the start of the string only; `re.search` anywhere; "
        "`re.fullmatch` the whole string.",
    ),
    (
        re.compile(r"\bround\("),
        "`round()` rounds a half to the even neighbour (`round(2.5) == 2`); halves up need "
        "`Decimal(x).quantize(Decimal('1'), rounding=ROUND_HALF_UP)`.",
    ),
    (
        re.compile(r"\.[lr]?strip\(\s*['\"][^'\"]{2,}['\"]"),
        "`s.strip('abc')` removes any of those characters from the ends, not that text: "
        "`s.removeprefix(p)` and `s.removesuffix(p)` remove a text.",
    ),
    (
        re.compile(r"\.split\(\s*['\"] ['\"]\s*\)"),
        "`s.split(' ')` keeps an empty string between two spaces; `s.split()` splits on every "
        "run of whitespace.",
    ),
    (
        re.compile(r"\.(?:capitalize|title)\(\)"),
        "`str.capitalize()` lowercases every letter after the first; `str.title()` capitalises "
        "each word and lowercases the rest.",
    ),
    (
        re.compile(r"\.isdigit\(\)|\.isnumeric\(\)"),
        "`'-1'.isdigit()` and `'1.5'.isdigit()` are False: a sign or a point is not a digit.",
    ),
    (
        re.compile(r"\bint\([^)]*/[^/]"),
        "`int(a / b)` truncates toward zero and `a // b` floors: they differ for negatives.",
    ),
    (
        re.compile(r"=\s*[\w.]+\.sort\("),
        "`list.sort()` sorts in place and returns None; `sorted(x)` returns a new list.",
    ),
)
_WALK_LINE = re.compile(r"^\s+line \d+: (.*?)(?:   # .*)?$", re.M)


def hints(failures: list[str]) -> list[str]:
    """One reading per well-known error in the failures, and one per easily misread call a
    failing example's walk ran, each once, in the order met."""
    found: dict[str, None] = {}
    for text in failures:
        for pattern, say in _HINTS:
            for match in pattern.finditer(text):
                reading = say(match)
                if reading:
                    found.setdefault(reading, None)
        for line in _WALK_LINE.findall(text.partition(WALK_HEAD)[2]):
            for call, fact in _CALLS:
                if call.search(line):
                    found.setdefault(fact, None)
    return list(found)
