"""Whole-function repair: blame the right function, splice its new version in."""

from __future__ import annotations

import ast

from macrohard.company.splice import (
    crash_line,
    fault_functions,
    function_source,
    hollow,
    insert,
    missing_methods,
    restored,
    splice,
    stubbed,
    written,
)

CODE = """from decimal import Decimal


class Money:
    def __init__(self, amount, currency="USD"):
        if not isinstance(amount, (int, str)):
            raise TypeError("Amount must be a number")
        self.amount = Decimal(amount)

    @property
    def cents(self):
        return int(self.amount * 100)


def total(items):
    return sum(items)
"""

TRACEBACK = """Failed example:
    Money("0.10") + Money("0.20")
Exception raised:
    Traceback (most recent call last):
      File "<doctest client_example[0]>", line 1, in <module>
      File "/tmp/p/money.py", line 7, in __init__
        raise TypeError("Amount must be a number")
    TypeError: Amount must be a number
"""


def test_the_innermost_frame_in_the_file_is_blamed() -> None:
    assert fault_functions(CODE, "money.py", [TRACEBACK]) == ["Money.__init__"]


def test_without_a_traceback_the_called_function_is_blamed() -> None:
    wrong_value = "Failed example:\n    total([1, 2])\nExpected:\n    3\nGot:\n    0\n"
    assert fault_functions(CODE, "money.py", [wrong_value]) == ["total"]
    # the doctest harness's own calls (runner.run(...)) are not the project's
    harness = wrong_value + "\n    runner.run(test, out=report.append)\n    cents(x)"
    assert fault_functions(CODE, "money.py", [harness]) == ["total"]


def test_a_traced_example_blames_what_it_ran_in_this_file_in_call_order() -> None:
    """The last line of `evicted, c.keys()` calls keys(), but the wrong value came from an
    earlier put(): the harness's trace of the whole session names every function it ran."""
    message = (
        "Failed example:\n    total([m.cents])\nExpected:\n    3\nGot:\n    0\n\n"
        "functions run: money.py:Money.__init__, other.py:helper, money.py:Money.cents, "
        "money.py:gone\nassert 1 == 0"
    )
    assert fault_functions(CODE, "money.py", [message]) == ["Money.__init__", "Money.cents"]
    many = "functions run: " + ", ".join(f"money.py:f{i}" for i in range(9))
    code = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(9))
    assert fault_functions(code, "money.py", [many]) == [f"f{i}" for i in range(6)]


def test_a_trace_puts_accessors_last_so_the_cut_keeps_the_logic() -> None:
    """12's example ran five properties and `to_tuple` before `_nat_cmp`, the function at
    fault, and the list was cut before it."""
    code = (
        "class V:\n"
        "    @property\n    def major(self):\n        'The major part.'\n"
        "        return self._major\n\n"
        "    def parts(self):\n        return (self.major, self._minor)\n\n"
        "    def hook(self):\n        pass\n\n"
        "    def compare(self, other):\n        return self._nat(self.parts(), other)\n\n"
        "    def _nat(self, a, b):\n        return (a > b) - (a < b)\n"
    )
    ran = ["V.major", "V.parts", "V.hook", "V.compare", "V.major", "V._nat"]
    message = "functions run: " + ", ".join(f"v.py:{q}" for q in ran)
    assert fault_functions(code, "v.py", [message], limit=3) == [
        "V.compare",
        "V._nat",
        "V.major",
        "V.parts",
        "V.hook",
    ]


def test_functions_the_outline_wrote_are_blamed_only_when_nothing_else_is() -> None:
    """03-todo's failing example ran `main`, `build_parser` and `open_db` (written from the
    request, right) beside the subcommand the model wrote wrong."""
    outline = (
        "def open_db(path):\n    'Open it.'\n    return path\n\n\n"
        "def cmd_add(args):\n    'Add.'\n    ...\n\n\n"
        "def main():\n    return cmd_add(None)\n"
    )
    assert written(outline) == {"open_db", "main"}
    code = outline.replace("    ...", "    return open_db(args)")
    message = "functions run: todo.py:main, todo.py:open_db, todo.py:cmd_add"
    given = written(outline)
    assert fault_functions(code, "todo.py", [message], given=given) == ["cmd_add"]
    only_given = "functions run: todo.py:main, todo.py:open_db"
    assert fault_functions(code, "todo.py", [only_given], given=given) == ["main", "open_db"]


