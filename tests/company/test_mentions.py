"""The request's lines that name a function or its parameters, quoted beside its repair."""

from __future__ import annotations

from macrohard.company.mentions import expected_in_request, mentions

REQUEST = """# Money

Standard library only.

- `class Money(amount, currency="USD")`
  - `amount` may be a `str`, an `int`, or a `decimal.Decimal`. A `float`
    must be rejected with `TypeError`.
  - `currency` must be three uppercase letters.
- Comparison: `==` is true when both currency and amount are equal (a `Money` is never
  equal to a non-`Money`).
- `m.format() -> str` shows the amount:
  - `USD` -> `"$1,234.56"`;
  - any other currency -> `"1,234.56 CHF"`.

```python
>>> Money("1").format()
'$1.00'
```
"""

CODE = """class Money:
    def __init__(self, amount, currency="USD"):
        self.amount = amount

    def __add__(self, other):
        return Money(self.amount + other.amount)

    def format(self):
        return str(self.amount)


def to_cents(value, n):
    return value
"""


def test_a_constructor_is_found_by_its_parameters() -> None:
    said = mentions(REQUEST, CODE, ["Money.__init__"])
    assert said.splitlines() == REQUEST.splitlines()[4:8]  # the class bullet and its children


def test_a_method_is_found_by_name_with_its_sub_bullets() -> None:
    said = mentions(REQUEST, CODE, ["Money.format"])
    assert said.startswith("- `m.format() -> str` shows the amount:")
    assert '`"1,234.56 CHF"`' in said
    assert ">>>" not in said  # a code block is an example, not a rule


def test_only_names_in_backticks_count_and_operators_have_none() -> None:
    # "currency and amount" in the comparison bullet's prose is not a mention
    assert "Comparison" not in mentions(REQUEST, CODE, ["Money.__init__"])
    assert mentions(REQUEST, CODE, ["Money.__add__"]) == ""
    assert mentions(REQUEST, CODE, ["to_cents", "missing"]) == ""  # `n` is too short to look for
    assert mentions(REQUEST, "def broken(:\n", ["broken"]) == ""


def test_the_quote_is_bounded() -> None:
    long = "\n".join(f"- `amount` rule {i}: " + "x" * 60 for i in range(100))
    said = mentions(long, CODE, ["Money.__init__"], limit=500)
    assert 0 < len(said) <= 500 and said.endswith("x")


CLI_REQUEST = """One file: `todo.py`.

- `--db PATH` selects the database file.
- `add TEXT...` prints exactly `Added <id>: <text>`.
- `list` prints the pending tasks; with `--all` every task.
- Exit codes: `0` success, `2` for usage errors.
"""

CLI_CODE = """import argparse


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="todo.db")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("add").add_argument("text", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "list":
        return 0
"""


def test_a_command_line_main_is_found_by_the_words_it_handles() -> None:
    said = mentions(CLI_REQUEST, CLI_CODE, ["main"]).splitlines()
    assert said == CLI_REQUEST.splitlines()[2:5]  # --db, add, list (not `--all`'s "all")


def test_a_missing_method_is_found_by_what_the_request_calls_it() -> None:
    request = "- `str(m)` gives the amount and the code.\n- `m.split(n)` splits it.\n"
    code = "class Money:\n    def __init__(self, amount):\n        self.amount = amount\n"
    assert mentions(request, code, ["Money.__str__"]) == "- `str(m)` gives the amount and the code."
    assert mentions(request, code, ["Money.split"]) == "- `m.split(n)` splits it."


def test_a_test_expecting_what_the_request_wrote_is_vouched_for_by_it() -> None:
    request = 'PUT /keys/color   {"value": "blue"}  -> 201 {"key": "color", "value": "blue"}'
    message = (
        ">       assert data == {'key': 'color', 'value': 'blue'}\n"
        "E       AssertionError: assert {'key': 'color', 'value': {'value': 'blue'}} == ..."
    )
    assert expected_in_request(message, request)
    assert not expected_in_request(message.replace("blue", "red"), request)
    assert not expected_in_request(">       assert status == 201\nE   assert 200 == 201", request)
