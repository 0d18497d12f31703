"""Supply-chain gates: dependencies on an allowlist, their licences, known vulnerabilities."""

from __future__ import annotations

import functools
import importlib.metadata
import json
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from macrohard.gates.base import Finding, GateResult, Status, error, invoke, missing, tail, tool
from macrohard.gates.deps import declared, normalize, project_name, third_party_imports
from macrohard.gates.licences import LicencePolicy, judge
from macrohard.sandbox import Sandbox

DEPLOY_PYTHON = ".macrohard/tmp/venv/bin/python"
#: import names whose distribution is named otherwise (beyond what this environment knows)
DISTRIBUTIONS = {
    "yaml": "pyyaml",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "jwt": "pyjwt",
    "dotenv": "python-dotenv",
}


@functools.cache
def _distributions() -> dict[str, list[str]]:
    return dict(importlib.metadata.packages_distributions())


def _names(module: str) -> set[str]:
    """The normalized names an import may be allowed under: its own and its distributions'."""
    dists = [*_distributions().get(module, []), *DISTRIBUTIONS.get(module, "").split()]
    return {normalize(module), *map(normalize, dists)}


class DependenciesGate:
    """Declared requirements and third-party imports must be on the allowlist (default: none,
    i.e. standard library only). Test files may also use `test_allow` (default: pytest)."""

    name = "dependencies"

    def __init__(self, allow: Sequence[str] = (), test_allow: Sequence[str] = ("pytest",)) -> None:
        self.allow = {normalize(a) for a in allow}
        self.test_allow = self.allow | {normalize(a) for a in test_allow}

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        start = time.perf_counter()
        reqs, problems = declared(project)
        imports, broken = third_party_imports(project)
        findings = [Finding(p) for p in problems]
        findings += [
            Finding(f"dependency {r.name!r} is not on the allowlist", r.source.split(":")[0])
            for r in reqs
            if r.name not in self.allow
        ]
        bad: set[str] = {r.name for r in reqs if r.name not in self.allow}
        seen: set[tuple[str, bool]] = set()
        for imp in imports:
            allowed = self.test_allow if imp.test else self.allow
            if (imp.module, imp.test) in seen or _names(imp.module) & allowed:
                continue
            seen.add((imp.module, imp.test))
            bad.add(imp.module)
            findings.append(
                Finding(f"imports {imp.module!r}, not on the allowlist", imp.path, imp.line)
            )
        declared_names = {r.name for r in reqs}
        warnings = [
            Finding(f"imports {m!r} without declaring it", severity="warning")
            for m in sorted({i.module for i in imports if not i.test} - bad)
            if not _names(m) & declared_names
        ]
        third = sorted(declared_names | {i.module for i in imports if not i.test})
        status: Status = "failed" if findings else "passed"
        if findings:
            summary = "not allowed: " + ", ".join(sorted(bad)) if bad else "unreadable requirements"
        else:
            summary = "third-party: " + ", ".join(third) if third else "standard library only"
        details = {
            "declared": sorted(declared_names),
            "third_party_imports": sorted({i.module for i in imports}),
            "allowlist": sorted(self.allow),
            "unparsed_files": broken,
        }
        return GateResult(
            self.name,
            status,
            summary,
            tuple(findings + warnings),
            time.perf_counter() - start,
            details,
        )


