"""A program's SQLite storage: one `open_db` helper that creates the request's tables.

A to-do CLI's request said "the file and its table are created automatically" in the bullet
about `--db`, and gave the table as `tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, ...)`. The
1.5B model filled each subcommand with its own `sqlite3.connect(args.db)` and a query, and no
member ever created the table: every example ended in "no such table: tasks" (03-todo: 2 of 11
hidden tests), and repairs of the subcommands did not add it either. Opening the database is
work every subcommand shares, so it is one written helper: when the request gives its tables'
columns, `open_db` creates each one (`CREATE TABLE IF NOT EXISTS`, the columns as written); when
it only says SQLite, the helper is left for the model with the request's words about storage.
The subcommands are told to open the database through it.
"""

from __future__ import annotations

import re

from macrohard.company.mentions import FENCE
from macrohard.company.skeleton import quote

HELPER = "open_db"
_SQL_TYPE = (
    r"\b(?:INTEGER|INT|TEXT|REAL|BLOB|NUMERIC|VARCHAR|CHAR|BOOLEAN|DATE|DATETIME|TIMESTAMP)\b"
)
# `tasks (id INTEGER PRIMARY KEY, ...)` or `CREATE TABLE [IF NOT EXISTS] tasks (...)`
_TABLE = re.compile(
    r"^\s*(?:CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)?([A-Za-z_]\w*)\s*\((.+)\)\s*;?\s*$",
    re.I | re.S,
)
_SPAN = re.compile(r"`([^`]+)`")
_SQLITE = re.compile(r"\bsqlite3?\b", re.I)
ABOUT_STORAGE = re.compile(r"\b(?:sqlite3?|database|table|schema)\b", re.I)


def tables(request: str) -> list[tuple[str, str]]:
    """The tables the request spells out, as (name, column definitions), in order met: each
    backticked span or code-block statement of the form `name (column TYPE, ...)`."""
    parts = request.split(FENCE)
    candidates = _SPAN.findall("\n".join(parts[::2]))  # a span may wrap onto the next line
    for block in parts[1::2]:
        for statement in block.split(";"):
            create = re.search(r"CREATE\s+TABLE", statement, re.I)
            candidates += [statement[create.start() :]] if create else []
    found: dict[str, str] = {}
    for text in candidates:
        match = _TABLE.match(text)
        if match and re.search(_SQL_TYPE, match[2]) and _balanced(match[2]):
            columns = " ".join(match[2].split())
            found.setdefault(match[1], columns)
    return list(found.items())


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def uses_sqlite(request: str) -> bool:
    return bool(_SQLITE.search(request))


def storage_helper(request: str, about: list[str]) -> str:
    """`open_db(path)`, its docstring the request's `about` texts that concern storage, its
    body written when the request gives the tables; '' for a request without SQLite."""
    if not uses_sqlite(request):
        return ""
    said = [t for t in about if ABOUT_STORAGE.search(t)]
    doc = quote(
        [
            "Open the SQLite database at `path` (creating the file), create its tables if they "
            "don't exist, and return the connection.",
            *said,
        ],
        "    ",
        900,
    )
    head = f"def {HELPER}(path: str) -> sqlite3.Connection:\n{doc}"
    made = tables(request)
    if not made:
        return f"{head}    ..."
    lines = ["    conn = sqlite3.connect(path)"]
    for name, columns in made:
        statement = f"CREATE TABLE IF NOT EXISTS {name} ({columns})"
        lines.append(f"    conn.execute({statement!r})")
    lines += ["    conn.commit()", "    return conn"]
    return head + "\n".join(lines)


def how_to_open(option: str) -> str:
    """The line a subcommand's docstring gets: where its database comes from."""
    where = f"`{HELPER}(args.{option})`" if option else f"`{HELPER}(path)`"
    return f"Open the database with {where} and close it before returning."
