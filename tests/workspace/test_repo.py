from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from macrohard.workspace import DEFAULT_GITIGNORE, SecretFound, Workspace, WorkspaceError

OPENAI = "sk-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv"


def git(ws: Workspace, *args: str) -> str:
    env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": "/nonexistent"}
    done = subprocess.run(
        ["git", *args], cwd=ws.path, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def authors(ws: Workspace, ref: str = "HEAD") -> list[str]:
    return git(ws, "log", "--format=%an <%ae>|%cn <%ce>", ref).splitlines()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "project")


def write(ws: Workspace, path: str, text: str) -> None:
    target = ws.path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_init_new_directory(ws: Workspace) -> None:
    assert (ws.path / ".git").is_dir()
    assert ws.current_branch() == "main"
    assert ws.head() is None
    assert ws.log() == [] and ws.files() == []
    assert ws.fsck()


def test_init_refuses_non_empty_non_repo(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="empty or new directory"):
        Workspace.init(tmp_path)
    assert not (tmp_path / ".git").exists()


def test_init_reopens_existing_repo(ws: Workspace) -> None:
    write(ws, "README.md", "# demo\n")
    sha = ws.commit("pm", "Add README")
    again = Workspace.init(ws.path)
    assert again.head() == sha


def test_commits_are_authored_by_roles(ws: Workspace) -> None:
    write(ws, "docs/spec.md", "spec\n")
    ws.commit("pm", "Write the spec")
    write(ws, "src/app.py", "print('hi')\n")
    sha = ws.commit("engineer", "Implement app")
    assert sha == ws.head() and len(sha) == 40
    assert authors(ws) == [
        "Macrohard Engineer <engineer@macrohard.invalid>|"
        "Macrohard Engineer <engineer@macrohard.invalid>",
        "Macrohard Product Manager <pm@macrohard.invalid>|"
        "Macrohard Product Manager <pm@macrohard.invalid>",
    ]
    assert ws.read(".gitignore") == DEFAULT_GITIGNORE
    assert ws.files() == [".gitignore", "docs/spec.md", "src/app.py"]


def test_trailers_follow_a_blank_line(ws: Workspace) -> None:
    write(ws, "a.py", "x = 1\n")
    ws.commit("qa", "Add tests", trailers={"Gate-Tests": "passed (3/3)", "Phase": "qa"})
    message = git(ws, "log", "-1", "--format=%B")
    assert message == "Add tests\n\nGate-Tests: passed (3/3)\nPhase: qa\n\n"
    trailers = git(ws, "log", "-1", "--format=%(trailers:only,unfold)")
    assert "Gate-Tests: passed (3/3)" in trailers
    assert ws.log()[0].body == "Gate-Tests: passed (3/3)\nPhase: qa"
    with pytest.raises(WorkspaceError, match="bad trailer"):
        ws.commit("qa", "x", trailers={"Bad Key": "v"})


def test_commit_without_changes_is_idempotent(ws: Workspace) -> None:
    write(ws, "a.py", "x = 1\n")
    first = ws.commit("engineer", "Add a")
    assert ws.commit("engineer", "Add a") == first
    assert len(ws.log()) == 1
    empty = ws.commit("release", "Mark", allow_empty=True)
    assert empty != first and len(ws.log()) == 2


def test_commit_only_given_paths(ws: Workspace) -> None:
    write(ws, "a.py", "a\n")
    write(ws, "b.py", "b\n")
    ws.commit("engineer", "Add a", paths=["a.py"])
    assert ws.files() == [".gitignore", "a.py"]
    assert not ws.is_clean()


def test_branch_merge_tag_and_log(ws: Workspace) -> None:
    write(ws, "README.md", "v0\n")
    base = ws.commit("pm", "Start")
    ws.branch("build/feature")
    assert ws.current_branch() == "build/feature"
    write(ws, "src/feature.py", "def f() -> int:\n    return 1\n")
    ws.commit("engineer", "Implement feature")
    ws.checkout("main")
    assert ws.head() == base
    merged = ws.merge("build/feature", "reviewer", "Merge build/feature")
    assert ws.merge("build/feature", "reviewer", "again") == merged
    assert git(ws, "rev-list", "--parents", "-n1", "HEAD").split()[1:] == [
        base,
        ws.head("build/feature"),
    ]
    log = ws.log()
    assert [c.subject for c in log] == ["Merge build/feature", "Implement feature", "Start"]
    assert log[0].author_name == "Macrohard Reviewer"
    assert log[1].author_email == "engineer@macrohard.invalid"
    assert ws.tag("v0.1.0", "release", "First release") == merged
    assert ws.tag("v0.1.0", "release", "First release") == merged
    assert ws.tags() == ["v0.1.0"]
    assert git(ws, "for-each-ref", "--format=%(objecttype) %(taggername)", "refs/tags") == (
        "tag Macrohard Release Manager\n"
    )
    ws.branch("build/feature")  # exists: checked out, commits kept
    assert ws.head() == ws.head("build/feature") != base
    ws.checkout("main")
    ws.commit("pm", "More", allow_empty=True)
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.tag("v0.1.0", "release", "Moved")