class LicencesGate:
    """Licences of the built environment (the deploy venv, or `python`) against the policy.

    pip-licenses asks the target interpreter for its sys.path, so it starts that interpreter on
    the host: point it only at environments we built (the deploy venv), not at arbitrary ones.
    """

    name = "licences"

    def __init__(
        self,
        policy: LicencePolicy | None = None,
        *,
        python: str | None = None,
        command: Sequence[str] | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.policy = policy or LicencePolicy()
        self.python = python
        self.command = command
        self.timeout = timeout

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        start = time.perf_counter()
        python = self.python
        deploy = project / DEPLOY_PYTHON
        if python is None and deploy.exists():
            python = str(deploy)
        if python is None:
            reqs, _ = declared(project)
            if not reqs:
                return GateResult(
                    self.name, "passed", "no third-party packages", details={"environment": None}
                )
            names = ", ".join(sorted({r.name for r in reqs}))
            return error(self.name, f"no built environment to check the licences of: {names}")
        argv = tool("pip-licenses", self.command)
        if argv is None:
            return missing(self.name, "pip-licenses", self.command, "pip-licenses")
        cmd = [*argv, "--format=json", "--from=mixed", "--with-system", f"--python={python}"]
        proc = invoke(self.name, cmd, project, self.timeout)
        if isinstance(proc, GateResult):
            return proc
        try:
            rows = json.loads(proc.stdout) if proc.returncode == 0 else None
        except ValueError:
            rows = None
        if not isinstance(rows, list):
            return error(self.name, f"pip-licenses failed (exit {proc.returncode}): {tail(proc)}")
        own = project_name(project)
        rows = [r for r in rows if isinstance(r, dict) and normalize(str(r.get("Name"))) != own]
        seconds = time.perf_counter() - start
        details: dict[str, object] = {"environment": python, "packages": rows}
        if not rows:
            return GateResult(self.name, "passed", "no third-party packages", (), seconds, details)
        return self._result(rows, seconds, details)

    def _result(
        self, rows: list[dict[str, object]], seconds: float, details: dict[str, object]
    ) -> GateResult:
        verdicts = judge(rows, self.policy)
        denied = [v for v in verdicts if v.decision == "denied"]
        unknown = [v for v in verdicts if v.decision == "unknown"]
        findings = [
            Finding(f"{v.name} {v.version}: {v.licence} is not allowed", severity="high")
            for v in denied
        ]
        fail_unknown = self.policy.unknown == "fail"
        findings += [
            Finding(
                f"{v.name} {v.version}: licence {v.licence!r} is not known to be allowed",
                severity="error" if fail_unknown else "warning",
            )
            for v in unknown
        ]
        failed = bool(denied) or (fail_unknown and bool(unknown))
        summary = f"{len(verdicts)} package(s): {len(denied)} denied, {len(unknown)} unknown"
        status: Status = "failed" if failed else "passed"
        return GateResult(self.name, status, summary, tuple(findings), seconds, details)


# how pip-audit says it could not check a package: no vulnerability service (a network
# traceback), or the service does not know the package
_UNAUDITED = re.compile(
    r"could not be audited|ConnectionError|ProxyError|SSLError|Timeout|timed out|Max retries"
    r"|NameResolution|Failed to establish"
)


class AuditGate:
    """Known vulnerabilities of the pinned requirements (pip-audit --strict). When pip-audit cannot
    check them (no vulnerability database, unpinned requirements) the result is "skipped" with
    "not audited: <reason>" and details {"audited": False}: never a pass."""

    name = "audit"

    def __init__(self, command: Sequence[str] | None = None, timeout: float = 120.0) -> None:
        self.command = command
        self.timeout = timeout

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        start = time.perf_counter()
        reqs, _ = declared(project)
        if not reqs:
            summary = "nothing to audit: no third-party dependencies"
            return GateResult(self.name, "passed", summary, details={"audited": True})
        argv = tool("pip-audit", self.command)
        if argv is None:
            return missing(self.name, "pip-audit", self.command, "pip-audit")
        pinned = {r.name: r.version for r in reqs if r.version}
        unpinned = sorted({r.name for r in reqs if not r.version})
        if not pinned:
            return _not_audited(f"unpinned requirements: {', '.join(unpinned)}", start)
        with tempfile.TemporaryDirectory(prefix="mh-audit-") as tmp:
            lines = "".join(f"{n}=={v}\n" for n, v in sorted(pinned.items()))
            Path(tmp, "requirements.txt").write_text(lines)
            cmd = [*argv, "--strict", "--no-deps", "--disable-pip", "-r", "requirements.txt"]
            cmd += ["--format=json", "--progress-spinner=off", "--timeout=15"]
            proc = invoke(self.name, cmd, Path(tmp), self.timeout)
        if isinstance(proc, GateResult):
            return proc
        try:
            data = json.loads(proc.stdout)
            deps = data["dependencies"]
        except (ValueError, KeyError, TypeError):
            reason = _unaudited_reason(proc.stderr)
            if proc.returncode != 0 and reason:
                return _not_audited(reason, start, proc.stderr.strip().splitlines()[-5:])
            return error(self.name, f"pip-audit failed (exit {proc.returncode}): {tail(proc)}")
        return self._result(deps, unpinned, start)

    def _result(self, deps: list[dict[str, Any]], unpinned: list[str], start: float) -> GateResult:
        findings = tuple(
            Finding(f"{d.get('name')} {d.get('version')}: {v.get('id')}", severity="high")
            for d in deps
            for v in d.get("vulns") or []
            if isinstance(v, dict)
        )
        seconds = time.perf_counter() - start
        if findings:
            summary = f"{len(findings)} known vulnerabilit(ies)"
            return GateResult(self.name, "failed", summary, findings, seconds, {"audited": True})
        skipped = [str(d.get("name")) for d in deps if d.get("skip_reason")]
        if skipped or unpinned:
            reason = "; ".join(
                [f"no data for {', '.join(skipped)}"] * bool(skipped)
                + [f"unpinned requirements: {', '.join(unpinned)}"] * bool(unpinned)
            )
            return _not_audited(reason, start)
        summary = f"{len(deps)} package(s) audited, no known vulnerabilities"
        return GateResult(self.name, "passed", summary, (), seconds, {"audited": True})


def _unaudited_reason(stderr: str) -> str:
    """Why pip-audit could not audit ("" when its failure is something else)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [re.sub(r"^ERROR:[\w.]+:\s*", "", ln) for ln in lines if ln.startswith("ERROR:")]
    if errors and _UNAUDITED.search(errors[-1]):
        return errors[-1]
    if lines and _UNAUDITED.search(lines[-1]):  # a traceback ending in a network error
        return f"vulnerability service unreachable ({lines[-1].split(':')[0]})"
    return ""


def _not_audited(reason: str, start: float, log: Sequence[str] = ()) -> GateResult:
    return GateResult(
        "audit",
        "skipped",
        f"not audited: {reason}",
        (Finding(f"not audited: {reason}", severity="warning"),),
        time.perf_counter() - start,
        {"audited": False, "log": list(log)},
    )
