"""The project's git repository: one commit per phase, signed by its role; merged when gates pass.

Git runs as a subprocess with an explicit environment: no host config, identity, hooks, signing
or API keys get in. Every failure is a WorkspaceError carrying the command and git's message.
"""

from __future__ import annotations

import re
import shutil
import subprocess  # nosec B404 - running git is this module's job
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from macrohard import _crashpoint as crashpoint
from macrohard.errors import MacrohardError
from macrohard.workspace.roles import ROLES, Identity, identity
from macrohard.workspace.secrets import Finding, find_secrets

DEFAULT_GITIGNORE = (
    "__pycache__/\n*.pyc\n.venv/\n.pytest_cache/\n.macrohard/tmp/\n"
    # what the release step's wheel build leaves behind
    "build/\ndist/\n*.egg-info/\n"
)
GIT_TIMEOUT = 120.0
_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "HOME": "/nonexistent",
    "XDG_CONFIG_HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}
_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.autocrlf=false",
    "core.quotePath=false",
    "commit.gpgsign=false",
    "tag.gpgsign=false",
    "advice.detachedHead=false",
)
_STAGED_PATCH = [
    "diff",
    "--cached",
    "-U0",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
]
_TRAILER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_HUNK = re.compile(r"@@ -\S+ \+(\d+)")
MESSAGE = "(commit message)"
# git commands that change the repository: each is a step a crash test may kill the process before
_WRITES = frozenset({"init", "add", "commit", "checkout", "merge", "tag", "reset", "clean"})


class WorkspaceError(MacrohardError):
    """A git operation on the workspace failed; the message has the command and git's stderr."""


class SecretFound(WorkspaceError):
    """Staged changes (or the commit message) contain something that looks like a credential."""

    def __init__(self, findings: Sequence[tuple[str, Finding]]) -> None:
        self.findings = list(findings)
        where = "; ".join(f"{p}:{f.line_no} {f.kind} ({f.excerpt_redacted})" for p, f in findings)
        super().__init__(
            f"refusing to commit: {len(self.findings)} possible secret(s): {where}. "
            "Remove them (read credentials from the environment) and commit again."
        )


@dataclass(frozen=True, slots=True)
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    subject: str
    body: str


def _git_binary() -> str:
    found = shutil.which("git")
    if found is None:
        raise WorkspaceError("git is not installed (or not on PATH); install git 2.30 or newer")
    return found


def _ident_env(who: Identity) -> dict[str, str]:
    return {
        "GIT_AUTHOR_NAME": who.name,
        "GIT_AUTHOR_EMAIL": who.email,
        "GIT_COMMITTER_NAME": who.name,
        "GIT_COMMITTER_EMAIL": who.email,
    }


def staged_secrets(diff: str) -> list[tuple[str, Finding]]:
    """Secrets on the added lines of a `git diff -U0` text, with their file and new line number."""
    added: dict[str, list[tuple[int, str]]] = {}
    path, line_no, in_header = "", 0, False
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            in_header = True
        elif in_header and line.startswith("+++ "):
            path = line[4:].strip('"').removeprefix("b/")
        elif (hunk := _HUNK.match(line)) is not None:
            in_header, line_no = False, int(hunk[1])
        elif not in_header and line.startswith("+"):
            added.setdefault(path, []).append((line_no, line[1:]))
            line_no += 1
    found = []
    for file, lines in added.items():
        for f in find_secrets("\n".join(text for _, text in lines)):
            found.append((file, Finding(f.kind, lines[f.line_no - 1][0], f.excerpt_redacted)))
    return found


