"""A repository's declared dependencies, put where its tests (in the sandbox) can import them.

A real repository's tests import what it depends on, and the sandbox has no network. So before
the baseline run, the requirements the repository declares ([project].dependencies, its test
extras, requirements*.txt) that the sandbox's Python lacks are installed by pip, on the host,
into `.macrohard/deps` in the work tree (untracked: commits name their paths, so never
committed), **wheels only**: a wheel is unpacked, never run, so no code of the repository or of
a package runs outside the sandbox (an sdist would run its setup.py). The test runs put the
folder on PYTHONPATH. What cannot be installed (no wheel, not on the index, no network) is said
in the notes; the baseline shows what that costs.
"""

from __future__ import annotations

import json
import subprocess  # nosec B404 - for TimeoutExpired: pip runs through gates.run_tool
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement

from macrohard.errors import SandboxError
from macrohard.gates.base import run_tool
from macrohard.gates.deps import Requirement, declared
from macrohard.sandbox import Limits, Sandbox
from macrohard.solve.testrun import DEPS

TEST_EXTRAS = ("test", "tests", "testing", "dev")
PIP_SECONDS = 300.0
# pip's own settings (PIP_INDEX_URL, PIP_FIND_LINKS, ...), proxies and certificates
_PIP_ENV = ("PIP_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
# which of the named distributions the sandbox's Python already has, and its version
_PROBE = """
import json, sys
from importlib import metadata
have = {}
for name in json.loads(sys.argv[1]):
    try:
        have[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        continue
print(json.dumps({"python": "%d.%d" % sys.version_info[:2], "have": have}))
"""


@dataclass
class Dependencies:
    declared: list[str] = field(default_factory=list)  # as the repository writes them
    present: list[str] = field(default_factory=list)  # the sandbox's Python satisfies these
    installed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # spec -> pip's reason
    problems: list[str] = field(default_factory=list)  # lines that could not be read
    path: str | None = None  # DEPS, when anything was installed there

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def notes(self) -> list[str]:
        said = [
            f"dependency {spec} could not be installed: {why}" for spec, why in self.failed.items()
        ]
        return said + [f"requirements: {p}" for p in self.problems]


def requirements(root: Path) -> tuple[list[Requirement], list[str]]:
    """What the repository declares, its test extras included; one entry per package."""
    reqs, problems = declared(root, extras=TEST_EXTRAS)
    unique = {r.name: r for r in reversed(reqs)}  # the first declaration of a name wins
    return [r for r in reqs if unique.get(r.name) is r], problems


def install(root: Path, sandbox: Sandbox, timeout: float = PIP_SECONDS) -> Dependencies:
    """Install the missing declared requirements into root/DEPS (see the module's docstring)."""
    reqs, problems = requirements(root)
    deps = Dependencies([r.spec for r in reqs], problems=problems)
    if not reqs:
        return deps
    try:
        probe = sandbox.run(
            [sandbox.python, "-c", _PROBE, json.dumps([r.name for r in reqs])],
            workdir=root,
            limits=Limits(timeout=60),
        )
        found = json.loads(probe.stdout)
        python, have = str(found["python"]), dict(found["have"])
    except (SandboxError, ValueError, KeyError, TypeError) as exc:
        deps.problems.append(f"could not ask the sandbox's Python what it has: {exc}")
        return deps
    wanted: list[str] = []
    for req in reqs:
        need = _needed(req.spec, have.get(req.name))
        if need is None:
            deps.present.append(req.spec)
        elif need:
            wanted.append(req.spec)
    if not wanted:
        return deps
    target = root / DEPS
    ok, why = _pip(wanted, target, python, timeout)
    if not ok:  # one bad requirement fails the lot: try them one by one
        for spec in wanted:
            alone, why = _pip([spec], target, python, timeout)
            if alone:
                deps.installed.append(spec)
            else:
                deps.failed[spec] = why
    else:
        deps.installed = wanted
    deps.path = DEPS if deps.installed else None
    return deps


def _needed(spec: str, version: str | None) -> bool | None:
    """True: install it; None: the sandbox's version satisfies it; False: not for this Python
    (an environment marker says so)."""
    try:
        req = PackagingRequirement(spec)
    except InvalidRequirement:
        return version is None  # pip will say what is wrong with it
    if req.marker is not None and not req.marker.evaluate():
        return False
    if version is not None and req.specifier.contains(version, prereleases=True):
        return None
    return True


def _pip(specs: list[str], target: Path, python: str, timeout: float) -> tuple[bool, str]:
    # -I and a neutral cwd: `python -m pip` would otherwise import a `pip/` or `packaging.py`
    # of the repository from the working directory, outside the sandbox
    argv = [sys.executable, "-I", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    argv += ["--no-input", "--no-compile", "--only-binary=:all:", "--python-version", python]
    argv += ["--upgrade", "--target", str(target), *specs]
    try:
        done = run_tool(argv, Path(tempfile.gettempdir()), timeout, also=_PIP_ENV)
    except subprocess.TimeoutExpired:
        return False, f"pip took longer than {timeout:.0f} s"
    except OSError as exc:
        return False, f"pip could not start: {exc}"
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    reason = next((line for line in lines if line.startswith("ERROR")), lines[-1] if lines else "")
    return done.returncode == 0, reason.removeprefix("ERROR: ")[:300]
