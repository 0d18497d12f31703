"""A program's outline imports the project modules it depends on (company/roles/engineer.py)."""

from __future__ import annotations

import ast

from macrohard.company.artifacts import FilePlan
from macrohard.company.contract import spec_from_request
from macrohard.company.roles.engineer import project_imports, request_imports, with_imports

REQUEST = """# Tools

## Interface

**`lib.py`**:

- `LIMIT = 10`
- `parse(text: str) -> list[int]` returns the numbers in the text.
- `class Box(size: int)`: a box.

**`tool.py`** (the program, using `lib`):

```
python tool.py [FILE ...]
```

- Reads the files in order; with none, reads standard input.
"""


def test_a_program_imports_the_top_level_names_of_the_modules_it_depends_on() -> None:
    spec = spec_from_request(REQUEST)
    assert spec is not None
    plan = FilePlan(path="tool.py", depends_on=["lib.py"])
    assert project_imports(REQUEST, spec, plan) == ["from lib import Box, LIMIT, parse"]
    assert project_imports(REQUEST, spec, FilePlan(path="tool.py")) == []


def test_the_imports_go_after_the_outlines_docstring_and_its_own_imports() -> None:
    outline = '"""Tool."""\n\nimport sys\n\n\ndef main() -> int:\n    ...\n'
    placed = with_imports(outline, ["from lib import parse"])
    body = ast.parse(placed).body
    assert [type(n).__name__ for n in body] == ["Expr", "Import", "ImportFrom", "FunctionDef"]
    assert with_imports(outline, []) == outline


def test_the_standard_library_modules_a_request_names_are_imported_unless_refused() -> None:
    request = (
        "Standard library only (`csv`, `json`, `argparse`). Keep amounts as `decimal.Decimal`; "
        "`collections.OrderedDict` is fine; serve with `http.server`. No `eval`, no `ast`-based "
        "shortcuts, and do not use `subprocess`. Call `parse(text)` and read `sys.argv`."
    )
    assert request_imports(request, "import argparse\nimport sys\n") == [
        "import csv",
        "import json",
        "from decimal import Decimal",
        "from collections import OrderedDict",
        "import http.server",
    ]
