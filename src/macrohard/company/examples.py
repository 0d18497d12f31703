"""The client's own examples, read from the request and turned into tests without a model.

A small model writes wrong tests about as often as wrong code, so the most trusted oracle a build
has is what the client wrote: interpreter sessions (`>>> expr` then the expected output) and shell
transcripts (`$ python tool.py args` then the expected stdout, or "`python tool.py args` prints"
followed by a block). Data files shown as "`name.csv`:" and a block are recreated for the
transcripts. The result is an ordinary pytest file that runs in the sandbox like every other test.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import doctest
import json
import re
import shlex
from dataclasses import dataclass, field

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_FILE_LABEL = re.compile(r"`([\w.-]+\.[A-Za-z0-9]+)`\s*:?\s*$")
_PRINTS = re.compile(r"`((?:python3?|\./)[^`]+)`\s+(?:prints|outputs|writes|shows)\b")
_INLINE_AFTER = re.compile(r"\s*`([^`]+)`")
CLIENT_TESTS = "tests/test_client_examples.py"
_SHELL_ONLY = ("pip", "curl", "sudo", "apt", "git", "wget", "make", "docker")
_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_DEFINED = re.compile(r"\b(?:class|def)\s+([A-Za-z_]\w*)|`([A-Za-z_]\w*)\(")
# names a client uses in an inline check without importing them
_STDLIB = {
    "Decimal": "decimal",
    "Fraction": "fractions",
    "date": "datetime",
    "datetime": "datetime",
    "timedelta": "datetime",
    "Path": "pathlib",
    "Counter": "collections",
    "OrderedDict": "collections",
    "defaultdict": "collections",
    "deque": "collections",
}


@dataclass(frozen=True)
class Doctest:
    setup: tuple[str, ...]  # earlier statements of the same session, run unchecked
    source: str
    want: str
    exc_msg: str | None


@dataclass(frozen=True)
class Command:
    command: str
    expected: str


@dataclass
class Transcript:
    commands: list[Command] = field(default_factory=list)


@dataclass
class Examples:
    doctests: list[Doctest] = field(default_factory=list)
    transcripts: list[Transcript] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    # the project's modules: a client's `>>> new_board()` ran with them in scope
    modules: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many checks the rendered tests make (a step with no shown output is not one)."""
        steps = sum(1 for t in self.transcripts for c in t.commands if c.expected.strip())
        return len(self.doctests) + steps

    def lines(self) -> list[str]:
        """One line per example, as the spec lists them."""
        shown = [f"{d.source.strip()}  ->  {d.want.strip() or d.exc_msg}" for d in self.doctests]
        return shown + [f"$ {c.command}" for t in self.transcripts for c in t.commands]


def _preceding_line(text: str, pos: int) -> str:
    lines = text[:pos].rstrip("\n").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines[-1] if lines else ""


def _doctests(block: str) -> list[Doctest]:
    try:
        examples = doctest.DocTestParser().get_examples(block)
    except ValueError:
        return []
    found: list[Doctest] = []
    setup: list[str] = []
    for ex in examples:
        if ex.want.strip() or ex.exc_msg:
            found.append(Doctest(tuple(setup), ex.source, ex.want, ex.exc_msg))
        setup.append(ex.source)
    return found


def _runs_project(command: str, scripts: set[str]) -> bool:
    try:
        words = shlex.split(command.split(";")[0].split("|")[0])
    except ValueError:
        return False
    if not words or words[0] in _SHELL_ONLY:
        return False
    return any(w.endswith(".py") and (not scripts or w.lstrip("./") in scripts) for w in words)


def _transcript(block: str, scripts: set[str]) -> Transcript | None:
    transcript = Transcript()
    command: str | None = None
    output: list[str] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            if command is not None:
                transcript.commands.append(Command(command, "\n".join(output)))
            command, output = line[2:].strip(), []
        elif command is not None:
            output.append(line)
    if command is not None:
        transcript.commands.append(Command(command, "\n".join(output)))
    if not transcript.commands or not all(
        _runs_project(c.command, scripts) or not c.command.split()[0].startswith("python")
        for c in transcript.commands
    ):
        return None
    if not any(_runs_project(c.command, scripts) for c in transcript.commands):
        return None
    return transcript


