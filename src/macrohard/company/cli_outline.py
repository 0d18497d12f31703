"""The outline of a command-line program: a parser, one function per subcommand, and `main`.

A request that gives only a usage line (`python todo.py [--db PATH] add TEXT [TEXT ...]`) got a
whole-file answer from the 1.5B model: one long `main()` in which each subcommand's rules (the
exact output line, the exit code when an id does not exist) were two pages away in the request.
This outline splits the program the way its usage does, and puts each bullet of the request
beside the function it is about: the options' bullets on `build_parser`, each subcommand's on
its `cmd_<name>`, the exit codes on `main`, and the rest of the interface in the module's
docstring. The engineer fills it in like any other outline (`company/fill.py`).
"""

from __future__ import annotations

import ast
import re
import textwrap

from macrohard.company.cli_parser import (
    Usage,
    namespace,
    parser_code,
    read_usage,
    with_choices,
    with_defaults,
)
from macrohard.company.contract import file_names
from macrohard.company.mentions import SPAN, item, prose
from macrohard.company.skeleton import quote
from macrohard.company.storage_outline import ABOUT_STORAGE, how_to_open, storage_helper

DOC_LIMIT = 700  # characters of request text per member
MODULE_LIMIT = 2000


def usage_lines(cli_usage: str, path: str) -> list[str]:
    """The usage forms (with placeholders or brackets), not the example runs of the program."""
    program = path.rsplit("/", 1)[-1]
    lines = [u.strip() for u in cli_usage.replace("\n", ";").split(";") if program in u]
    bracketed = [u for u in lines if re.search(r"\[|\.\.\.", u)]
    forms = bracketed or [u for u in lines if re.search(r"\b[A-Z][A-Z_]+\b", u)]
    return forms or lines[:1]


def subcommands(forms: list[str], path: str) -> list[str]:
    """The subcommand of each usage form: its first bare lower-case word after the program
    and its options (`add` in `python todo.py [--db PATH] add TEXT`); [] for one command."""
    program = path.rsplit("/", 1)[-1]
    found = []
    for form in forms:
        rest = form.split(program, 1)[1]
        rest = re.sub(r"\[[^\]]*\]", " ", rest)  # optional parts
        words = rest.split()
        while words and words[0].startswith("-"):
            words = words[2:] if len(words) > 1 and words[1].isupper() else words[1:]
        if words and re.fullmatch(r"[a-z][a-z0-9_-]*", words[0]):
            found.append(words[0])
    found = list(dict.fromkeys(found))
    return found if len(found) > 1 else []


def _bullets(request: str, path: str) -> list[tuple[str, list[str]]]:
    """Every bullet or paragraph of the request outside code blocks, with its backtick spans,
    in the parts about `path` (a request of two files describes each after naming it)."""
    lines = request.splitlines()
    found: list[tuple[str, list[str]]] = []
    seen, current = set[int](), None
    for number, line in prose(lines):
        named = file_names(line)
        if named and len(named) == 1:
            current = named[0]
        if current not in (path, None):
            continue
        if not line.strip() or number in seen or line.lstrip().startswith("#"):
            continue
        start, end = item(lines, number, children=False)
        seen.update(range(start, end))
        text = textwrap.dedent("\n".join(lines[start:end])).strip()
        found.append((text, SPAN.findall(text)))
    return found


