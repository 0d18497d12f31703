"""`bench projects`: build each sample request, then score it with acceptance tests it never saw.

The builder only reads request.md. The hidden tests are copied in after the build has finished and
run in the sandbox with the project root as the working directory. Where a sample has a
`reference/` solution, the build's own tests (QA's and the client's examples) are also run
against it: a measure of the tests the company wrote, since a wrong test steers its repairs.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macrohard.company import Company
from macrohard.errors import MacrohardError, UserError
from macrohard.gates.builtin import parse_junit
from macrohard.sandbox import Limits, Sandbox


@dataclass(frozen=True)
class Sample:
    name: str
    request: str
    acceptance: Path
    reference: Path | None = None  # a correct solution, for scoring the build's own tests


def discover(suite: Path, only: str | None = None) -> list[Sample]:
    if not suite.is_dir():
        raise UserError(f"no sample suite at {suite} (expected folders with request.md)")
    wanted = {w.strip() for w in only.split(",")} if only else None
    samples = [
        Sample(
            d.name,
            (d / "request.md").read_text(),
            d / "acceptance",
            d / "reference" if (d / "reference").is_dir() else None,
        )
        for d in sorted(suite.iterdir())
        if (d / "request.md").is_file()
        and (d / "acceptance").is_dir()
        and (wanted is None or d.name in wanted)
    ]
    if not samples:
        raise UserError(f"no samples selected in {suite}")
    return samples


def _pytest(sandbox: Sandbox, root: Path, tests: Path, junit: Path) -> dict[str, Any]:
    """Run the tests in `tests` in the sandbox with `root` as the working directory."""
    junit.unlink(missing_ok=True)
    pytest = [sandbox.python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    result = sandbox.run(
        [*pytest, f"--junitxml={junit}", str(tests)],
        workdir=root,
        limits=Limits(timeout=300, memory_mb=2048),
        env={"PYTHONPATH": str(root)},
    )
    if not junit.exists():
        return {"passed": 0, "total": 0, "ok": False, "error": result.stderr[-500:]}
    gate = parse_junit(junit, result.seconds)
    details = gate.details
    return {"passed": details["passed"], "total": details["total"], "ok": gate.passed}


def hidden_tests(sandbox: Sandbox, project: Path, acceptance: Path) -> dict[str, Any]:
    """Run the unseen acceptance tests against whatever the build left in `project`."""
    target = project / ".macrohard" / "tmp" / "acceptance"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(acceptance, target)
    return _pytest(sandbox, project, target, project / ".macrohard" / "tmp" / "acceptance.xml")


def own_tests_on_reference(sandbox: Sandbox, project: Path, reference: Path) -> dict[str, Any]:
    """How many of the build's own tests pass on the sample's reference solution (a right test
    passes there; the build's code plays no part)."""
    target = project / ".macrohard" / "tmp" / "reference"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(reference, target)
    if not (project / "tests").is_dir():
        return {"passed": 0, "total": 0, "ok": False}
    shutil.copytree(project / "tests", target / "tests")
    return _pytest(sandbox, target, target / "tests", target / "own-tests.xml")


def run(
    make_company: Callable[[], Company],
    samples: list[Sample],
    sandbox: Sandbox,
    work: Path | None = None,
    max_minutes: float | None = 20.0,
    report_path: Path | None = None,
    on_sample: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    work = work or Path(tempfile.mkdtemp(prefix="mh-projects-"))
    rows: list[dict[str, Any]] = []
    for sample in samples:
        out = work / sample.name
        company = make_company()
        row: dict[str, Any] = {"name": sample.name, "out_dir": str(out)}
        try:
            outcome = company.build(sample.request, out, max_minutes=max_minutes)
            row.update(
                verdict=outcome.verdict,
                run_id=outcome.run_id,
                seconds=outcome.report["seconds"],
                tokens=outcome.report["tokens"]["total"],
            )
        except MacrohardError as exc:
            row.update(verdict="error", error=str(exc), seconds=0.0, tokens=0)
        hidden = (
            hidden_tests(sandbox, out, sample.acceptance)
            if out.exists()
            else {"passed": 0, "total": 0, "ok": False}
        )
        row["hidden"] = hidden
        if sample.reference and out.exists():
            row["own_tests_on_reference"] = own_tests_on_reference(sandbox, out, sample.reference)
        # strict: the client gets main only when every gate passed
        row["passed"] = bool(hidden["ok"] and row["verdict"] == "shipped")
        rows.append(row)
        if on_sample:
            on_sample(row)
        report = make_report(rows)
        if report_path:
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(json.dumps(report, indent=1))
    return make_report(rows)


def make_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [r["seconds"] for r in rows if r.get("seconds")]
    return {
        "benchmark": "projects",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "n": len(rows),
        "passed": sum(r["passed"] for r in rows),
        "hidden_ok_any_verdict": sum(bool(r["hidden"]["ok"]) for r in rows),
        "median_build_seconds": round(statistics.median(seconds), 1) if seconds else 0.0,
        "tokens": sum(r.get("tokens", 0) for r in rows),
        "own_tests_right": _total(rows, "own_tests_on_reference"),
        "projects": rows,
    }


def _total(rows: list[dict[str, Any]], key: str) -> dict[str, int]:
    scored = [r[key] for r in rows if key in r]
    return {k: sum(s[k] for s in scored) for k in ("passed", "total")}


def summary_line(report: dict[str, Any]) -> str:
    return f"projects: {report['passed']}/{report['n']} passed"
