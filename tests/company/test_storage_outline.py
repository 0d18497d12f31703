"""A program's SQLite storage helper (company/storage_outline.py) and its place in the outline."""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

from macrohard.company.cli_outline import cli_outline
from macrohard.company.storage_outline import storage_helper, tables

BOOKS = """# A reading log

Keep my books in a SQLite database. Python 3.11, standard library only.

## Interface

One file: **`books.py`**.

```
python books.py [--store FILE] add TITLE [TITLE ...]
python books.py [--store FILE] list
python books.py [--store FILE] finish ID
```

- `--store FILE` selects the database file (default `books.db`); it is created with its
  table when missing.
- Storage: one table `books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, finished INTEGER
  NOT NULL DEFAULT 0)`; ids count from 1.
- `add TITLE...` prints `Added <id>`.
- `list` prints each unfinished book as `<id> <title>`.
- `finish ID` marks a book finished; an unknown id exits 1.
"""

USAGE = (
    "python books.py [--store FILE] add TITLE [TITLE ...]; python books.py [--store FILE] list; "
    "python books.py [--store FILE] finish ID"
)


def test_tables_are_read_from_spans_and_create_statements_not_from_calls() -> None:
    request = (
        "Store rows in `events (id INTEGER PRIMARY KEY, name TEXT)`; call `log(name, level)`.\n"
        "```sql\nCREATE TABLE IF NOT EXISTS tags (event INTEGER REFERENCES events(id), tag TEXT);\n"
        "```\n`todo.db` is the default; `add (x, y)` adds."
    )
    assert tables(request) == [
        ("events", "id INTEGER PRIMARY KEY, name TEXT"),
        ("tags", "event INTEGER REFERENCES events(id), tag TEXT"),
    ]


def test_no_helper_without_sqlite_and_a_left_body_without_columns() -> None:
    assert storage_helper("Keep the notes in a JSON file `notes.json`.", []) == ""
    helper = storage_helper("Keep the notes in SQLite.", ["Notes are kept in a database table."])
    assert helper.rstrip().endswith("    ...")
    assert "Notes are kept in a database table." in (
        ast.get_docstring(ast.parse(helper).body[0]) or ""
    )  # type: ignore[arg-type]


def test_the_outline_opens_the_database_through_one_helper_that_makes_the_tables(
    tmp_path: Path,
) -> None:
    outline = cli_outline("books.py", USAGE, BOOKS)
    tree = ast.parse(outline)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert names[:2] == ["open_db", "build_parser"]  # before the subcommands that use it
    docs = {n.name: ast.get_docstring(n) or "" for n in tree.body if isinstance(n, ast.FunctionDef)}
    for command in ("cmd_add", "cmd_list", "cmd_finish"):
        assert "`open_db(args.store)`" in docs[command]
    assert "Storage: one table" in docs["open_db"]
    assert "import sqlite3" in outline
    assert outline.count("    ...\n") == 3  # the helper is written; the subcommands are not
    # the written helper makes the request's table, and opening it twice is harmless
    namespace: dict[str, object] = {}
    helper = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "open_db")
    source = "import sqlite3\n" + (ast.get_source_segment(outline, helper) or "")
    exec(source, namespace)  # nosec B102 - our own outline, not model code
    open_db = namespace["open_db"]
    assert callable(open_db)
    path = str(tmp_path / "books.sqlite")
    open_db(path).close()
    conn = open_db(path)
    conn.execute("INSERT INTO books (title) VALUES (?)", ("Dune",))
    assert conn.execute("SELECT id, title, finished FROM books").fetchall() == [(1, "Dune", 0)]
    conn.close()
    assert isinstance(conn, sqlite3.Connection)


def test_a_program_without_sqlite_gets_no_helper() -> None:
    request = (
        BOOKS.replace("a SQLite database", "a JSON file")
        .replace("database", "JSON")
        .replace(
            "Storage: one table `books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, finished "
            "INTEGER\n  NOT NULL DEFAULT 0)`; ids",
            "Books are numbered; ids",
        )
    )
    outline = cli_outline("books.py", USAGE, request)
    assert "open_db" not in outline
    assert "import sqlite3" not in outline
