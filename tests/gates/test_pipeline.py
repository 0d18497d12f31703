"""The gates inside a whole build: the project's policy is obeyed, and the results reach the
report, the review commit, the release commit and the merge commit on main."""

from __future__ import annotations

import json
from pathlib import Path

from macrohard.company import Company
from macrohard.journal import Journal
from macrohard.sandbox import LocalSandbox
from macrohard.workspace import Workspace

from ..company.scripted_company import REQUEST
from ..company.scripted_company import Company as Script

POLICY = """[gates]
mypy = true
required = ["tests", "ruff", "bandit", "secrets", "dependencies", "licences", "audit"]
"""


def trailers(body: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in body.splitlines() if line.startswith("Gate-"))


def test_policy_and_gate_results_reach_report_and_commits(tmp_path: Path) -> None:
    out = Workspace.init(tmp_path / "proj").path  # a repository without commits yet
    (out / "macrohard.toml").write_text(POLICY)  # the client's policy, there before the build
    company = Company(Script().model(), journal=Journal(tmp_path / "j.db"), sandbox=LocalSandbox())
    outcome = company.build(REQUEST, out)
    assert outcome.verdict == "shipped", outcome.report
    gates = {g["gate"]: g for g in outcome.report["gates"]}
    assert list(gates) == [
        "tests",
        "ruff",
        "bandit",
        "secrets",
        "dependencies",
        "licences",
        "mypy",
        "audit",
    ]
    assert gates["mypy"]["required"] is False  # advisory: reported, not blocking
    assert "coverage" in gates["tests"]["details"]
    stable = json.loads((out / ".macrohard/gates.json").read_text())
    assert [g["gate"] for g in stable] == list(gates)

    ws = Workspace(out)
    log = ws.log(f"macrohard/{outcome.run_id}")
    review = next(c for c in log if c.subject.startswith("review:"))
    release = next(c for c in log if c.subject.startswith("release:"))
    expected = trailers(review.body)
    assert set(expected) == {f"Gate-{name}" for name in gates}
    assert trailers(release.body) == expected
    merge = next(c for c in ws.log("main") if c.subject.startswith("release 0.1.0: merge"))
    assert trailers(merge.body) == expected
    assert expected["Gate-audit"].startswith("passed (nothing to audit")