def extract(request: str, scripts: set[str] | None = None) -> Examples:
    """Every checkable example in the request; `scripts` are the project's own .py files."""
    scripts = scripts or set()
    modules = [
        path[: -len(".py")].replace("/", ".")
        for path in sorted(scripts)
        if path.endswith(".py") and not path.split("/")[-1].startswith(("test_", "conftest"))
    ]
    found = Examples(modules=modules)
    consumed: set[int] = set()
    blocks = list(_FENCE.finditer(request))
    for match in blocks:
        body = match.group(1)
        label = _FILE_LABEL.search(_preceding_line(request, match.start()))
        prints = _PRINTS.search(_preceding_line(request, match.start()))
        if ">>>" in body:
            found.doctests += _doctests(body)
        elif any(line.startswith("$ ") for line in body.splitlines()):
            transcript = _transcript(body, scripts)
            if transcript:
                found.transcripts.append(transcript)
        elif prints and _runs_project(prints.group(1), scripts):
            found.transcripts.append(Transcript([Command(prints.group(1), body.rstrip("\n"))]))
            consumed.add(prints.start())
        elif label and not label.group(1).endswith(".py"):
            found.files[label.group(1)] = body
    found.doctests += _inline_checks(_FENCE.sub("", request), found.doctests)
    # "`python tool.py x --json` prints `{...}`" written inline in the prose
    for prints in _PRINTS.finditer(request):
        if prints.start() in consumed or not _runs_project(prints.group(1), scripts):
            continue
        inline = _INLINE_AFTER.match(request, prints.end())
        if inline and _is_json(inline.group(1)):
            found.transcripts.append(Transcript([Command(prints.group(1), inline.group(1))]))
    return found


def _inline_checks(prose: str, sessions: list[Doctest]) -> list[Doctest]:
    """Checks a client writes inline, like `str(Money(-3)) == "-3.00 USD"`: one `==` whose
    left side calls something, naming only builtins, common standard-library classes and names
    the request defines (`class X`, `def f`, "`f(...)`" elsewhere) or its sessions import. A
    string on the right is checked as doctest output (a failure then shows what came instead);
    anything else as `left == right` expecting True."""
    spans = [m.group(1).strip() for m in _SPAN.finditer(prose)]
    imports = [
        line.strip()
        for d in sessions
        for line in (*d.setup, d.source)
        if line.startswith(("from ", "import "))
    ]
    seen = {d.source.strip() for d in sessions}
    checks: list[Doctest] = []
    for text in spans:
        compare = _equality(text)
        if compare is None:
            continue
        known = {a or b for a, b in _DEFINED.findall(prose.replace(f"`{text}`", ""))}
        known |= {name for line in imports for name in re.findall(r"\w+", line)}
        used = {n.id for n in ast.walk(compare) if isinstance(n, ast.Name)}
        if not used <= known | set(dir(builtins)) | set(_STDLIB):
            continue
        setup = tuple(dict.fromkeys([*imports, *(_import(n) for n in sorted(used & set(_STDLIB)))]))
        left = ast.get_source_segment(text, compare.left) or ast.unparse(compare.left)
        right = compare.comparators[0]
        if isinstance(right, ast.Constant) and isinstance(right.value, str):
            check = Doctest(setup, left + "\n", repr(right.value) + "\n", None)
        else:
            check = Doctest(setup, text + "\n", "True\n", None)
        if check.source.strip() not in seen:
            seen.add(check.source.strip())
            checks.append(check)
    return checks


def _equality(text: str) -> ast.Compare | None:
    """`text` as `left == right` where the left side calls something, else None."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Compare) or [type(o) for o in node.ops] != [ast.Eq]:
        return None
    return node if any(isinstance(n, ast.Call) for n in ast.walk(node.left)) else None


def _import(name: str) -> str:
    return f"from {_STDLIB[name]} import {name}"


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


_INDENT = re.compile(r"^(?:E(?=[ \t]|$))?[ \t]*", re.M)  # pytest's "E   " and the message's
_DOCTEST_DIFF = re.compile(
    r"Expected(?::\n(?P<want>.*?)\n| nothing\n)Got(?::\n(?P<got>.*?)(?:\n\n|\nfunctions run:|\Z)"
    r"| nothing)",
    re.S,
)
_STDOUT_DIFF = re.compile(
    r"expected stdout:\n(?P<want>.*?)\ngot stdout:\n(?P<got>.*?)\nstderr:", re.S
)


def closeness(message: str) -> float:
    """How near a failing client example came, 0 to 1: the similarity of the output it expected
    and the output it got (0 when it raised instead, or the message says neither). Two versions
    that fail the same examples are told apart by it: ([('c', 2)], 1) is nearer to ([('b', 2)], 1)
    than an AttributeError is."""
    text = _INDENT.sub("", message)
    found = _DOCTEST_DIFF.search(text) or _STDOUT_DIFF.search(text)
    if not found:
        return 0.0
    want, got = (" ".join((found.group(g) or "").split())[:2000] for g in ("want", "got"))
    return difflib.SequenceMatcher(None, want, got, autojunk=False).ratio()


def render(examples: Examples, depth: int = 1) -> str | None:
    """A pytest file that checks every example (None when the request has none); `depth` is how
    many folders below the project's root it will live (tests/test_client_examples.py: 1)."""
    if not examples.count:
        return None
    doctests = [(list(d.setup), d.source, d.want, d.exc_msg) for d in examples.doctests]
    transcripts = [[(c.command, c.expected) for c in t.commands] for t in examples.transcripts]
    # an empty expected output may just be elided in the request: such a step runs, unchecked
    cases = [
        (i, j) for i, t in enumerate(transcripts) for j, (_, want) in enumerate(t) if want.strip()
    ]
    return (
        _HEADER.replace("parents[1]", f"parents[{depth}]")
        + f"DOCTESTS = {doctests!r}\nTRANSCRIPTS = {transcripts!r}\nFILES = {examples.files!r}\n"
        + f"CASES = {cases!r}\nMODULES = {examples.modules!r}\n"
        + f"SITECUSTOMIZE = {_SITE_HEAD + TRACER + _SITE_TAIL!r}\n"
        + TRACER
        + _BODY
    )


