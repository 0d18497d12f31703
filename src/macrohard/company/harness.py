"""The source of the client-examples test file: what runs inside the sandbox, as text.

`examples.render` writes a pytest file of a header, the examples as data, and these parts. The
code in them runs with the standard library and pytest only: it is the project's test, not ours.
`TRACER` says which of the project's functions a failing example ran (in-process for interpreter
sessions; as a sitecustomize module inside the CLI runs of transcripts); `STEPPER` records, for a
session example that answered wrong, what the project's code did line by line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

HEADER = '''"""The client's own examples from the request, checked as written.

Made by Macrohard, not by a model: these tests are never dropped or rewritten during repair.
"""

import doctest
import json
import linecache
import os
import pathlib
import re
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

def _test_code(rel, filename):
    # a test's own code (rel: its path in the project) or code made at run time (an example)
    base = os.path.basename(rel)
    test = rel.startswith("tests" + os.sep) or base.startswith("test_")
    return test or base == "conftest.py" or filename.startswith("<")


def project_file(root, filename):
    # the project's own code, relative to root (which ends with os.sep): not a test, not
    # "<frozen os>"; "" for everything else
    real = os.path.realpath(filename)
    rel = real[len(root) :]
    test = _test_code(rel, filename)
    test = test or rel.startswith(".")  # .macrohard/deps, .venv: installed, not the project's
    return rel if real.startswith(root) and not test else ""


def called_by_test(root, frame):
    # whether the test (or the example) itself made this call, not pytest's or doctest's own
    # reporting afterwards (the __repr__ of the values an assertion compared)
    back = frame.f_back
    filename = back.f_code.co_filename if back is not None else ""
    real = os.path.realpath(filename)
    ours = real.startswith(root) and _test_code(real[len(root) :], filename)
    return bool(filename) and (filename.startswith("<") or ours)


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


def _state(frame):
    # the frame's variables (and self's attributes) as short reprs
    state = {}
    for name, value in list(frame.f_locals.items())[:16]:
        attrs = getattr(value, "__dict__", None) if name == "self" else None
        if isinstance(attrs, dict):
            for key, item in list(attrs.items())[:8]:
                state["self." + key] = _short(item)
        elif name != "self" and not name.startswith("__"):
            state[name] = _short(value)
    return state


def _values(frame):
    text = ", ".join(f"{name} = {value}" for name, value in _state(frame).items())
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

SITE_HEAD = "import atexit\nimport os\nimport sys\n"
SITE_TAIL = """
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
# What the project's code did for an example that answered wrong, line by line: the values a
# debugger would show. Told only "expected 4, got 6", a small model patches the last line
# (`options[i - 1]`); shown `i = bisect.bisect_right(options, x)  # i = 3`, it sees the cause.
WALK_HEAD = "what the code did, line by line (after each line, what changed):"
STEPPER = (
    f"\n\nWALK_HEAD = {WALK_HEAD!r}\n"
    + """WALK_LINES = 24
_ASSIGNED = re.compile(r"([A-Za-z_][\\w.]*)\\s*[-+*/%|&]?=(?!=)")
WALK_REPEATS = 3



def make_stepper(root, steps, limit=300):
    # a line tracer for sys.settrace: the project's own functions the example called, two
    # levels deep; each step is (depth, function, file, line, what changed after the line),
    # line 0 for the call and -1 for how it ended
    root = os.path.realpath(root) + os.sep
    files = {}
    stack = []

    def start(frame, event, arg):
        if event != "call" or len(stack) >= 2 or len(steps) >= limit:
            return None
        code = frame.f_code
        rel = files.get(code.co_filename)
        if rel is None:
            rel = files[code.co_filename] = project_file(root, code.co_filename)
        name = getattr(code, "co_qualname", code.co_name)
        if not rel or "<" in name or not stack and not called_by_test(root, frame):
            return None
        depth, filename = len(stack), code.co_filename
        stack.append(name)
        before = _state(frame)
        called = ", ".join(f"{k}={v}" for k, v in before.items() if not k.startswith("self."))
        # which object's method: Version(0, 1, 0).is_compatible (a constructor's is half made;
        # a call inside says it on its line: `if self.major != other.major`)
        if "self" in frame.f_locals and code.co_name != "__init__" and not depth:
            called = ", ".join(x for x in (f"self={_short(frame.f_locals['self'])}", called) if x)
        steps.append((depth, name, filename, 0, f"{name}({called})"))
        # the line running, and where its step is: a line is listed when it starts (the calls
        # it makes come after it) and told what it changed when the next one starts
        where = {"line": 0, "raised": None, "at": None}

        def step(frame, event, arg):
            nonlocal before
            if event == "exception":
                where["raised"] = arg[1]
                return step
            if event == "line" and len(steps) >= limit:
                where["raised"] = where["at"] = None  # past the limit only how calls end is kept
                return step
            if event not in ("line", "return"):
                return step
            now = _state(frame)
            changed = [f"{k} = {v}" for k, v in now.items() if before.get(k) != v]
            before = now
            if not changed and where["line"]:  # `word = re.sub(...)` that changed nothing
                text = linecache.getline(filename, where["line"]).strip()
                target = _ASSIGNED.match(text)
                if target and target.group(1) in now:
                    changed = [f"{target.group(1)} = {now[target.group(1)]} (unchanged)"]
            if where["at"] is not None:
                steps[where["at"]] = (depth, name, filename, where["line"], ", ".join(changed))
            where["line"], where["at"] = frame.f_lineno, None
            if event == "line":
                where["raised"] = None
                if len(steps) < limit:
                    where["at"] = len(steps)
                    steps.append((depth, name, filename, frame.f_lineno, ""))
                return step
            if where["raised"] is not None:
                ended = f"raised {type(where['raised']).__name__}: {where['raised']}"
            else:
                ended = "returned " + _short(arg)
            steps.append((depth, name, filename, -1, ended))
            if stack:
                stack.pop()
            return step

        return step

    return start


def _one_line(steps, i):
    # a call as one line: what it was called with and how it ended
    end = next((step for step in steps[i + 1 :] if step[0] == 0 and step[3] in (0, -1)), None)
    return f"  {steps[i][4]}" + (f" -> {end[4]}" if end and end[3] == -1 else "")


def walk(steps):
    # the steps as text: the example's last call into the project in full, unless it was a
    # dunder (`assert v.double() == Vec(2)` ends with Vec.__init__ and Vec.__eq__: the last
    # other call is the answer); the calls around it (mostly its arguments) one line each;
    # each loop's line at most WALK_REPEATS times, at most WALK_LINES lines
    starts = [i for i, step in enumerate(steps) if step[0] == 0 and step[3] == 0]
    if not starts:
        return ""
    plain = [i for i in starts if not steps[i][1].rsplit(".", 1)[-1].startswith("__")]
    chosen = (plain or starts)[-1]
    after = [i for i in starts if i > chosen]
    lines, counts, cut = [_one_line(steps, i) for i in starts if i < chosen][-3:], {}, 0
    shown = steps[chosen : after[0] if after else len(steps)]
    skip = 0
    for at, (depth, name, filename, number, said) in enumerate(shown):
        if skip:
            skip -= 1
            continue
        pad = "  " * (2 * depth + 1)  # a call inside goes under the line that made it
        if number == 0:
            # a call inside of one line (a property, an accessor) is one line: call -> value
            inner = shown[at + 1 : at + 3]
            if depth and inner and inner[-1][3] == -1 and inner[-1][:2] == (depth, name):
                lines.append(f"{pad}{said} -> {inner[-1][4]}")
                skip = len(inner)
                continue
            lines.append(f"{pad}{said}:")
            continue
        if number == -1:
            lines.append(f"{pad}-> {name} {said}")
            continue
        pad += "  "
        counts[depth, name, number] = counts.get((depth, name, number), 0) + 1
        if counts[depth, name, number] > WALK_REPEATS:
            cut += 1
            continue
        text = linecache.getline(filename, number).strip()
        lines.append(f"{pad}line {number}: {text}" + (f"   # {said}" if said else ""))
    lines += [_one_line(steps, i) for i in after[:3]]
    if len(lines) > WALK_LINES:
        lines[WALK_LINES // 2 : -WALK_LINES // 2 + 1] = ["  ..."]
    if cut:
        lines.append(f"  (at least {cut} more steps of loops not shown)")
    return WALK_HEAD + "\\n" + "\\n".join(lines) if lines else ""
"""
)


