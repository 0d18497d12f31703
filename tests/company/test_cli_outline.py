"""The outline of a command-line program (company/cli_outline.py)."""

from __future__ import annotations

import ast

from macrohard.company.cli_outline import cli_outline, subcommands, usage_lines

NOTES = """# Notes on the command line

We want to keep notes in a JSON file.

## Interface

**`notes.py`**:

```
python notes.py [--file PATH] add TEXT [TEXT ...]
python notes.py [--file PATH] show [--last N]
python notes.py [--file PATH] drop ID
```

- `--file PATH` picks the notes file (default `notes.json`, created when missing).
- `add TEXT...` joins the words with spaces, stores the note and prints `Saved <id>`.
- `show` prints every note as `<id>: <text>`; `--last N` only the newest N.
- `drop ID` deletes a note; an unknown id prints an error on stderr.
- Notes are numbered from 1 in the order they were added.
- Exit codes: `0` success, `1` unknown id, `2` usage errors.

## Example

```
$ python notes.py add buy bread
Saved 1
```
"""

USAGE = (
    "python notes.py [--file PATH] add TEXT [TEXT ...]; python notes.py [--file PATH] show "
    "[--last N]; python notes.py [--file PATH] drop ID; python notes.py add buy bread"
)


def _functions(code: str) -> dict[str, str]:
    tree = ast.parse(code)
    return {n.name: ast.get_docstring(n) or "" for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_usage_forms_are_the_lines_with_placeholders_not_the_example_runs() -> None:
    forms = usage_lines(USAGE, "notes.py")
    assert len(forms) == 3
    assert all("[--file PATH]" in f for f in forms)
    assert subcommands(forms, "notes.py") == ["add", "show", "drop"]
    assert subcommands(["python tool.py INPUT [--json]"], "tool.py") == []


def test_each_subcommand_gets_a_function_with_its_own_rules() -> None:
    outline = cli_outline("notes.py", USAGE, NOTES)
    found = _functions(outline)
    assert list(found) == ["build_parser", "cmd_add", "cmd_show", "cmd_drop", "main"]
    assert "`--file PATH` picks the notes file" in found["build_parser"]
    assert "prints `Saved <id>`" in found["cmd_add"]
    assert "Saved" not in found["cmd_show"]
    module_doc = ast.get_docstring(ast.parse(outline)) or ""
    assert "numbered from 1" in module_doc  # a rule of no one subcommand is shared
    assert "Exit codes" in module_doc
    assert "`args.file` (str, default 'notes.json'), `args.text` (list of str)" in found["cmd_add"]
    assert "`args.last` (int or None)" in found["cmd_show"]
    # the parser and main are written from the usage, not left to the model
    assert "    show_parser.add_argument('--last', metavar='N', type=int)\n" in outline
    assert "    add_parser.add_argument('text', metavar='TEXT', nargs='+')\n" in outline
    assert "    return commands[args.command](args)\n" in outline
    assert outline.count("    ...\n") == 3  # only the three subcommands are left to fill
    assert "buy bread" not in outline  # the example section is not a rule
    assert outline.rstrip().endswith('if __name__ == "__main__":\n    sys.exit(main())')


def test_a_single_command_does_its_work_in_run_with_the_rules_beside_it() -> None:
    request = (
        "## Interface\n\n**`wc2.py`**, run as `python wc2.py FILE [--words]`\n\n"
        "- `FILE`: the text file to read.\n- `--words`: count words instead of lines.\n"
        "- Prints the count alone on one line.\n"
    )
    outline = cli_outline("wc2.py", "python wc2.py FILE [--words]", request)
    found = _functions(outline)
    assert list(found) == ["build_parser", "run", "main"]
    assert "Prints the count alone" in found["run"]
    assert "`args.file` (str), `args.words` (bool)" in found["run"]
    assert "    parser.add_argument('--words', action=\"store_true\")\n" in outline
    assert "`--words`: count words" in found["build_parser"]


def test_the_library_part_of_a_program_comes_first_and_its_own_main_is_kept() -> None:
    library = "def main(argv=None):\n    ...\n\n\ndef serve(port: int) -> None:\n    ...\n"
    outline = cli_outline("srv.py", "python srv.py --port N", "Run `srv.py --port N`.", library)
    found = list(_functions(outline))
    assert found == ["main", "serve", "build_parser", "run"]


def test_in_a_request_of_two_files_a_program_reads_only_its_own_part() -> None:
    request = (
        "## Interface\n\n**`lib.py`**:\n\n- `parse(text)` returns a list of numbers.\n\n"
        "**`tool.py`** (the program):\n\n```\npython tool.py [FILE ...]\n```\n\n"
        "- Reads the files in order; with none, reads standard input.\n"
    )
    outline = cli_outline("tool.py", "python tool.py [FILE ...]", request)
    assert "returns a list of numbers" not in outline
    assert "reads standard input" in _functions(outline)["run"]


def test_a_programs_library_functions_read_the_shared_rules_in_the_module_docstring() -> None:
    request = (
        "## Interface\n\n```python\ndef make_server(host: str, port: int): ...\n```\n\n"
        "Each server has its own store. `GET /keys` lists the keys as JSON.\n"
    )
    library = "def make_server(host: str, port: int):\n    ...\n"
    outline = cli_outline("kv.py", "python kv.py --port 8080", request, library)
    assert "`GET /keys` lists the keys" in (ast.get_docstring(ast.parse(outline)) or "")
    assert "GET /keys" not in _functions(outline)["run"]


def test_an_exit_code_rule_is_quoted_at_the_subcommands_it_names() -> None:
    request = NOTES.replace(
        "- Exit codes: `0` success, `1` unknown id, `2` usage errors.",
        "- Exit codes: `0` success; `1` when `drop` names an unknown id; `2` usage errors.",
    )
    outline = cli_outline("notes.py", USAGE, request)
    found = _functions(outline)
    assert "`1` when `drop` names an unknown id" in found["cmd_drop"]
    assert "unknown id" not in found["cmd_add"] + found["cmd_show"]
    assert "`1` when `drop`" in (ast.get_docstring(ast.parse(outline)) or "")  # still shared
