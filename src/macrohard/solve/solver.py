"""`solve`: a verified change to an existing repository, delivered on a branch.

understand (map, test command, baseline run)  ->  plan  ->  tests (QA, before the code)
  ->  edit (engineer)  ->  verify (own tests + new ones vs the baseline; repair by selection)
  ->  review (new lint/security findings in the changed files)  ->  deliver (PR text, patch)

All work happens in a git work tree of its own on a new branch, so the client's checkout (files,
index, HEAD) is never touched; `--merge` merges the branch into the branch that was checked out,
and only when the change is verified. Each phase that changes files is one commit by its role.
The run and each phase are journaled (`macrohard runs` lists solve runs too).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from macrohard.company import examples as client_examples
from macrohard.company.budget import Budget, BudgetedModel
from macrohard.company.context import Context
from macrohard.company.policy import check_request
from macrohard.company.splice import fault_functions
from macrohard.errors import BudgetExceeded, Cancelled, EditError, MacrohardError, UserError
from macrohard.journal import Journal
from macrohard.models.base import Model, Usage
from macrohard.sandbox import Sandbox, default_sandbox
from macrohard.solve import edits, mutation
from macrohard.solve.claims import claims, documented
from macrohard.solve.deps import install as install_dependencies
from macrohard.solve.repair import Verifier, failure_text, rank_blamed, rewrite_function
from macrohard.solve.repomap import RepoMap, module_of
from macrohard.solve.review import (
    drop_repeats,
    format_like_the_repository,
    review_changes,
    tidy,
)
from macrohard.solve.steps import (
    Plan,
    fresh_names,
    guess_kind,
    plan,
    test_example,
    write_edit,
    write_tests,
)
from macrohard.solve.testrun import (
    TestCommand,
    TestRun,
    detect_test_command,
    parse_test_command,
    run_tests,
)
from macrohard.workspace import Workspace

Listener = Callable[[str, dict[str, Any]], None]
PHASES = (
    ("understand", "architect"),
    ("plan", "architect"),
    ("tests", "qa"),
    ("edit", "engineer"),
    ("verify", "qa"),
    ("review", "reviewer"),
    ("deliver", "release"),
)
OUT = ".macrohard/solve"
REPRODUCED_CHARS = 1200
# one-token variants of a bug's suspects, tried before the model: at most this long, and at
# most a fifth of the time left
MUTATION_SECONDS = 90.0
MUTATED_FUNCTIONS = 6  # of the functions the failing tests ran
# repair rounds of a run with a time limit: the clock decides, not the count (at 8 rounds, a
# full run's 03 and 04 stopped repairing at 295 and 363 s of their 480; a round is 25-45 s)
TIMED_ROUNDS = 24


@dataclass(frozen=True)
class SolveOutcome:
    run_id: str
    repo: Path
    branch: str
    verdict: str  # resolved | unresolved | stopped
    report: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.verdict == "resolved"


@dataclass
class Work:
    """What the phases hand each other."""

    base: str
    repo: RepoMap | None = None
    command: TestCommand | None = None
    baseline: TestRun | None = None
    plan: Plan | None = None
    test_files: dict[str, str] = field(default_factory=dict)  # new test path -> text
    client_tests: str = ""  # the path of the tests made from the request's examples
    examples: list[str] = field(default_factory=list)  # the request's checkable examples
    reproduced: list[str] = field(default_factory=list)  # a bug's new tests failing before the fix
    fresh: list[str] = field(default_factory=list)  # what a feature adds: names defined nowhere yet
    frozen: list[str] = field(default_factory=list)  # the functions a feature's replies keep as is
    changed: list[str] = field(default_factory=list)
    verified: bool = False
    reviewed: bool = False
    summary: dict[str, Any] = field(default_factory=dict)


class Solver:
    """Solves requests on existing repositories with a model, a sandbox and a journal."""

    def __init__(
        self,
        model: Model,
        *,
        journal: Journal | None = None,
        sandbox: Sandbox | None = None,
        on_event: Listener | None = None,
        cancel: threading.Event | None = None,
        repair_rounds: int = 8,
    ) -> None:
        self.model = model
        self.journal = journal or Journal()
        self.sandbox = sandbox or default_sandbox()
        self.on_event = on_event or (lambda kind, data: None)
        self.cancel_event = cancel or threading.Event()
        self.repair_rounds = repair_rounds

    def solve(
        self,
        repo: Path | str,
        request: str,
        *,
        branch: str | None = None,
        merge: bool = False,
        stash: bool = False,
        test_cmd: str | None = None,
        budget_tokens: int | None = None,
        max_minutes: float | None = None,
    ) -> SolveOutcome:
        request = check_request(request)
        ws = _open_repo(Path(repo))
        command = parse_test_command(test_cmd) if test_cmd is not None else None
        stashed = False
        if not ws.is_clean():
            if not stash:
                raise UserError(
                    f"{ws.path} has uncommitted changes; the change is made from the last commit, "
                    "so commit or stash them first, or pass --stash to have them put aside and "
                    "restored afterwards"
                )
            stashed = ws.stash("macrohard solve: put aside while solving")
        try:
            return self._solve(ws, request, branch, merge, command, budget_tokens, max_minutes)
        finally:
            if stashed:
                ws.unstash()

    def _solve(
        self,
        ws: Workspace,
        request: str,
        branch: str | None,
        merge: bool,
        command: TestCommand | None,
        budget_tokens: int | None,
        max_minutes: float | None,
    ) -> SolveOutcome:
        base = ws.head()
        assert base is not None  # checked by _open_repo
        home = ws.current_branch()
        options = {"budget_tokens": budget_tokens, "max_minutes": max_minutes, "merge": merge}
        run = self.journal.create_run(
            request, str(ws.path), self.model.name, PHASES, options, kind="solve"
        )
        self.journal.mark_running(run.id, os.getpid())
        branch = branch or f"macrohard/solve-{run.id}"
        if ws.head(f"refs/heads/{branch}") is not None:
            self.journal.set_run_status(run.id, "failed", error=f"branch {branch} exists")
            raise UserError(f"branch {branch!r} already exists in {ws.path}; pick another --branch")
        ws.exclude(".macrohard/tmp/")
        started = time.perf_counter()
        budget = Budget(budget_tokens, max_minutes, 0, self.cancel_event)

        def on_call(usage: Usage) -> None:
            data = {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "seconds": round(usage.seconds, 2),
            }
            self.journal.add_event(run.id, "model.call", data)
            self.on_event("model.call", data)

        model = BudgetedModel(self.model, budget, on_call)
        scratch = Path(tempfile.mkdtemp(prefix="mh-solve-"))
        tree = ws.worktree_add(scratch / "repo", branch, base)
        work = Work(base=base, command=command)
        ctx = Context(run.id, request, tree.path, model, self.sandbox)
        stopped = ""
        try:
            self.on_event("run.started", {"run_id": run.id, "branch": branch})
            steps = (
                self._understand,
                self._plan,
                self._tests,
                self._edit,
                self._verify,
                self._review,
            )
            failed = ""
            for (name, role), step in zip(PHASES, steps, strict=False):
                try:
                    self._phase(run.id, name, role, model, tree, step, (ctx, tree, work))
                except (BudgetExceeded, Cancelled) as exc:
                    stopped = str(exc)
                    break
                except MacrohardError as exc:  # journaled by _phase; the report says it too
                    failed = f"{name} failed: {exc}"
                    ctx.notes.append(failed)
                    break
            verdict = "resolved" if work.verified and work.reviewed else "unresolved"
            verdict = "stopped" if stopped else verdict
            report = self._deliver(run.id, ctx, tree, work, branch, verdict, stopped, started)
        finally:
            ws.worktree_remove(tree.path)
            shutil.rmtree(scratch, ignore_errors=True)
        if merge and verdict == "resolved" and home:
            ws.merge(branch, "release", f"solve: merge {branch} ({run.id}), verified")
            report["merged_into"] = home
        status = {"resolved": "succeeded", "stopped": "stopped"}.get(verdict, "failed")
        error = stopped or failed or (None if verdict == "resolved" else "not verified")
        self.journal.set_run_status(run.id, status, verdict=verdict, error=error)  # type: ignore[arg-type]
        self.on_event("run.finished", {"verdict": verdict})
        return SolveOutcome(run.id, ws.path, branch, verdict, report)

    # -- the phase wrapper -----------------------------------------------------------------------
    def _phase(
        self,
        run_id: str,
        name: str,
        role: str,
        model: BudgetedModel,
        tree: Workspace,
        step: Callable[..., tuple[str, dict[str, Any], str, list[str]]],
        args: tuple[Any, ...],
    ) -> None:
        """Runs one step, commits the paths it reports changed as `role`, journals it."""
        self.journal.phase_started(run_id, name, {"role": role})
        self.on_event("phase.started", {"phase": name, "role": role})
        t0 = time.perf_counter()
        try:
            if self.cancel_event.is_set():
                raise Cancelled("cancelled on request")
            summary, output, verdict, paths = step(*args)
        except MacrohardError as exc:
            usage = model.take_phase_usage()
            self.journal.phase_failed(
                run_id,
                name,
                str(exc),
                model=self.model.name,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                seconds=time.perf_counter() - t0,
            )
            self.on_event("phase.failed", {"phase": name, "error": str(exc)})
            raise
        usage = model.take_phase_usage()
        sha = None
        if paths:
            sha = tree.commit(
                role,
                f"{name}: {summary}",
                paths=paths,
                trailers={"Macrohard-Run": run_id, "Macrohard-Phase": name},
            )
        self.journal.phase_finished(
            run_id,
            name,
            output=output,
            verdict=verdict,
            commit_sha=sha,
            model=self.model.name,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            seconds=time.perf_counter() - t0,
        )
        self.on_event("phase.finished", {"phase": name, "verdict": verdict, "summary": summary})

    # -- the steps: each returns (summary, output, verdict, paths to commit) ---------------------
    def _understand(self, ctx: Context, tree: Workspace, work: Work) -> Any:
        files = tree.files()
        work.repo = RepoMap.scan(tree.path, files)
        if work.command is None:
            work.command = detect_test_command(tree.path, files)
        output: dict[str, Any] = {
            "files": len(files),
            "python_files": len(work.repo.files),
            "test_command": work.command.describe() if work.command else None,
            "test_command_found_by": work.command.why if work.command else None,
        }
        deps = install_dependencies(tree.path, self.sandbox)
        ctx.notes += deps.notes()
        output["dependencies"] = deps.to_dict()
        if work.command is not None:
            work.baseline = run_tests(tree.path, work.command, self.sandbox)
            output["baseline"] = work.baseline.to_dict()
        said = work.baseline.summary() if work.baseline else "no tests found"
        return f"{len(work.repo.files)} Python files; baseline: {said}", output, "ok", []

    def _plan(self, ctx: Context, tree: Workspace, work: Work) -> Any:
        assert work.repo is not None
        work.plan, notes = plan(ctx, work.repo)
        ctx.notes += notes
        output = {**work.plan.model_dump(), "notes": notes}
        return work.plan.summary, output, "ok" if work.plan.files else "failed", []

    def _tests(self, ctx: Context, tree: Workspace, work: Work) -> Any:
        assert work.repo is not None and work.plan is not None
        if not work.plan.files:
            return "no file to test", {}, "failed", []
        target = work.plan.files[0]
        folder = _test_folder(work.repo, target, work.command)
        found = client_examples.extract(ctx.request, set(work.plan.files))
        shown = {d.source for d in found.doctests}
        # a feature's "`f(x)` is True" states what is wanted; a bug report's, what happens now
        plain = work.plan.kind == guess_kind(ctx.request) == "feature"
        stated = claims(ctx.request, plain=plain)
        stated = [d for d in stated if d.source not in shown]
        # what the project's docstrings show of the functions in question: a change must keep
        # those too (a fix of the request's example only often breaks them)
        target_code = (tree.path / target).read_text(errors="replace")
        docs = documented(target_code, module_of(target), work.plan.functions)
        found = replace(
            found,
            modules=[module_of(f) for f in work.plan.files],
            doctests=[*found.doctests, *stated, *docs],
        )
        work.examples = found.lines()
        client = _free_name(tree.path, f"{folder}/test_client_examples.py")
        rendered = client_examples.render(found, depth=len(PurePosixPath(client).parts) - 1)
        if rendered:
            work.client_tests = client
            work.test_files[work.client_tests] = rendered
        originals = {f.path: tree.path.joinpath(f.path).read_text() for f in work.repo.files}
        example = test_example(work.repo, originals, target)
        stem = (work.plan.functions[:1] or [module_of(target).rsplit(".", 1)[-1]])[0]
        path = _free_name(
            tree.path, f"{folder}/test_{stem.lower().replace('.', '_')}_{work.plan.kind}.py"
        )
        if work.plan.kind == "feature":
            work.fresh = fresh_names(ctx.request, work.repo, work.plan)
        written = None
        for temperature in (0.0, 0.7):
            text = write_tests(
                ctx,
                work.repo,
                work.plan,
                target,
                example,
                temperature,
                found.doctests,
                fresh=work.fresh,
            )
            if text is None:
                continue
            written = text
            if work.plan.kind != "bug":
                break
            ctx.write(path, text)  # a bug's tests must fail before the fix, on an assertion
            run = run_tests(tree.path, TestCommand("pytest", (path,)), self.sandbox)
            if any(_asserts(run.failures.get(t, "")) for t in run.failed):
                break
            said = "passed on the unfixed code" if not run.failed else "failed on errors"
            ctx.notes.append(f"the new tests {said}, not on an assertion; asked again")
        if written:
            work.test_files[path] = written
        for rel, text in work.test_files.items():
            ctx.write(rel, text)
        paths = sorted(work.test_files)
        if paths and work.plan.kind == "bug":  # how the bug shows: the engineer's first clue
            own = tuple(p for p in paths if p != work.client_tests)
            run = run_tests(tree.path, TestCommand("pytest", tuple(paths)), self.sandbox, walk=own)
            work.reproduced = [f"{t}: {run.failures.get(t, '')}" for t in sorted(run.failed)]
        output = {"files": paths, "client_examples": found.count, "reproduced": work.reproduced}
        verdict = "ok" if paths else "failed"
        summary = f"tests for {work.plan.summary[:60]}" if paths else "no usable tests"
        return summary, output, verdict, paths

    def _edit(self, ctx: Context, tree: Workspace, work: Work) -> Any:
        assert work.plan is not None
        if not work.plan.files:
            return "nothing to edit", {}, "failed", []
        target = work.plan.files[0]
        current = {f: ctx.read(f) for f in work.plan.files}
        tests = "\n\n".join(t for p, t in work.test_files.items() if p != work.client_tests)
        failures, attempts, blamed = "", [], []
        if work.reproduced:
            clue = failure_text(work.reproduced, 500, REPRODUCED_CHARS)
            failures = f"The new tests fail on the current code:\n{clue}"
            blamed = fault_functions(current[target], target, work.reproduced, limit=10)
            blamed = rank_blamed(blamed, work.plan.functions)
            work.plan.functions = list(dict.fromkeys([*blamed[:3], *work.plan.functions]))
        if work.fresh:  # what the feature's replies may add to but not replace
            work.frozen = edits.existing_except(current[target], work.fresh)
        if work.plan.kind == "bug" and blamed:
            found = self._one_token_fix(ctx, tree, work, target, blamed[:MUTATED_FUNCTIONS])
            if found is not None:
                return found
            # the reproduction ran these: a new version of the first is a reply of ~200 tokens,
            # where an edit shown the whole file rewrote parts the bug is not in (~900 tokens)
            try:
                fixed = rewrite_function(
                    ctx,
                    target,
                    current[target],
                    blamed[0],
                    failures,
                    0.0,
                    work.plan.functions,
                    suspects=blamed,
                )
            except EditError as exc:
                attempts.append(str(exc))
                fixed = None
            if fixed is not None:
                ctx.write(target, fixed)
                work.changed = sorted(set(work.changed) | {target})
                output: dict[str, Any] = {
                    "files": [target],
                    "function": blamed[0],
                    "not_applied": attempts,
                }
                return f"change {blamed[0]} in {target}", output, "ok", [target]
        for attempt in range(2):
            reply = write_edit(
                ctx,
                work.plan,
                target,
                current[target],
                tests,
                failures,
                work.examples,
                fresh=work.fresh,
            )
            try:
                new = edits.apply_reply(current, reply, target, work.plan.functions, work.frozen)
            except MacrohardError as exc:
                if isinstance(exc, BudgetExceeded | Cancelled):
                    raise
                failures = f"Your edit did not apply: {exc}"
                attempts.append(str(exc))
                continue
            new = {rel: text for rel, text in new.items() if text != current.get(rel)}
            if not new:
                failures = "Your edit changed nothing: the code it gives is already in the file."
                attempts.append("the edit changed nothing")
                continue
            for rel, text in new.items():
                ctx.write(rel, text)
            work.changed = sorted(set(work.changed) | set(new))
            output = {
                "files": sorted(new),
                "attempts": attempt + 1,
                "not_applied": attempts,
            }
            return f"change {', '.join(sorted(new))}", output, "ok", sorted(new)
        return "the edit did not apply", {"not_applied": attempts}, "failed", []

    def _one_token_fix(
        self, ctx: Context, tree: Workspace, work: Work, target: str, suspects: list[str]
    ) -> Any:
        """The edit phase's answer when a one-token variant of a suspect (solve.mutation)
        fixes the new tests and loses none of the project's; else None, the file unchanged."""
        left = ctx.model.budget.seconds_left()
        seconds = MUTATION_SECONDS if left is None else min(MUTATION_SECONDS, left / 5)
        first = mutation.lines_run(work.reproduced)
        result = mutation.search(
            tree.path,
            target,
            suspects,
            tuple(sorted(work.test_files)),
            work.client_tests,
            self.sandbox,
            work.command,
            work.baseline,
            first,
            seconds,
        )
        work.summary["mutation"] = result.to_dict()
        if result.found is None:
            ctx.notes.append(
                f"no one-token change of {', '.join(suspects)} passed the tests "
                f"({result.tried} tried in {result.seconds:.0f} s)"
            )
            return None
        work.changed = sorted(set(work.changed) | {target})
        output = {"files": [target], "function": result.function, "mutation": result.to_dict()}
        said = f"change {result.function} in {target}: {result.found.what}"
        return said, output, "ok", [target]

    def _verify(self, ctx: Context, tree: Workspace, work: Work) -> Any:
        assert work.plan is not None
        verifier = Verifier(
            ctx,
            self.sandbox,
            work.command,
            work.baseline,
            self._rounds(ctx),
            work.examples,
            work.fresh,
            work.frozen,
        )
        verifier.origin = {f: tree.read(f, work.base) for f in work.plan.files}
        if work.reproduced:  # a bug: repairs may start again from the code that had it
            verifier.origin_failures = work.reproduced
        verifier.settled = bool(work.summary.get("mutation", {}).get("found"))
        result = verifier.run(work.plan, work.test_files, work.client_tests, work.changed)
        base_files = set(tree.files(work.base))
        code_changed = [  # tests passing on untouched code do not make a change
            p
            for p in result.changed
            if p not in work.test_files
            and (p not in base_files or ctx.read(p) != tree.read(p, work.base))
        ]
        if regressed := result.output["regressions"]:
            # the best version still breaks tests that passed before: the client gets no change
            # to that code rather than a regression (a new file breaks nothing by itself)
            reverted = [p for p in code_changed if p in base_files]
            for rel in reverted:
                ctx.write(rel, tree.read(rel, work.base))
            code_changed = [p for p in code_changed if p not in reverted]
            result.commit_paths = sorted(set(result.commit_paths) | set(reverted))
            if reverted:
                ctx.notes.append(
                    f"every version of the change broke tests that passed before "
                    f"({len(regressed)}, e.g. {regressed[0]}): {', '.join(reverted)} left as it was"
                )
        work.verified = result.verified and bool(code_changed)
        if result.verified and not code_changed:
            ctx.notes.append("the tests passed, but no source file was changed: not a change")
        work.changed = sorted(set(work.changed) | set(result.changed))
        work.test_files.update(result.test_files)
        work.summary["verify"] = result.output
        verdict = "ok" if work.verified else "failed"
        return result.summary, result.output, verdict, result.commit_paths

    def _rounds(self, ctx: Context) -> int:
        """Repair rounds: `repair_rounds` without a time limit; with one, as many as fit."""
        timed = ctx.model.budget.seconds_left() is not None
        return max(self.repair_rounds, TIMED_ROUNDS) if timed else self.repair_rounds

    def _review(self, ctx: Context, tree: Workspace, work: Work) -> Any:
        base_files = set(tree.files(work.base))
        changed = [p for p in tree.changed_files(work.base) if p.endswith(".py")]
        tidied = tidy(tree, [p for p in changed if p not in base_files])
        tidied += drop_repeats(tree, work.base, changed)
        formatted = format_like_the_repository(tree, work.base, changed)
        tidied = sorted(set(tidied) | set(formatted))
        gates = review_changes(tree, work.base, changed, self.sandbox)
        work.reviewed = all(g["status"] == "passed" for g in gates)
        work.summary["gates"] = gates
        said = "; ".join(f"{g['name']}: {g['status']}" for g in gates)
        output = {"gates": gates, "tidied": tidied, "formatted": formatted}
        return said, output, "ok" if work.reviewed else "failed", tidied

    # -- delivery --------------------------------------------------------------------------------
    def _deliver(
        self,
        run_id: str,
        ctx: Context,
        tree: Workspace,
        work: Work,
        branch: str,
        verdict: str,
        stopped: str,
        started: float,
    ) -> dict[str, Any]:
        self.journal.phase_started(run_id, "deliver", {"role": "release"})
        folder = f"{OUT}/{run_id}"
        patch = tree.diff(work.base)
        run = self.journal.get_run(run_id)
        report = {
            "run_id": run_id,
            "kind": "solve",
            "request": ctx.request,
            "model": self.model.name,
            "verdict": verdict,
            "branch": branch,
            "base": work.base,
            "plan": work.plan.model_dump() if work.plan else None,
            "test_command": work.command.describe() if work.command else None,
            "baseline": work.baseline.to_dict() if work.baseline else None,
            "changed": tree.changed_files(work.base),
            "new_tests": sorted(work.test_files),
            "mutation": work.summary.get("mutation"),
            "verify": work.summary.get("verify"),
            "gates": work.summary.get("gates", []),
            "tokens": {
                "prompt": run.prompt_tokens,
                "completion": run.completion_tokens,
                "total": run.prompt_tokens + run.completion_tokens,
            },
            "seconds": round(time.perf_counter() - started, 2),
            "stopped": stopped or None,
            "notes": ctx.notes[-50:],
            "sandbox": self.sandbox.name,
        }
        ctx.write(f"{folder}/PR.md", pr_text(report))
        ctx.write(f"{folder}/change.patch", patch)
        ctx.write(f"{folder}/report.json", json.dumps(report, indent=1) + "\n")
        sha = tree.commit(
            "release",
            f"deliver: {verdict}: PR description and patch for {run_id}",
            paths=[folder],
            trailers={"Macrohard-Run": run_id, "Macrohard-Phase": "deliver"},
        )
        self.journal.phase_finished(
            run_id,
            "deliver",
            output={"folder": folder, "verdict": verdict},
            verdict="ok",
            commit_sha=sha,
            model=None,
            prompt_tokens=0,
            completion_tokens=0,
            seconds=0.0,
        )
        self.on_event("phase.finished", {"phase": "deliver", "verdict": verdict})
        return report


