from __future__ import annotations

from macrohard.company.artifacts import FileContract, FunctionContract, Spec
from macrohard.company.contract import (
    cli_usages,
    enforce,
    file_names,
    function_hints,
    spec_from_request,
)

REQUEST = (
    "Build `shop/cart.py` with `add_item(cart: dict, sku: str, qty: int = 1) -> dict` and "
    "a CLI `shopcli.py`. Example: `add_item({}, \"A1\")` returns {'A1': 1}. "
    "Also def total(cart: dict) -> int: in shop/cart.py. Tests go in tests/test_cart.py."
)


def test_files_and_signatures_are_read_from_the_request() -> None:
    assert file_names(REQUEST) == ["shop/cart.py", "shopcli.py", "tests/test_cart.py"]
    hints = {h.name: h for h in function_hints(REQUEST)}
    assert hints["add_item"].signature == "def add_item(cart: dict, sku: str, qty: int = 1) -> dict"
    assert hints["add_item"].file == "shop/cart.py"
    assert hints["total"].signature == "def total(cart: dict) -> int"
    assert len(hints) == 2  # the usage example `add_item({}, "A1")` is not a signature


def test_enforce_restores_what_the_model_paraphrased() -> None:
    drafted = Spec(
        summary="cart",
        files=[
            FileContract(
                path="cart.py",
                functions=[FunctionContract(name="add_item", signature="def add_item(c, s)")],
            )
        ],
    )
    spec = enforce(drafted, REQUEST)
    paths = [f.path for f in spec.files]
    assert paths[:2] == ["shop/cart.py", "shopcli.py"] and "tests/test_cart.py" not in paths
    sigs = {fn.name: fn.signature for f in spec.files for fn in f.functions}
    assert sigs["add_item"] == "def add_item(cart: dict, sku: str, qty: int = 1) -> dict"
    assert sigs["total"] == "def total(cart: dict) -> int"


def test_classes_methods_and_constructors_are_told_apart() -> None:
    request = (
        "One file: `shapes.py`, containing:\n"
        "- `class ShapeError(ValueError)` for bad input\n"
        "- `class Circle(radius, on_change=None)`; `on_change(old, new)` is called back\n"
        "  - `area() -> float` and `c.scale(factor: float) -> Circle`\n"
        "Also, in `geometry.py`: `def unit_circle() -> Circle`."
    )
    hints = {h.name: h for h in function_hints(request)}
    assert hints["ShapeError"].signature == "class ShapeError(ValueError)"
    assert hints["Circle"].signature == "class Circle"
    assert hints["Circle"].note == "Circle(radius, on_change=None)"
    assert hints["area"].signature == "def area(self) -> float" and hints["area"].owner == "Circle"
    assert hints["scale"].signature == "def scale(self, factor: float) -> Circle"
    assert hints["unit_circle"].owner is None and hints["unit_circle"].file == "geometry.py"
    assert "on_change" not in hints  # a callback argument, not something to define


def test_a_request_that_fixes_its_interface_is_its_own_spec() -> None:
    request = (
        "# Word counter\n\nTwo files. `wordlib.py` with `count(text: str) -> dict[str, int]`, "
        "and `wc.py`, run as\n\n```\npython wc.py FILE [--top N]\n```\n\n"
        "$ python wc.py notes.txt --top 1\nthe 3\n"
    )
    spec = spec_from_request(request)
    assert spec is not None and spec.from_request and spec.summary == "Word counter"
    assert [f.path for f in spec.files] == ["wordlib.py", "wc.py"]  # the library first
    assert spec.files[0].functions[0].signature == "def count(text: str) -> dict[str, int]"
    # the usage line, not the `$` transcript (that one is an example to check)
    assert spec.files[1].cli_usage == "python wc.py FILE [--top N]"
    usages = cli_usages("Run `python3 tool.py --port 80`.")
    assert usages == {"tool.py": "python3 tool.py --port 80"}


def test_a_request_that_leaves_its_interface_open_needs_a_product_manager() -> None:
    assert spec_from_request("Build me a to-do app with reminders.") is None
    # a file is named but nothing says what it offers
    assert spec_from_request("Put it all in `app.py`, something for invoices.") is None


def test_the_special_methods_a_request_uses_belong_to_its_one_class() -> None:
    request = (
        "In `cache.py`: `class Cache(size)` with `get(key)`. `len(cache)` counts entries, "
        "`key in cache` tests one, and `str(cache)` lists them. Cache objects are hashable. "
        "Keys must be hashable too."
    )
    special = {h.name: h for h in function_hints(request) if h.name.startswith("__")}
    assert sorted(special) == ["__contains__", "__hash__", "__len__", "__str__"]
    assert special["__len__"].signature == "def __len__(self) -> int"
    assert {h.owner for h in special.values()} == {"Cache"}
    two = request.replace("`get(key)`", "`get(key)`, and `class Entry(value)`")
    assert not [h for h in function_hints(two) if h.name.startswith("__")]  # whose? a guess


def test_an_operator_written_both_ways_and_a_value_example_are_read_as_usage() -> None:
    request = (
        "In `vec.py`: `class Vec(x, y)`. `v * k` and `k * v` scale it; `a + b` adds two. "
        "Floats are inexact: `0.1 - 0.3` is not `-0.2`."
    )
    special = sorted(h.name for h in function_hints(request) if h.name.startswith("__"))
    assert special == ["__add__", "__mul__", "__rmul__"]  # no __sub__ from `0.1 - 0.3`