BODY = """

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
        report, steps = [], []
        runner = _Runner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False)
        sys.settrace(make_stepper(ROOT, steps))
        try:
            runner.run(test, out=report.append, clear_globs=False)
        finally:
            sys.settrace(None)
    finally:
        sys.setprofile(None)
    if runner.failures:  # the report is the whole story: no harness traceback after it
        said = "".join(report)
        # a wrong answer's steps; an exception's report already shows the values where it rose
        steps = "" if "Exception raised:" in said else walk(steps)
        pytest.fail("\\n".join(errors + [said[-1500:], _ran(seen), steps]).rstrip(), pytrace=False)


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


# A pytest plugin (`-p macrohard_walk`) that walks the tests of the files named in MACROHARD_WALK
# the same way: a test that fails gets, after its traceback, what the project's code did in the
# last call the test made (`assert is_uuid(s, version=0)`: the lines of `is_uuid` and their values).
PLUGIN_NAME = "macrohard_walk"
PLUGIN_HEAD = "import linecache\nimport os\nimport re\nimport sys\n\nimport pytest\n"
PLUGIN_TAIL = """

_WALKED = set(filter(None, os.environ.get("MACROHARD_WALK", "").split(os.pathsep)))
_STEPS = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    path = os.path.relpath(str(getattr(item, "path", None) or item.fspath))
    if path not in _WALKED:
        yield
        return
    steps = _STEPS[item.nodeid] = []
    sys.settrace(make_stepper(os.getcwd(), steps))
    try:
        yield
    finally:
        sys.settrace(None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    steps = _STEPS.pop(item.nodeid, None) if call.when == "call" else None
    report = outcome.get_result()
    text = walk(steps) if steps and report.failed else ""
    if not text:
        return
    report.longrepr = f"{report.longrepr}\\n{text}"  # in the JUnit report's failure text
"""


PLUGINS = ".macrohard/tmp/plugins"  # where it is written in the project (never committed)


def install_walk(root: Path, files: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """Write the plugin into the project at `root`; the pytest arguments and environment that
    walk the failing tests of `files` (paths relative to `root`). PYTHONPATH holds the plugin's
    folder only: the caller joins its own paths after it."""
    plugin = root / PLUGINS / f"{PLUGIN_NAME}.py"
    plugin.parent.mkdir(parents=True, exist_ok=True)
    plugin.write_text(PLUGIN_HEAD + TRACER + STEPPER + PLUGIN_TAIL)
    return ["-p", PLUGIN_NAME], {"PYTHONPATH": PLUGINS, "MACROHARD_WALK": ":".join(files)}
