"""QA: acceptance tests written from the Spec alone, before any code exists."""

from __future__ import annotations

import ast
import re

from macrohard.company.artifacts import Design, FileContract, Spec
from macrohard.company.context import Context, PhaseResult
from macrohard.company.examples import CLIENT_TESTS, extract, render
from macrohard.company.service import Service, drop_own_fixtures, find_service, fixtures
from macrohard.company.service import how_to_test as how_to_test_service
from macrohard.company.splice import span, without
from macrohard.models.base import assistant
from macrohard.synth.extract import extract_file
from macrohard.synth.imports import add_missing_imports

PROMPT = (
    "You are a QA engineer. You write pytest tests from the spec alone: the code does not exist "
    "yet. Test only behaviour the spec states, with concrete inputs and exact expected results. "
    "Keep each test short and independent."
)


def module_name(path: str) -> str:
    return path[: -len(".py")].replace("/", ".")


def test_path(path: str) -> str:
    return f"tests/test_{path[: -len('.py')].replace('/', '_')}.py"


def is_cli(contract: FileContract) -> bool:
    return bool(contract.cli_usage.strip())


def how_to_test(contract: FileContract, service: Service | None = None) -> str:
    if service is not None:
        return how_to_test_service(service, contract.path)
    if is_cli(contract):
        return (
            f"`{contract.path}` is a command-line program ({contract.cli_usage}). Run it with "
            f"subprocess.run([sys.executable, str(ROOT / '{contract.path}'), ...], "
            "capture_output=True, text=True, timeout=30) where ROOT = "
            "pathlib.Path(__file__).resolve().parents[1]; use pytest's tmp_path for any files."
        )
    return f"Import what you test with `from {module_name(contract.path)} import ...`."


def answer_start(contract: FileContract, service: Service | None = None) -> str:
    """How a QA answer starts where the model continues answers: the imports and, for a
    program, ROOT, then `def test_`. Left to begin where it liked, the 1.5B model pasted an
    implementation of the service first (04-kvstore: ~700 of its 1,000 tokens, every build)."""
    if service is None and is_cli(contract):
        head = (
            "import pathlib\nimport subprocess\nimport sys\n\nimport pytest\n\n"
            "ROOT = pathlib.Path(__file__).resolve().parents[1]\n"
        )
    else:
        head = "import pytest\n"
    return f"{head}\n\ndef test_"


def public_names(contract: FileContract) -> set[str]:
    """The module-level functions and classes the contract promises (methods left out)."""
    return {
        f.name
        for f in contract.functions
        if f.name.isidentifier() and "(self" not in f.signature and "(cls" not in f.signature
    }


def importable_names(spec: Spec) -> dict[str, str]:
    """Each function and class the contract promises -> the module a test imports it from. A
    command-line program's own functions count too (`kvstore.py` is run, and its `make_server`
    imported): left out, every QA test of 04-kvstore failed on a NameError whatever the code."""
    return {
        name: module_name(f.path)
        for f in spec.files
        if module_name(f.path).replace(".", "_").isidentifier()
        for name in public_names(f)
    }


def unshadow(code: str, module: str | None, names: set[str]) -> str:
    """Small models paste the contract's stubs into the test file, so the tests exercise the
    stub (or fail to collect) instead of the code: drop those definitions and import the real
    ones from `module` (None for a command-line program, run rather than imported)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    shadows = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.name in names
        and not node.name.startswith("test")
    ]
    if not shadows:
        return code
    spans = [span(n) for n in shadows]
    lines = without(code, spans)
    if module:
        wanted = ", ".join(sorted(n.name for n in shadows))
        last_import = max(
            (
                n.end_lineno or n.lineno
                for n in tree.body
                if isinstance(n, (ast.Import, ast.ImportFrom)) and n.lineno < spans[0][0]
            ),
            default=0,
        )
        lines.insert(last_import, f"from {module} import {wanted}")
    return "\n".join(lines).rstrip() + "\n"


def drop_redefined(code: str) -> str:
    """Only the last of two top-level functions with one name ever runs (a small model repeats
    itself): drop the dead earlier ones, which also fail the lint gate."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    last: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            last[node.name] = node
    dead = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and last[node.name] is not node
    ]
    if not dead:
        return code
    return "\n".join(without(code, [span(n) for n in dead])).rstrip() + "\n"


def count_tests(code: str) -> int:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return 0
    return sum(
        1 for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test")
    )