def pr_text(report: dict[str, Any]) -> str:
    """The pull-request description: what, why, how it was tested, what is unfinished."""
    plan = report.get("plan") or {}
    verify = report.get("verify") or {}
    lines = [
        f"# {plan.get('summary') or 'Change'} ({report['verdict']})",
        "",
        "## Why",
        "",
        *[f"> {line}" for line in report["request"].strip().splitlines()],
        "",
        "## What",
        "",
        f"Kind: {plan.get('kind', '?')}. Files changed: "
        + (", ".join(f"`{p}`" for p in report["changed"] if not p.startswith(OUT)) or "none"),
        "",
        "## Tests",
        "",
        f"- The repository's tests (`{report['test_command'] or 'none found'}`): baseline "
        f"{(report.get('baseline') or {}).get('summary', 'not run')}, after "
        f"{verify.get('after', 'not run')}; regressions: "
        f"{', '.join(verify.get('regressions', [])) or 'none'}.",
        f"- New tests: {', '.join(f'`{t}`' for t in report['new_tests']) or 'none'}"
        + (f"; dropped as unmet: {verify['dropped']}" if verify.get("dropped") else ""),
        *(
            [
                f"- Lines the change rewrote but the tests did not need, kept as they were: "
                f"{', '.join(f'`{r}`' for r in verify['restored'])}"
            ]
            if verify.get("restored")
            else []
        ),
        *[f"- Gate {g['name']}: {g['status']} ({g['summary']})" for g in report["gates"]],
        "",
        f"Model `{report['model']}`, {report['tokens']['total']:,} tokens, "
        f"{report['seconds']:.0f} s, run `{report['run_id']}`.",
    ]
    if report.get("stopped"):
        lines += ["", f"Stopped: {report['stopped']}"]
    if report.get("notes"):
        lines += ["", "## Notes", "", *[f"- {n}" for n in report["notes"]]]
    return "\n".join(lines) + "\n"