def cli_outline(path: str, cli_usage: str, request: str, library: str = "") -> str:
    """The program's outline, after the `library` outline of the file's own functions when it
    has some; '' when the usage names no program of `path`."""
    forms = usage_lines(cli_usage, path)
    if not forms:
        return ""
    subs = subcommands(forms, path)
    options = {w for f in forms for w in re.findall(r"(--?[a-z][\w-]*|\b[A-Z][A-Z_]+\b)", f)}
    options -= {sub.upper() for sub in subs}
    about_options, about_exit, about_sub, rest = [], [], dict[str, list[str]](), []
    exits = dict[str, list[str]]()  # subcommand -> the exit-code rules that name it
    for text, spans in _bullets(_interface(request), path):
        first = _first_word(text)
        if first in subs:
            about_sub.setdefault(first, []).append(text)
        elif first in options or first.split("=")[0] in options:
            about_options.append(text)
        elif re.search(r"\bexit (?:code|status)", text, re.I):
            about_exit.append(text)
            # quoted at each subcommand it names too: "`1` when `done`/`remove` name an id
            # that doesn't exist" is where cmd_done picks its exit code
            for sub in dict.fromkeys(s.split()[0] for s in spans if s.split()):
                if sub in subs:
                    exits.setdefault(sub, []).append(text)
        elif (spans or text.startswith(("- ", "* "))) and not _only_names_files(text, spans):
            rest.append(text)
    usage = "\n".join(forms)
    program = path.rsplit("/", 1)[-1]
    parsed = read_usage(forms, program, subs)
    if parsed is not None:
        parsed = with_choices(with_defaults(parsed, about_options), request)
    storage = storage_helper(request, [*about_options, *rest])
    opened = how_to_open(_database_option(parsed, about_options)) if storage else ""
    own_main = bool(re.search(r"^def main\(", library, re.M))  # the contract may name one
    # a single command does all its work in run(): the rules go there; subcommands share them
    # (and so do a program's own library functions: kvstore's HTTP API is make_server's work)
    alone = not subs and not library.strip()
    shared = [] if alone else [*rest, *about_exit]
    parts = [
        quote(["Command line:\n" + usage, *shared], "", MODULE_LIMIT),
        "import argparse\nimport sqlite3\nimport sys" if storage else "import argparse\nimport sys",
        library,
        storage,
    ]
    body = "\n".join(parser_code(parsed)) if parsed is not None else "    ..."
    parts.append(
        "def build_parser() -> argparse.ArgumentParser:\n"
        + quote([usage, *about_options], "    ", DOC_LIMIT)
        + body
    )
    for sub in subs:
        name = re.sub(r"\W", "_", sub)
        holds = namespace(parsed, sub) if parsed is not None else ""
        about = [
            f"The `{sub}` subcommand; returns the exit code.",
            holds,
            opened,
            *about_sub.get(sub, []),
            *exits.get(sub, []),
        ]
        parts.append(
            f"def cmd_{name}(args: argparse.Namespace) -> int:\n"
            + quote(about, "    ", DOC_LIMIT)
            + "    ..."
        )
    if not subs:
        holds = namespace(parsed, None) if parsed is not None else ""
        about = [
            "The program's work for the parsed `args`; returns the exit code.",
            holds,
            opened,
            *(rest if alone else []),
            *about_exit,
        ]
        parts.append(
            "def run(args: argparse.Namespace) -> int:\n"
            + quote(about, "    ", MODULE_LIMIT)
            + "    ..."
        )
    if not own_main:
        if subs:
            table = ", ".join(f"{sub!r}: cmd_{re.sub(r'[^0-9a-zA-Z_]', '_', sub)}" for sub in subs)
            dispatch = [f"    commands = {{{table}}}", "    return commands[args.command](args)"]
        else:
            dispatch = ["    return run(args)"]
        parts.append(
            "def main(argv: list[str] | None = None) -> int:\n"
            + quote(
                ["Parse `argv` (default: sys.argv[1:]) and run; returns the exit code."],
                "    ",
                DOC_LIMIT,
            )
            + "\n".join(["    args = build_parser().parse_args(argv)", *dispatch])
        )
    parts.append('if __name__ == "__main__":\n    sys.exit(main())')
    outline = "\n\n\n".join(p.strip("\n") for p in parts if p) + "\n"
    try:
        ast.parse(outline)
    except SyntaxError:
        return ""
    return outline


def _database_option(parsed: Usage | None, about_options: list[str]) -> str:
    """The `args` attribute that holds the database's path: the option a bullet about storage
    describes (`--db PATH` ... "selects the database file"), or one whose default is a
    database file; '' when there is none."""
    for argument in parsed.options if parsed is not None else []:
        if not argument.metavar:
            continue
        about = [b for b in about_options if _first_word(b) == argument.name]
        if any(ABOUT_STORAGE.search(b) for b in about) or argument.default.endswith(
            (".db", ".sqlite", ".sqlite3")
        ):
            return argument.dest
    return ""


def _first_word(text: str) -> str:
    spans = SPAN.findall(text)
    return spans[0].split()[0] if spans and spans[0].split() else ""


def _only_names_files(text: str, spans: list[str]) -> bool:
    """ "One file: **`todo.py`**." or "`people.csv`:": a heading for what follows, not a rule."""
    files = all(re.fullmatch(r"[\w./-]+\.\w+", span) for span in spans)
    return files and len(SPAN.sub("", text).split()) < 6


def _interface(request: str) -> str:
    """The request's interface section (the story before it is not a rule, and its examples
    become client examples elsewhere), or all of it when it has no such heading."""
    match = re.search(r"^#+\s*(?:interface|usage|specification)\b.*$", request, re.I | re.M)
    part = request[match.start() :] if match else request
    examples = re.search(r"^#+\s*examples?\b", part, re.I | re.M)
    return part[: examples.start()] if examples else part
