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

from macrohard.company.harness import BODY, HEADER, SITE_HEAD, SITE_TAIL, STEPPER, TRACER, WALK_HEAD

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


WALK_CHARS = 1200  # a failure message with its line-by-line walk, in a prompt


def shorten(messages: list[str], chars: int, walk_chars: int = WALK_CHARS) -> list[str]:
    """Failure messages cut to `chars` each; the first with a line-by-line walk of the code (see
    harness.STEPPER) keeps it, up to `walk_chars` more (0: none does), and goes first; the others
    lose theirs: one walk tells the cause, three would crowd the prompt."""
    out: list[str] = []
    walked: list[str] = []
    for message in messages:
        head, found, rest = message.partition(WALK_HEAD)
        if found and walk_chars and not walked:
            walked.append(f"{head.rstrip()[:chars]}\n{(found + rest)[:walk_chars]}")
        else:
            out.append(head.rstrip()[:chars])
    return walked + out


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
        HEADER.replace("parents[1]", f"parents[{depth}]")
        + f"DOCTESTS = {doctests!r}\nTRANSCRIPTS = {transcripts!r}\nFILES = {examples.files!r}\n"
        + f"CASES = {cases!r}\nMODULES = {examples.modules!r}\n"
        + f"SITECUSTOMIZE = {SITE_HEAD + TRACER + SITE_TAIL!r}\n"
        + TRACER
        + STEPPER
        + BODY
    )