_HEADER = '''"""The client's own examples from the request, checked as written.

Made by Macrohard, not by a model: these tests are never dropped or rewritten during repair.
"""

import doctest
import json
import linecache
import os
import pathlib
import shutil
import subprocess  # nosec B404 - runs the project's own CLI inside the build sandbox
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
'''

# Which of the project's functions a failing example ran: the repair then looks at those, not at
# whatever the example's last line happens to call. Used in-process for the interpreter sessions
# and, as a sitecustomize module, inside the CLI runs of the transcripts.
TRACER = """

def project_file(root, filename):
    # the project's own code, relative to root (which ends with os.sep): not a test, not
    # "<frozen os>"; "" for everything else
    real = os.path.realpath(filename)
    rel = real[len(root) :]
    base = os.path.basename(rel)
    test = rel.startswith("tests" + os.sep) or base.startswith("test_")
    test = test or base == "conftest.py" or filename.startswith("<")
    return rel if real.startswith(root) and not test else ""


def project_frames(root, tb):
    # the traceback's steps through the project's own code, outermost first, as (file, step)
    root = os.path.realpath(root) + os.sep
    frames = []
    while tb is not None:
        rel = project_file(root, tb.tb_frame.f_code.co_filename)
        if rel:
            frames.append((rel, tb))
        tb = tb.tb_next
    return frames


def _short(value):
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ is the project's, not ours
        text = f"<{type(value).__name__}: repr raised {type(exc).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _values(frame):
    shown = []
    for name, value in list(frame.f_locals.items())[:12]:
        attrs = getattr(value, "__dict__", None) if name == "self" else None
        if isinstance(attrs, dict):
            shown += [f"self.{k} = {_short(v)}" for k, v in list(attrs.items())[:6]]
        elif name != "self":
            shown.append(f"{name} = {_short(value)}")
    text = ", ".join(shown)
    return text if len(text) <= 400 else text[:397] + "..."


def make_tracer(root, seen):
    root = os.path.realpath(root) + os.sep
    files = {}

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        rel = files.get(code.co_filename)
        if rel is None:
            rel = files[code.co_filename] = project_file(root, code.co_filename)
        if rel:
            name = getattr(code, "co_qualname", code.co_name).split(".<locals>")[0]
            if "<" not in name:
                seen.setdefault(rel + ":" + name, None)

    return profile
"""

_SITE_HEAD = "import atexit\nimport os\nimport sys\n"
_SITE_TAIL = """
_seen = {}
sys.setprofile(make_tracer(os.getcwd(), _seen))


def _excepthook(kind, error, tb, default=sys.excepthook):
    # the usual traceback, then what the innermost frame of the program's own code held
    sys.setprofile(None)
    default(kind, error, tb)
    frames = project_frames(os.getcwd(), tb)
    values = _values(frames[-1][1].tb_frame) if frames else ""
    if values:
        sys.stderr.write("  where " + values + "\\n")


sys.excepthook = _excepthook


@atexit.register
def _write():
    sys.setprofile(None)
    with open(os.environ["MACROHARD_TRACE"], "w") as out:
        out.write("\\n".join(_seen))
"""