class Workspace:
    """A git work tree at `path`. Create or open one with `Workspace.init`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).resolve()

    @classmethod
    def init(cls, path: Path | str) -> Workspace:
        """Open the repository at `path`, or create it (branch main) in a new or empty directory."""
        ws = cls(path)
        if ws.path.exists() and not ws.path.is_dir():
            raise WorkspaceError(f"{ws.path} is a file; pick an empty or new directory")
        ws.path.mkdir(parents=True, exist_ok=True)
        top = ws._git("rev-parse", "--show-toplevel", check=False)
        if top.returncode == 0 and Path(top.stdout.strip()).resolve() == ws.path:
            return ws
        if any(ws.path.iterdir()):
            raise WorkspaceError(
                f"{ws.path} is not empty and not a git repository; pick an empty or new directory"
            )
        ws._git("init", "-q", "-b", "main")
        return ws

    def _git(
        self,
        *args: str,
        stdin: str | None = None,
        who: Identity = ROLES["macrohard"],
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        argv = [_git_binary()] + [a for c in _CONFIG for a in ("-c", c)] + list(args)
        command = "git " + " ".join(args)
        if args[0] in _WRITES:
            crashpoint.point(f"git {args[0]}")
        try:
            done = subprocess.run(
                argv,
                cwd=self.path,
                input=stdin,
                capture_output=True,
                encoding="utf-8",
                errors="replace",
                env=_ENV | _ident_env(who),
                timeout=GIT_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise WorkspaceError(f"`{command}` in {self.path} could not run: {exc}") from exc
        if check and done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip())[-2000:]
            raise WorkspaceError(
                f"`{command}` failed in {self.path} (exit {done.returncode}): {said}"
            )
        return done

    def commit(
        self,
        role: str,
        message: str,
        *,
        paths: Sequence[str] | None = None,
        trailers: Mapping[str, str] | None = None,
        allow_empty: bool = False,
    ) -> str:
        """Stage everything (or `paths`), commit as `role` and return HEAD's sha.

        With nothing staged (and not `allow_empty`) it commits nothing and returns the current
        HEAD, so a resumed run never duplicates a commit. The first commit adds the default
        .gitignore. If a secret is found, SecretFound is raised, nothing is committed and the
        index is reset to HEAD: the changes stay in the working tree, unstaged.
        """
        who = identity(role)
        text = _with_trailers(message, trailers or {})
        pathspec = list(paths) if paths is not None else []
        if self.head() is None:
            gitignore = self.path / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text(DEFAULT_GITIGNORE, encoding="utf-8")
            if paths is not None:
                pathspec.append(".gitignore")
        self._git("add", "-A", "--", *pathspec)
        staged = self._git("diff", "--cached", "--quiet", check=False).returncode != 0
        if not staged and not allow_empty:
            if (sha := self.head()) is None:
                raise WorkspaceError(f"nothing to commit in {self.path}: it has no files yet")
            return sha
        diff = self._git(*_STAGED_PATCH).stdout
        found = staged_secrets(diff) + [(MESSAGE, f) for f in find_secrets(text)]
        if found:
            self._git("reset", "-q")
            raise SecretFound(found)
        flags = ["--allow-empty"] if allow_empty else []
        self._git("commit", "-q", "--no-verify", *flags, "-F", "-", stdin=text, who=who)
        return self._sha("HEAD")

    def branch(self, name: str, start: str = "main") -> None:
        """Create branch `name` at `start` and check it out; an existing branch is just checked
        out, keeping its commits (so a resumed run continues where it stopped)."""
        if self.head(f"refs/heads/{name}") is not None:
            self.checkout(name)
        else:
            self._git("checkout", "-q", "-b", name, start, "--")

    def checkout(self, name: str) -> None:
        self._git("checkout", "-q", name, "--")

    def current_branch(self) -> str | None:
        """The checked-out branch; None on a detached HEAD."""
        done = self._git("symbolic-ref", "--short", "-q", "HEAD", check=False)
        return done.stdout.strip() or None

    def head(self, ref: str = "HEAD") -> str | None:
        """The commit sha `ref` names; None if it names none (e.g. HEAD in an empty repository)."""
        done = self._git("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False)
        return done.stdout.strip() or None

    def _sha(self, ref: str) -> str:
        return self._git("rev-parse", "--verify", f"{ref}^{{commit}}").stdout.strip()

    def merge(self, branch: str, role: str, message: str) -> str:
        """Merge `branch` into the current branch with a merge commit (--no-ff) by `role`.

        Already merged: nothing happens. On a conflict the merge is aborted before raising.
        Returns HEAD's sha.
        """
        who = identity(role)
        done = self._git(
            "merge",
            "-q",
            "--no-ff",
            "--no-verify",
            "--no-edit",
            "-m",
            message,
            branch,
            who=who,
            check=False,
        )
        if done.returncode != 0:
            self._git("merge", "--abort", check=False)
            said = (done.stderr.strip() or done.stdout.strip())[-2000:]
            raise WorkspaceError(f"`git merge --no-ff {branch}` failed in {self.path}: {said}")
        return self._sha("HEAD")

    def tag(self, name: str, role: str, message: str) -> str:
        """Annotate HEAD with tag `name` by `role`; returns the commit sha it points at.

        A tag already on HEAD is left as it is; one on another commit is an error.
        """
        who, head = identity(role), self._sha("HEAD")
        existing = self.head(f"refs/tags/{name}")
        if existing is None:
            self._git("tag", "-a", name, "-m", message, who=who)
        elif existing != head:
            raise WorkspaceError(f"tag {name!r} already exists on {existing[:12]}, not on HEAD")
        return head

    def tags(self) -> list[str]:
        return self._git("tag", "--list").stdout.split()

    def diff(self, base: str, head: str = "HEAD") -> str:
        """The patch from the tree of `base` to the tree of `head`."""
        return self._git("diff", "--no-color", "--no-ext-diff", base, head, "--").stdout

    def changed_files(self, base: str, head: str = "HEAD") -> list[str]:
        out = self._git("diff", "--name-only", "-z", "--no-renames", base, head, "--").stdout
        return [p for p in out.split("\0") if p]

    def log(self, ref: str = "HEAD", n: int = 50) -> list[CommitInfo]:
        """The last `n` commits reachable from `ref`, newest first; [] in an empty repository."""
        if ref == "HEAD" and self.head() is None:
            return []
        fmt = "%H%x00%an%x00%ae%x00%s%x00%b%x1e"
        out = self._git("log", "--topo-order", f"-n{n}", f"--format={fmt}", ref, "--").stdout
        records = [r.strip("\n") for r in out.split("\x1e") if r.strip("\n")]
        return [CommitInfo(*r.split("\0", 4)) for r in records]

    def is_clean(self) -> bool:
        """No staged, unstaged or untracked (not ignored) changes."""
        return not self._git("status", "--porcelain=v1", "-z", "--untracked-files=all").stdout

    def discard_uncommitted(self) -> None:
        """Drop every uncommitted change and untracked file (ignored files stay)."""
        self._git("reset", "-q", "--hard")
        self._git("clean", "-f", "-d", "-q")

    def worktree_add(self, path: Path, branch: str, start: str) -> Workspace:
        """A new branch `branch` at `start`, checked out in its own work tree at `path`: work
        on it leaves this checkout (its files, index and HEAD) untouched."""
        self._git("worktree", "add", "-q", "-b", branch, str(path), start)
        return Workspace(path)

    def worktree_remove(self, path: Path) -> None:
        self._git("worktree", "remove", "--force", str(path), check=False)
        self._git("worktree", "prune", check=False)

    def stash(self, message: str) -> bool:
        """Stash every uncommitted change, untracked files too; False when there was none."""
        if self.is_clean():
            return False
        self._git("stash", "push", "-q", "--include-untracked", "-m", message)
        return True

    def unstash(self) -> None:
        """Put back the newest stash; on a conflict the stash is kept and the error says so."""
        done = self._git("stash", "pop", "-q", check=False)
        if done.returncode != 0:
            raise WorkspaceError(
                f"could not restore your stashed changes in {self.path} (they are kept in "
                f"`git stash list`): {(done.stderr or done.stdout).strip()[-500:]}"
            )

    def exclude(self, pattern: str) -> None:
        """Ignore `pattern` in this repository only (.git/info/exclude, never committed)."""
        common = self._git("rev-parse", "--git-common-dir").stdout.strip()
        path = (self.path / common).resolve() / "info" / "exclude"
        text = path.read_text() if path.is_file() else ""
        if pattern not in text.splitlines():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                text + ("" if not text or text.endswith("\n") else "\n") + pattern + "\n"
            )

    def fsck(self) -> bool:
        return self._git("fsck", "--strict", "--no-progress", check=False).returncode == 0

    def files(self, ref: str = "HEAD") -> list[str]:
        """Paths of the files in `ref`'s tree; [] in an empty repository."""
        if ref == "HEAD" and self.head() is None:
            return []
        out = self._git("ls-tree", "-r", "-z", "--name-only", "--full-tree", ref).stdout
        return [p for p in out.split("\0") if p]

    def read(self, path: str, ref: str = "HEAD") -> str:
        return self._git("cat-file", "blob", f"{ref}:{path}").stdout


def _with_trailers(message: str, trailers: Mapping[str, str]) -> str:
    """`message`, then a blank line and one `Key: value` line per trailer."""
    for key, value in trailers.items():
        if not _TRAILER_KEY.fullmatch(key) or "\n" in value:
            raise WorkspaceError(
                f"bad trailer {key!r}: keys are letters, digits and '-', values one line"
            )
    lines = [f"{key}: {value}" for key, value in trailers.items()]
    return message.strip() + ("\n\n" + "\n".join(lines) if lines else "") + "\n"
