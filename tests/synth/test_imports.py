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
