"""Forgotten standard-library imports are added; nothing bound in the file is touched."""

from __future__ import annotations

from macrohard.synth.imports import add_missing_imports, missing_imports


def test_forgotten_imports_are_added_after_the_docstring() -> None:
    code = (
        '"""Tests."""\nfrom money import Money\n\n\n'
        'def test_cli():\n    run([sys.executable, str(Path("x"))])\n'
    )
    fixed = add_missing_imports(code)
    assert fixed.splitlines()[:3] == ['"""Tests."""', "import sys", "from pathlib import Path"]
    compile(fixed, "t.py", "exec")


def test_bound_names_and_builtins_are_left_alone() -> None:
    code = (
        "import os as sys\nfrom decimal import Decimal\n\n"
        "def f(json, Path=None):\n    for re in range(3):\n        print(sys, json, re, Decimal)\n"
    )
    assert missing_imports(code) == []
    assert add_missing_imports(code) == code


def test_unparsable_code_is_returned_as_is() -> None:
    assert add_missing_imports("def broken(:\n    sys.exit()") == "def broken(:\n    sys.exit()"


def test_an_annotation_naming_its_own_class_is_postponed() -> None:
    code = (
        '"""Money."""\n\nimport decimal\n\n\nclass Money:\n'
        "    def split(self, n: int) -> list[Money]:\n        return [self] * n\n"
    )
    fixed = add_missing_imports(code)
    assert fixed.splitlines()[:2] == ['"""Money."""', "from __future__ import annotations"]
    assert add_missing_imports(fixed) == fixed  # once is enough
    # a class used after it exists needs nothing
    fine = "class A:\n    pass\n\n\ndef make() -> A:\n    return A()\n"
    assert add_missing_imports(fine) == fine


def test_an_import_inside_one_function_does_not_serve_another() -> None:
    code = (
        "def add(db):\n    import sqlite3\n    return sqlite3.connect(db)\n\n\n"
        "def show(db):\n    return sqlite3.connect(db)\n"
    )
    assert missing_imports(code) == ["import sqlite3"]
    inner = "def add(db):\n    import sqlite3\n\n    def again():\n        return sqlite3\n"
    assert missing_imports(inner) == []  # a nested function sees its enclosing imports


def test_an_import_a_function_repeats_from_the_top_of_the_file_goes() -> None:
    from macrohard.synth.imports import drop_repeated_imports

    base = (
        "import re\nimport uuid\nfrom os import path as p\n\n\n"
        "def old(x):\n    import re\n    return re.escape(x)\n"
    )
    code = base + (
        "\n\ndef is_uuid(obj, version=4):\n"
        '    """Whether obj is a UUID."""\n'
        "    import uuid\n\n"
        "    if isinstance(obj, uuid.UUID):\n        return True\n"
        "    from os import path\n"  # binds another name than the top's `p`: it stays
        "    import json\n"  # not imported at the top: it stays
        "    return bool(json, path)\n"
        "\n\ndef only():\n    import uuid\n"  # a body of nothing else keeps it
    )
    new = drop_repeated_imports(code, base)
    assert '"""Whether obj is a UUID."""\n    if isinstance(obj, uuid.UUID):' in new
    assert "    import uuid\n\n    if" not in new
    assert "    from os import path\n    import json\n" in new
    assert "def only():\n    import uuid\n" in new
    # the authors' own repeat in `old` is their style, not the change's
    assert "def old(x):\n    import re\n" in new
    assert new.count("import re\n") == 2
    # without a base, theirs would go too; code that does not parse is returned as it was
    assert "def old(x):\n    return re.escape(x)" in drop_repeated_imports(code)
    assert drop_repeated_imports("def f(:\n") == "def f(:\n"