def test_a_frame_in_another_file_blames_nothing_here() -> None:
    other = TRACEBACK.replace("/tmp/p/money.py", "/tmp/p/other.py").replace("Money(", "X(")
    assert fault_functions(CODE, "money.py", [other]) == []


def test_a_method_is_spliced_at_its_indentation_and_the_rest_kept() -> None:
    reply = (
        "def __init__(self, amount, currency='USD'):\n"
        "    self.amount = Decimal(str(amount))\n"
        "    self.currency = currency\n"
    )
    fixed = splice(CODE, "Money.__init__", reply)
    assert fixed is not None
    assert "        self.amount = Decimal(str(amount))" in fixed
    assert "TypeError" not in fixed
    assert function_source(fixed, "Money.cents") == function_source(CODE, "Money.cents")
    assert function_source(fixed, "total") == function_source(CODE, "total")


def test_a_reply_holding_the_whole_class_gives_up_just_that_method() -> None:
    reply = "class Money:\n    def cents(self):\n        return round(self.amount * 100)\n"
    fixed = splice(CODE, "Money.cents", reply)
    assert fixed is not None and "return round(self.amount * 100)" in fixed
    assert "    @property\n    def cents" in fixed  # a reply without decorators keeps them
    assert 'raise TypeError("Amount must be a number")' in fixed


def test_a_reply_without_the_function_or_that_breaks_the_file_is_refused() -> None:
    assert splice(CODE, "total", "def other():\n    pass\n") is None
    assert splice(CODE, "total", "def total(items:\n") is None


def test_hollow_leaves_the_signatures_and_the_rest_of_the_file() -> None:
    shown = hollow(CODE, ["Money.__init__", "total"])
    assert "raise TypeError" not in shown and "return sum(items)" not in shown
    assert '    def __init__(self, amount, currency="USD"):\n        ...\n' in shown
    assert "def total(items):\n    ...\n" in shown
    assert function_source(shown, "Money.cents") == function_source(CODE, "Money.cents")
    ast.parse(shown)


def test_a_method_given_at_its_class_indentation_is_spliced() -> None:
    reply = "    def total(items):\n        return sum(items) + 1\n"
    assert "return sum(items) + 1" in (splice(CODE, "total", reply) or "")


DEFAULT_REPR = """Failed example:
    str(Money(-3))
Expected:
    '-3.00 USD'
Got:
    '<money.Money object at 0x7fb15b34c0d0>'

functions run: money.py:Money.__init__"""


def test_a_default_repr_or_a_missing_attribute_names_the_method_the_class_lacks() -> None:
    assert missing_methods(CODE, [DEFAULT_REPR]) == ["Money.__str__"]
    shown = DEFAULT_REPR.replace("str(Money(-3))", "Money(-3)").replace("'<", "<")
    assert missing_methods(CODE, [shown.replace(">'", ">")]) == ["Money.__repr__"]
    # two objects compared in a pytest assertion: the repr is how pytest shows them, no fault
    compared = "assert <money.Money object at 0x7f01> == <money.Money object at 0x7f02>"
    assert missing_methods(CODE, [compared]) == []
    called = "AttributeError: 'Money' object has no attribute 'allocate'\n>  m.allocate([1, 2])"
    assert missing_methods(CODE, [called]) == ["Money.allocate"]
    # an attribute read (not called) may be data; a method the class has is not missing
    assert missing_methods(CODE, ["AttributeError: 'Money' object has no attribute 'rate'"]) == []
    assert missing_methods(CODE, ["'Money' object has no attribute 'cents'\n m.cents()"]) == []


