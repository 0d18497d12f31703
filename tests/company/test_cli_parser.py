"""A command-line program's parser written from its usage lines (company/cli_parser.py)."""

from __future__ import annotations

from macrohard.company.cli_parser import (
    namespace,
    parser_code,
    read_usage,
    with_choices,
    with_defaults,
)


def test_options_positionals_and_their_counts_come_from_the_usage() -> None:
    usage = read_usage(["python grep2.py PATTERN [FILE ...] [--max N] [--quiet]"], "grep2.py", [])
    assert usage is not None
    code = "\n".join(parser_code(usage))
    assert "parser.add_argument('pattern', metavar='PATTERN')" in code
    assert "parser.add_argument('file', metavar='FILE', nargs='*')" in code
    assert "parser.add_argument('--max', metavar='N', type=int)" in code
    assert "parser.add_argument('--quiet', action=\"store_true\")" in code
    assert "add_subparsers" not in code
    compile(f"import argparse\ndef build_parser():\n{code}\n", "<parser>", "exec")


def test_a_literal_value_makes_an_option_that_takes_one_of_its_kind() -> None:
    usage = read_usage(["python serve.py --port 8080 [--host HOST]"], "serve.py", [])
    assert usage is not None
    assert [(a.name, a.metavar, a.integer) for a in usage.options] == [
        ("--port", "8080", True),
        ("--host", "HOST", False),
    ]
    assert "add_argument('--port', metavar='PORT', type=int)" in "\n".join(parser_code(usage))


def test_defaults_are_read_from_the_bullet_about_the_option() -> None:
    forms = ["python kv.py [--db PATH] [--limit N] get KEY", "python kv.py [--db PATH] keys"]
    usage = read_usage(forms, "kv.py", ["get", "keys"])
    assert usage is not None
    bullets = [
        "- `--db PATH` picks the file. Without it, the store is `kv.sqlite`.",
        "- `--limit N` caps the answer (default `10`).",
    ]
    usage = with_defaults(usage, bullets)
    code = "\n".join(parser_code(usage))
    assert "parser.add_argument('--db', metavar='PATH', default='kv.sqlite')" in code
    assert "parser.add_argument('--limit', metavar='N', type=int, default=10)" in code
    assert "get_parser.add_argument('key', metavar='KEY')" in code
    assert "keys_parser = commands.add_parser('keys')" in code
    said = namespace(usage, "get")
    assert said == (
        "`args` holds: `args.db` (str, default 'kv.sqlite'), `args.limit` (int, default 10), "
        "`args.key` (str)."
    )


def test_a_form_of_another_program_is_not_read() -> None:
    assert read_usage(["python other.py X"], "tool.py", []) is None


def test_a_value_the_request_limits_gets_choices() -> None:
    request = (
        "LEVEL is exactly one of `DEBUG`, `INFO` or `ERROR` (upper case).\n"
        "FORMAT is one of the formats below.\n"
    )
    usage = read_usage(["python log.py [--min-level LEVEL] [--as FORMAT] [N]"], "log.py", [])
    assert usage is not None
    code = "\n".join(parser_code(with_choices(usage, request)))
    assert "'--min-level', metavar='LEVEL', choices=('DEBUG', 'INFO', 'ERROR'))" in code
    assert "'--as', metavar='FORMAT')" in code  # no values listed: free
    assert "choices" not in code.split("'n'")[1]  # a number is not limited by words