_BODY = """

def _ran(seen):
    return "functions run: " + ", ".join(seen) if seen else ""


def _session(setup, errors):
    globs = {"__name__": "__client_example__"}
    # the client's session had the project's code in scope, imported or not, and its
    # package by name (`semver.compare(...)` with the change in `semver/version.py`)
    for module in MODULES:
        try:
            exec(f"import {module}", globs)  # nosec B102 - the project's own module
            exec(f"from {module} import *", globs)  # nosec B102 - the project's own module
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - reported with the failure
            errors.append(f"importing {module} failed: {type(exc).__name__}: {exc}")
    for source in setup:
        try:
            exec(compile(source, "<example>", "single"), globs)  # nosec B102 - the client's example
        except Exception:  # noqa: BLE001 - an earlier failing step is reported by its own test
            pass
    return globs


class _Runner(doctest.DocTestRunner):
    # doctest's runner, but an exception is shown the way a debugger would: the project's own
    # frames (not the harness's), the line each was running, and the values the innermost held

    def report_failure(self, out, test, example, got):
        diff = self._checker.output_difference(example, got, self.optionflags)
        out("Failed example:\\n    " + example.source.strip() + "\\n" + diff)

    def report_unexpected_exception(self, out, test, example, exc_info):
        tracer = sys.getprofile()
        sys.setprofile(None)  # a __repr__ run here is not something the example ran
        try:
            kind, error, tb = exc_info
            lines = [f"{kind.__name__}: {error}"]
            frames = project_frames(ROOT, tb)
            steps = []
            for rel, step in frames:
                code = step.tb_frame.f_code
                name = getattr(code, "co_qualname", code.co_name)
                text = linecache.getline(code.co_filename, step.tb_lineno).strip()
                steps.append(f'File "{rel}", line {step.tb_lineno}, in {name}: {text}')
            if len(steps) > 8:  # a runaway recursion: its ends say it, not a thousand frames
                steps[3:-3] = [f"... {len(steps) - 6} more frames ..."]
            lines += steps
            values = _values(frames[-1][1].tb_frame) if frames else ""
            if values:
                lines.append("  where " + values)
        finally:
            sys.setprofile(tracer)
        want = example.want.strip() or (example.exc_msg or "").strip() or "nothing"
        out(
            "Failed example:\\n    " + example.source.strip() + "\\nExpected:\\n    " + want
            + "\\nException raised:\\n" + "".join(f"    {line}\\n" for line in lines)
        )


@pytest.mark.parametrize("index", range(len(DOCTESTS)))
def test_client_example(index, capsys):
    setup, source, want, exc_msg = DOCTESTS[index]
    errors, seen = [], {}
    sys.setprofile(make_tracer(ROOT, seen))
    try:
        globs = _session(setup, errors)
        capsys.readouterr()
        example = doctest.Example(source, want, exc_msg)
        test = doctest.DocTest([example], globs, "client_example", None, 0, None)
        report = []
        runner = _Runner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False)
        runner.run(test, out=report.append, clear_globs=False)
    finally:
        sys.setprofile(None)
    if runner.failures:  # the report is the whole story: no harness traceback after it
        pytest.fail("\\n".join(errors + ["".join(report)[-1500:], _ran(seen)]), pytrace=False)


def _run(command, cwd, trace=None):
    words = command.split(None, 1)
    if words and words[0] in ("python", "python3"):
        command = f'"{sys.executable}" ' + (words[1] if len(words) > 1 else "")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    if trace is not None:  # kept out of cwd: the program may list the files there
        tracer = trace.parent / "sitecustomize"
        tracer.mkdir(exist_ok=True)
        (tracer / "sitecustomize.py").write_text(SITECUSTOMIZE)
        env.update(PYTHONPATH=f"{tracer}{os.pathsep}{cwd}", MACROHARD_TRACE=str(trace))
    return subprocess.run(  # nosec B603 B607 - the client's example command, in the sandbox
        ["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=30, env=env
    )


def _same(expected, got):
    try:
        return json.loads(expected) == json.loads(got)
    except ValueError:
        pass
    norm = lambda text: [line.rstrip() for line in text.strip().splitlines()]  # noqa: E731
    return norm(expected) == norm(got)


@pytest.mark.parametrize("case", CASES)
def test_client_transcript(case, tmp_path):
    transcript, step = TRANSCRIPTS[case[0]], case[1]
    for path in ROOT.iterdir():
        if path.name.endswith(".py") or (path.is_dir() and (path / "__init__.py").exists()):
            copy = shutil.copytree if path.is_dir() else shutil.copy
            copy(path, tmp_path / path.name)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    for command, _ in transcript[:step]:
        _run(command, tmp_path)
    command, expected = transcript[step]
    trace = tmp_path.parent / f"{tmp_path.name}-trace" / "functions.txt"
    trace.parent.mkdir(exist_ok=True)
    result = _run(command, tmp_path, trace)
    seen = dict.fromkeys(trace.read_text().split()) if trace.exists() else {}
    if not _same(expected, result.stdout):
        stderr = result.stderr.replace(str(tmp_path) + os.sep, "")  # "todo.py", not /tmp/...
        pytest.fail(
            f"$ {command}\\nexpected stdout:\\n{expected}\\ngot stdout:\\n{result.stdout[-800:]}"
            f"\\nstderr:\\n{stderr[-900:]}\\n{_ran(seen)}",
            pytrace=False,
        )
"""
