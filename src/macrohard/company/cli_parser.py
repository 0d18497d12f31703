"""A command-line program's argparse parser, written from its usage lines instead of by the model.

Given `python todo.py [--db PATH] add TEXT [TEXT ...]` and three more lines like it, the 1.5B
model wrote a parser with the four subcommand names and none of their arguments, so every
client example ended in "unrecognized arguments". The usage lines say it all: which options
come before the subcommand, each subcommand's positionals and how many, which options take a
value. This module reads them into a `Usage` and writes the parser's code; the model then writes
each subcommand's body knowing exactly what `args` holds. The parser is an ordinary function of
the file, so a repair can still change it. A value the request limits ("LEVEL is exactly one
of `DEBUG`, `INFO`, ...") gets `choices=`, so a wrong one exits 2 as argparse does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from macrohard.company.mentions import SPAN

_TOKEN = re.compile(r"\[[^\]]*\]|\S+")
_PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*(?:\.\.\.)?")
#: placeholders that name a whole number
INTEGERS = {"ID", "N", "NUM", "NUMBER", "COUNT", "PORT", "SIZE", "LIMIT", "INDEX", "SECONDS"}


@dataclass
class Argument:
    """One option or positional: `--db PATH`, `--all`, `TEXT [TEXT ...]`."""

    name: str  # "--db" or "TEXT"
    metavar: str = ""  # an option's value placeholder; "" for a flag
    nargs: str = ""  # "", "?", "*" or "+"
    integer: bool = False
    default: str = ""
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> bool:
        return self.name.startswith("-")

    @property
    def dest(self) -> str:
        return re.sub(r"\W", "_", self.name.lstrip("-").lower())


@dataclass
class Usage:
    """The program's options before any subcommand, and each subcommand's own arguments."""

    program: str
    options: list[Argument] = field(default_factory=list)
    subcommands: dict[str, list[Argument]] = field(default_factory=dict)

    def arguments(self) -> list[Argument]:
        """The program's options, then every subcommand's arguments."""
        return [*self.options, *(a for args in self.subcommands.values() for a in args)]


def read_usage(forms: list[str], program: str, subcommands: list[str]) -> Usage | None:
    """The usage forms as one `Usage`; None when a form is not of `program` or is not read."""
    usage = Usage(program)
    for form in forms:
        if program not in form:
            return None
        words = _TOKEN.findall(form.split(program, 1)[1])
        where = usage.options
        for i, word in enumerate(words):
            if word in subcommands:
                where = usage.subcommands.setdefault(word, [])
                continue
            _add(where, word, words[i + 1] if i + 1 < len(words) else "", words[i - 1 : i])
    return usage


def _add(where: list[Argument], word: str, following: str, before: list[str]) -> None:
    known = {a.name: a for a in where}
    if word.startswith("[") and word.endswith("]"):
        inner = word[1:-1].split()
        if not inner:
            return
        if inner[0].startswith("-"):
            value = inner[1] if len(inner) > 1 and _value(inner[1]) else ""
            _put(where, Argument(inner[0], value, integer=_integer(value)))
        elif _PLACEHOLDER.fullmatch(inner[0]):
            name = inner[0].removesuffix("...")
            repeated = "..." in word
            if name in known and repeated:
                known[name].nargs = "+"  # TEXT [TEXT ...]
            elif name not in known:
                _put(where, Argument(name, nargs="*" if repeated else "?", integer=_integer(name)))
        return
    if word.startswith("-"):
        value = following if _value(following) else ""
        _put(where, Argument(word, value, integer=_integer(value)))
    elif _PLACEHOLDER.fullmatch(word) and not (before and before[0].startswith("-")):
        name = word.removesuffix("...")
        _put(
            where, Argument(name, nargs="+" if word.endswith("...") else "", integer=_integer(name))
        )


def _value(word: str) -> bool:
    """An option's value: a placeholder (`PATH`) or a literal one (`8080`)."""
    return bool(_PLACEHOLDER.fullmatch(word) or re.fullmatch(r"\d+(?:\.\d+)?", word))