def test_a_missing_method_is_inserted_at_the_end_of_its_class() -> None:
    reply = 'def __str__(self):\n    return f"{self.amount:.2f}"\n'
    result = insert(CODE, "Money.__str__", reply)
    assert result is not None
    assert function_source(result, "Money.__str__") == (
        '    def __str__(self):\n        return f"{self.amount:.2f}"'
    )
    assert function_source(result, "total") == function_source(CODE, "total")
    assert insert(CODE, "Money.cents", reply) is None  # already there: splice, not insert
    assert insert(CODE, "Wallet.__str__", reply) is None  # no such class


FRESH = '''class Box:
    def __init__(self, size):
        """The size."""
        self.size = size * 2

    def grow(self):
        """Grow."""
        raise NotImplementedError

    def shrink(self):
        raise NotImplementedError


def fresh():
    raise NotImplementedError
'''
BEST = """class Box:
    def __init__(self, size):
        self.size = size

    def grow(self):
        self.size += 1
"""


def test_members_a_fill_left_unwritten_keep_the_best_versions_code() -> None:
    marker = "raise NotImplementedError"
    assert stubbed(FRESH, marker) == ["Box.grow", "Box.shrink", "fresh"]
    mended = restored(FRESH, BEST, marker)
    assert "self.size = size * 2" in mended  # the fresh body stays
    assert "    def grow(self):\n        self.size += 1\n" in mended  # the best's, spliced in
    assert stubbed(mended, marker) == ["Box.shrink", "fresh"]  # nothing to take them from


MEAN = '''def mean(xs):
    """The mean."""
    total = sum(xs)
    return total / len(xs)


def other():
    return 1
'''


def test_the_crash_line_is_the_innermost_frame_of_this_file_inside_the_body() -> None:
    trace = (
        'Traceback (most recent call last):\n  File "/work/calc.py", line 7, in main\n'
        '    mean([])\n  File "/work/calc.py", line 4, in mean\n'
        "    return total / len(xs)\nZeroDivisionError: division by zero"
    )
    assert crash_line(MEAN, "calc.py", "mean", [trace]) == 4
    assert crash_line(MEAN, "calc.py", "other", [trace]) is None
    assert crash_line(MEAN, "lib/calc.py", "mean", [trace]) is None  # another file
    pytest_style = ">       return total / len(xs)\nE       ZeroDivisionError\n\ncalc.py:4: Zero"
    assert crash_line(MEAN, "calc.py", "mean", ["assert 1 == 2", pytest_style]) == 4
    in_docstring = 'File "calc.py", line 2, in mean'
    assert crash_line(MEAN, "calc.py", "mean", [in_docstring]) is None


def test_a_raise_that_an_if_guards_crashed_where_the_if_decided() -> None:
    code = (
        "def share(total, ratios):\n"
        "    if sum(ratios) != 1:\n"
        "        raise ValueError('ratios must sum to 1')\n"
        "    if total < 0: raise ValueError('negative')\n"
        "    return [total * r for r in ratios]\n"
    )
    trace = 'File "m.py", line {}, in share\nValueError: ratios must sum to 1'
    assert crash_line(code, "m.py", "share", [trace.format(3)]) == 2
    assert crash_line(code, "m.py", "share", [trace.format(4)]) == 4  # one line: no earlier one
    assert crash_line(code, "m.py", "share", [trace.format(5)]) == 5


def test_what_a_failing_example_calls_by_name_is_blamed_before_what_it_ran_first() -> None:
    code = (
        "class Money:\n    def __init__(self, a):\n        self.a = a\n\n"
        "    def __add__(self, o):\n        return Money(self.a + o.a)\n\n"
        "    def allocate(self, ratios):\n        return [self]\n"
    )
    ran = "functions run: m.py:Money.__init__, m.py:Money.__add__, m.py:Money.allocate"
    doctest = f"Failed example:\n    Money(10).allocate([1, 2])\nExpected:\n    x\n\n{ran}"
    assert fault_functions(code, "m.py", [doctest]) == [
        "Money.allocate",
        "Money.__init__",
        "Money.__add__",
    ]
    # a walk shows every function as a call: only a client example's own source names one
    walked = f"assert 1 == 2\n{ran}\n  Money.allocate(self=<m>, ratios=[1, 2]) -> [<m>]"
    assert fault_functions(code, "m.py", [walked])[0] == "Money.__init__"
