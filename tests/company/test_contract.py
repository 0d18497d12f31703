from __future__ import annotations

from macrohard.company.artifacts import FileContract, FunctionContract, Spec
from macrohard.company.contract import enforce, file_names, function_hints

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