def _open_repo(path: Path) -> Workspace:
    if not path.is_dir():
        raise UserError(f"--repo {path} is not a directory")
    ws = Workspace(path)
    top = ws._git("rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ws.path:
        raise UserError(
            f"{path} is not the top of a git repository; `solve` works on one "
            "(git init, commit the code, then run it again)"
        )
    if ws.head() is None:
        raise UserError(f"{path} has no commits yet; commit the code first")
    return ws


def _test_folder(repo: RepoMap, target: str, command: TestCommand | None) -> str:
    """Where the new tests go: the folder of the test paths the command names; else the folder
    of the tests that already import the target module; else a test folder named like the
    target's package (tests/solve for src/pkg/solve/x.py); else the one with most test files.
    Another folder could carry a conftest.py that needs what this change does not."""
    if command is not None and command.kind == "pytest":
        for arg in command.args:
            if not arg.startswith("-"):
                path = PurePosixPath(arg.split("::")[0])
                return str(path.parent if path.suffix == ".py" else path)
    tests = [f for f in repo.files if f.is_test and PurePosixPath(f.path).name.startswith("test")]

    def folder(path: str) -> str:
        return str(PurePosixPath(path).parent)

    module = module_of(target)
    importing = [
        f.path for f in tests if module in (repo.root / f.path).read_text(errors="replace")
    ]
    if importing:
        return folder(importing[0])
    package = PurePosixPath(target).parent.name
    named = [f.path for f in tests if PurePosixPath(f.path).parent.name == package]
    if package and named:
        return folder(named[0])
    counts: dict[str, int] = {}
    for f in tests:
        counts[folder(f.path)] = counts.get(folder(f.path), 0) + 1
    return max(counts, key=lambda f: counts[f]) if counts else "tests"


def _asserts(message: str) -> bool:
    """Whether a failure is the code answering wrongly (an assertion), not the test itself
    breaking (a name or attribute that does not exist, a wrong call)."""
    head = message[:300]
    broken = ("AttributeError", "NameError", "ImportError", "ModuleNotFoundError", "TypeError")
    return "assert" in head.lower() and not any(b in head for b in broken)


def _free_name(root: Path, rel: str) -> str:
    rel = rel.removeprefix("./")
    stem, n = rel[: -len(".py")], 2
    while (root / rel).exists():
        rel = f"{stem}_{n}.py"
        n += 1
    return rel