def test_merge_conflict_is_aborted(ws: Workspace) -> None:
    write(ws, "a.txt", "base\n")
    ws.commit("pm", "Base")
    ws.branch("side")
    write(ws, "a.txt", "side\n")
    ws.commit("engineer", "Side")
    ws.checkout("main")
    write(ws, "a.txt", "main\n")
    ws.commit("engineer", "Main")
    with pytest.raises(WorkspaceError, match="CONFLICT"):
        ws.merge("side", "reviewer", "Merge side")
    assert ws.is_clean() and not (ws.path / ".git" / "MERGE_HEAD").exists()


def test_diff_and_changed_files(ws: Workspace) -> None:
    write(ws, "a.py", "x = 1\n")
    write(ws, "b.py", "y = 1\n")
    base = ws.commit("engineer", "One")
    write(ws, "a.py", "x = 2\n")
    (ws.path / "b.py").unlink()
    write(ws, "c d.py", "z = 3\n")
    ws.commit("engineer", "Two")
    assert ws.changed_files(base) == ["a.py", "b.py", "c d.py"]
    patch = ws.diff(base)
    assert "-x = 1\n+x = 2\n" in patch and "+z = 3" in patch
    assert ws.read("a.py", base) == "x = 1\n"


def test_discard_uncommitted_drops_junk(ws: Workspace) -> None:
    write(ws, "a.py", "x = 1\n")
    ws.commit("engineer", "One")
    write(ws, "a.py", "half-written")
    write(ws, "junk/partial.py", "oops")
    write(ws, "__pycache__/a.cpython-311.pyc", "ignored")
    assert not ws.is_clean()
    ws.discard_uncommitted()
    assert ws.is_clean()
    assert (ws.path / "a.py").read_text() == "x = 1\n"
    assert not (ws.path / "junk").exists()
    assert (ws.path / "__pycache__").exists()


def test_secret_refused_and_nothing_committed(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(ws, "a.py", "x = 1\n")
    base = ws.commit("engineer", "One")
    monkeypatch.setenv("FOO_API_KEY", "canary-value-1234567")
    write(ws, "a.py", f"x = 1\nclient = Client('{OPENAI}')\n")
    write(ws, "conf/settings.py", "\n\n\nKEY = 'canary-value-1234567'\n")
    with pytest.raises(SecretFound) as caught:
        ws.commit("engineer", "Leak")
    where = {(path, f.kind, f.line_no) for path, f in caught.value.findings}
    assert where == {("a.py", "openai-key", 2), ("conf/settings.py", "env:FOO_API_KEY", 4)}
    assert OPENAI not in str(caught.value) and "canary-value" not in str(caught.value)
    assert ws.head() == base and len(ws.log()) == 1
    assert git(ws, "diff", "--cached", "--name-only") == ""
    assert (ws.path / "a.py").read_text().endswith(f"'{OPENAI}')\n")
    write(ws, "a.py", "x = 2\n")
    (ws.path / "conf/settings.py").unlink()
    with pytest.raises(SecretFound, match="commit message"):
        ws.commit("engineer", "Fix", trailers={"Note": "canary-value-1234567"})
    ws.commit("engineer", "Fix")
    assert ws.fsck()


def test_git_failure_is_a_workspace_error(ws: Workspace) -> None:
    write(ws, "a.py", "x = 1\n")
    ws.commit("engineer", "One")
    with pytest.raises(WorkspaceError, match="no-such-branch") as caught:
        ws.checkout("no-such-branch")
    assert "git checkout" in str(caught.value)
    assert not isinstance(caught.value.__cause__, subprocess.CalledProcessError)


def test_host_git_config_is_ignored(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    bogus = "[user]\n\tname = Bogus User\n\temail = bogus@example.com\n"
    bogus += "[core]\n\thooksPath = " + str(home / "hooks") + "\n"
    (home / ".gitconfig").write_text(bogus)
    (home / "hooks").mkdir()
    hook = home / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Bogus Env")
    write(ws, "a.py", "x = 1\n")
    ws.commit("architect", "Design")
    assert authors(ws) == [
        "Macrohard Architect <architect@macrohard.invalid>|"
        "Macrohard Architect <architect@macrohard.invalid>"
    ]
