"""QA's clean-up of model-written test files."""

from __future__ import annotations

import ast

from macrohard.company.artifacts import FileContract, FunctionContract, Spec
from macrohard.company.roles.qa import (
    answer_start,
    drop_redefined,
    importable_names,
    public_names,
    unshadow,
)
from macrohard.company.service import Service
from macrohard.synth.imports import add_missing_imports

PASTED_STUB = """import http
import pytest


def make_server(host: str, port: int) -> http.server.HTTPServer:
    return http.server.ThreadingHTTPServer((host, port), None)


@pytest.fixture
def server():
    yield make_server("127.0.0.1", 0)


def test_port(server):
    assert server.server_address[1] != 0
"""


def contract() -> FileContract:
    return FileContract(
        path="kvstore.py",
        functions=[
            FunctionContract(
                name="make_server", signature="def make_server(host: str, port: int) -> object"
            ),
            FunctionContract(name="get", signature="def get(self, key: str) -> object"),
        ],
    )


def test_a_pasted_stub_is_replaced_by_an_import_of_the_real_code() -> None:
    code = unshadow(PASTED_STUB, "kvstore", public_names(contract()))
    tree = ast.parse(code)
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert defined == {"server", "test_port"}
    assert "from kvstore import make_server" in code.splitlines()
    assert code.index("import pytest") < code.index("from kvstore import make_server")


def test_methods_and_tests_are_not_taken_for_stubs() -> None:
    assert public_names(contract()) == {"make_server"}
    code = "def get(self):\n    return 1\n\n\ndef test_get():\n    assert get(None) == 1\n"
    assert unshadow(code, "kvstore", public_names(contract())) == code


def test_a_command_line_program_gets_no_import() -> None:
    code = unshadow(PASTED_STUB, None, {"make_server"})
    assert "make_server(host" not in code and "from kvstore" not in code


def test_only_the_last_of_repeated_tests_is_kept() -> None:
    code = "def test_a():\n    assert 1\n\n\ndef test_b():\n    pass\n\n\n"
    code += "def test_a():\n    assert 2\n"
    kept = drop_redefined(code)
    assert kept.count("def test_a") == 1 and "assert 2" in kept and "def test_b" in kept


def test_the_project_module_a_test_uses_is_imported() -> None:
    code = "def test_parse():\n    assert logparse.parse('x') == []\n"
    assert add_missing_imports(code, ["logparse"]).startswith("import logparse\n")
    assert "import" not in add_missing_imports(code)


def test_the_project_class_a_test_uses_is_imported() -> None:
    code = "def test_mismatch():\n    with pytest.raises(CurrencyMismatchError):\n        pass\n"
    fixed = add_missing_imports(code, [], {"CurrencyMismatchError": "money"})
    assert "from money import CurrencyMismatchError" in fixed and "import pytest" in fixed


def test_a_command_line_programs_functions_are_imported_where_a_test_uses_them() -> None:
    spec = Spec(
        summary="a key-value server",
        files=[
            FileContract(
                path="kvstore.py",
                cli_usage="python kvstore.py --port 8080",
                functions=[FunctionContract(name="make_server", signature="def make_server(h, p)")],
            ),
            FileContract(path="my-tool.py", cli_usage="python my-tool.py", functions=[]),
        ],
    )
    assert importable_names(spec) == {"make_server": "kvstore"}
    code = "def test_port():\n    assert make_server('127.0.0.1', 0).server_address[1]\n"
    assert "from kvstore import make_server" in add_missing_imports(
        code, [], importable_names(spec)
    )


def test_a_continuing_models_tests_begin_with_their_imports_and_first_test() -> None:
    program = FileContract(path="tool.py", cli_usage="python tool.py FILE")
    start = answer_start(program)
    assert "ROOT = pathlib.Path(__file__).resolve().parents[1]" in start
    assert start.endswith("\n\n\ndef test_")
    service = Service("kvstore", "make_server", "'127.0.0.1', 0")
    assert answer_start(program, service) == "import pytest\n\n\ndef test_"  # via api