def _integer(word: str) -> bool:
    return word in INTEGERS or word.isdigit()


def _put(where: list[Argument], argument: Argument) -> None:
    if all(a.name != argument.name for a in where):
        where.append(argument)


def with_defaults(usage: Usage, bullets: list[str]) -> Usage:
    """Each option's default where a bullet about it gives one ("Without it, the database is
    `todo.db`", "default `10`")."""
    for argument in usage.arguments():
        if not argument.option or not argument.metavar:
            continue
        for bullet in bullets:
            spans = SPAN.findall(bullet)
            if not spans or spans[0].split()[0] != argument.name:
                continue
            said = re.search(r"\b(?:default|without it)\b", bullet, re.I)
            later = SPAN.findall(bullet[said.end() :]) if said else []
            value = next((s for s in later if not s.startswith("-")), "")
            if value and (not argument.integer or value.isdigit()):
                argument.default = value
    return usage


def with_choices(usage: Usage, request: str) -> Usage:
    """Each placeholder's allowed values where the request lists them: "`LEVEL` is exactly one
    of `DEBUG`, `INFO`, `WARNING`" (two or more backticked values after "one of")."""
    for argument in usage.arguments():
        placeholder = argument.metavar if argument.option else argument.name
        if not placeholder or argument.integer or not _PLACEHOLDER.fullmatch(placeholder):
            continue
        listed = re.search(
            rf"(?<![\w-])`?{re.escape(placeholder)}`?\s+(?:is|must be)\s+(?:exactly\s+)?one\s+of"
            r"((?:[\s,]*(?:or\s+)?`[^`\n]+`)+)",
            request,
        )
        values = SPAN.findall(listed.group(1)) if listed else []
        if len(values) >= 2:
            argument.choices = tuple(values)
    return usage


def _call(variable: str, argument: Argument) -> str:
    options = [repr(argument.name if argument.option else argument.dest)]
    if argument.option and not argument.metavar:
        options.append('action="store_true"')
    if argument.metavar and not _PLACEHOLDER.fullmatch(argument.metavar):
        options.append(f"metavar={argument.dest.upper()!r}")
    elif argument.metavar or not argument.option:
        options.append(f"metavar={(argument.metavar or argument.name)!r}")
    if argument.nargs:
        options.append(f"nargs={argument.nargs!r}")
    if argument.integer and (argument.metavar or not argument.option):
        options.append("type=int")
    if argument.default:
        default = argument.default if argument.integer else repr(argument.default)
        options.append(f"default={default}")
    if argument.choices:
        options.append(f"choices={argument.choices!r}")
    return f"    {variable}.add_argument({', '.join(options)})"


def parser_code(usage: Usage) -> list[str]:
    """The body of `build_parser()` (without its docstring)."""
    lines = [f"    parser = argparse.ArgumentParser(prog={usage.program!r})"]
    lines += [_call("parser", a) for a in usage.options]
    if usage.subcommands:
        lines.append('    commands = parser.add_subparsers(dest="command", required=True)')
        for name, arguments in usage.subcommands.items():
            variable = re.sub(r"\W", "_", name) + "_parser"
            lines.append(f"    {variable} = commands.add_parser({name!r})")
            lines += [_call(variable, a) for a in arguments]
    lines.append("    return parser")
    return lines


def namespace(usage: Usage, subcommand: str | None) -> str:
    """What `args` holds for a subcommand (or the whole program): `args.text` (list of str)..."""
    arguments = [*usage.options, *usage.subcommands.get(subcommand or "", [])]
    parts = []
    for a in arguments:
        kind = "bool" if a.option and not a.metavar else "int" if a.integer else "str"
        if a.nargs in ("*", "+"):
            kind = f"list of {kind}"
        elif a.nargs == "?" or (a.option and a.metavar and not a.default):
            kind = f"{kind} or None"
        shown = a.default if a.integer else repr(a.default)
        default = f", default {shown}" if a.default else ""
        parts.append(f"`args.{a.dest}` ({kind}{default})")
    return "`args` holds: " + ", ".join(parts) + "." if parts else ""