class QA:
    role = "qa"

    def run(self, ctx: Context) -> PhaseResult:
        spec = ctx.load("spec", Spec)
        design = ctx.load("design", Design)
        contracts = {c.path: c for c in spec.files}
        written: dict[str, int] = {}
        services = {c.path: s for c in spec.files if (s := find_service(c, module_name(c.path)))}
        # the client's own examples, checked exactly as written (no model involved)
        examples = extract(ctx.request, {p.path for p in design.files})
        for plan in design.files:
            contract = contracts.get(plan.path)
            if contract is None:  # a helper file: tested through the files that use it
                continue
            code = self.write_tests(ctx, spec, contract, services.get(plan.path))
            if code:
                target = test_path(plan.path)
                ctx.write(target, adopt_client_files(code, examples.files, ctx.request))
                written[target] = count_tests(code)
        client = render(examples)
        if client:
            ctx.write(CLIENT_TESTS, client)
            written[CLIENT_TESTS] = examples.count
        service = next(iter(services.values()), None)
        ctx.write("tests/conftest.py", conftest(examples.files, service))
        total = sum(written.values())
        return PhaseResult(
            summary=f"{total} acceptance test(s) from the spec, before any code",
            output={"tests": written, "client_examples": examples.count},
            verdict="ok" if total else "no-tests",
        )

    def write_tests(
        self, ctx: Context, spec: Spec, contract: FileContract, service: Service | None = None
    ) -> str | None:
        prompt = (
            f"Write a pytest file with 4 to 6 tests for "
            f"`{contract.path}`. {how_to_test(contract, service)} Reply with one ```python block."
        )
        messages = ctx.prompt(PROMPT, prompt, spec)
        start = ""
        if getattr(ctx.model, "supports_prefill", False):
            start = answer_start(contract, service)
            messages = [*messages, assistant(f"```python\n{start}")]
        for attempt in range(2):
            reply = start + ctx.ask(
                messages,
                max_tokens=1000,
                temperature=0.0 if attempt == 0 else 0.6,
                seed=attempt,
            )
            code = extract_file(f"```python\n{reply}" if start else reply)
            if code:
                module = None if is_cli(contract) else module_name(contract.path)
                code = drop_redefined(unshadow(code, module, public_names(contract)))
                if service is not None:
                    code = drop_own_fixtures(code)
                code = add_missing_imports(
                    code,
                    [module_name(f.path) for f in spec.files if "/" not in f.path],
                    importable_names(spec),
                )
            if code and count_tests(code):
                return code
        ctx.notes.append(f"qa: no usable tests for {contract.path}")
        return None


CONFTEST = '''"""Put the project root on sys.path: tests import modules by their spec names.

Each test runs in its own empty folder holding the client's example files, so a file a test or
the program writes never leaks into the project or into the next test.
"""

IMPORTS

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
CLIENT_FILES: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _own_folder(tmp_path, monkeypatch):
    for name, text in CLIENT_FILES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
'''


def conftest(files: dict[str, str], service: Service | None = None) -> str:
    """The tests' conftest.py, with the client's example files to put in each test's folder and,
    for a service, the fixtures that serve it."""
    imports, code = ["import pathlib", "import sys"], ""
    if service is not None:
        more, code = fixtures(service)
        imports = sorted({*imports, *more})
    text = CONFTEST.replace("IMPORTS", "\n".join(imports), 1)
    text = text.replace("CLIENT_FILES: dict[str, str] = {}", f"CLIENT_FILES = {files!r}")
    return text + code


_DATA_FILE = re.compile(r"^[\w-]+\.([A-Za-z0-9]+)$")


def adopt_client_files(code: str, files: dict[str, str], request: str) -> str:
    """A QA test that runs the program on an input the request never names (`input.csv`) where
    the client gave exactly one file of that kind (`people.csv`) means the client's file: seen in
    02-csvstats, whose QA tests all read an `input.csv` nobody wrote. Only inputs are renamed:
    a name right after an option (`--output out.csv`) may be a file the program writes."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    by_kind: dict[str, list[str]] = {}
    for name in files:
        by_kind.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    inputs: set[str] = set()
    outputs: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.List):
            continue
        before = None
        for item in node.elts:
            text = item.value if isinstance(item, ast.Constant) else None
            if isinstance(text, str) and _DATA_FILE.match(text) and not text.endswith(".py"):
                option = isinstance(before, str) and before.startswith("-")
                (outputs if option else inputs).add(text)
            before = text
    for name in sorted(inputs - outputs):
        kind = name.rsplit(".", 1)[-1]
        if name in files or name in request or len(by_kind.get(kind, [])) != 1:
            continue
        code = re.sub(rf"([\"']){re.escape(name)}\1", rf"\g<1>{by_kind[kind][0]}\1", code)
    return code
