"""Well-known errors get their usual reading beside the failure; anything else gets none."""

from __future__ import annotations

from macrohard.company.harness import WALK_HEAD
from macrohard.company.hints import hints

SQLITE = """Traceback (most recent call last):
  File "notes.py", line 8, in add_note
    cursor.execute("INSERT INTO notes (body) VALUES (?)", (body,))
sqlite3.OperationalError: no such table: notes"""


def test_a_missing_table_says_create_it_once_however_often_it_fails() -> None:
    found = hints([SQLITE, SQLITE.replace("add_note", "list_notes")])
    assert len(found) == 1
    assert "CREATE TABLE IF NOT EXISTS notes" in found[0]


def test_each_known_error_gets_its_reading_in_the_order_met() -> None:
    found = hints(
        [
            "AttributeError: 'Namespace' object has no attribute 'id'",
            "UnboundLocalError: cannot access local variable 'best_move' where it is not "
            "associated with a value",
            "TypeError: unsupported operand type(s) for *: 'int' and 'Vector'",
        ]
    )
    assert len(found) == 3
    assert "add_argument('id')" in found[0]
    assert "hides the function" in found[1]
    assert "`Vector.__rmul__`" in found[2]


def test_an_ordinary_failure_gets_no_hint() -> None:
    assert hints(["AssertionError: assert 3 == 4", "ValueError: bad ratio"]) == []


def test_a_standard_library_object_s_missing_attribute_names_the_classes_that_have_it() -> None:
    import sqlite3  # noqa: F401  # the reading looks only at modules already imported

    said = hints(["AttributeError: 'sqlite3.Connection' object has no attribute 'lastrowid'"])
    assert said == ["A `sqlite3.Connection` has no `lastrowid`; `sqlite3.Cursor` has it."]
    # a project's own class, or an attribute no class of the module has: nothing to say
    assert hints(["'money.Money' object has no attribute 'cents'"]) == []
    assert hints(["'sqlite3.Connection' object has no attribute 'nowhere_at_all'"]) == []


def test_a_misread_call_is_explained_only_where_a_failing_walk_ran_it() -> None:
    walk = (
        "Expected:\n    'a b'\nGot:\n    'a  b'\n\nfunctions run: m.py:f\n"
        f"{WALK_HEAD}\n  f(s='a  b'):\n"
        "    line 3: words = s.split(' ')   # words = ['a', '', 'b']\n"
        "    line 4: return round(x)\n  -> f returned 'a  b'"
    )
    said = hints([walk])
    assert len(said) == 2 and "`s.split()` splits on every run" in said[0] and "round" in said[1]
    # the same code quoted outside a walk (a test's source, a traceback) is no cue
    assert hints(["def test_f():\n>       assert f(s.split(' ')) == 2"]) == []
    assert hints([walk, walk]) == said  # each reading once
