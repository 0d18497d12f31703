"""The project's git repository, the record of a build: roles commit, gates decide what merges."""

from macrohard.workspace.repo import (
    DEFAULT_GITIGNORE,
    CommitInfo,
    SecretFound,
    Workspace,
    WorkspaceError,
)
from macrohard.workspace.roles import ROLES, Identity, identity
from macrohard.workspace.secrets import Finding, find_secrets

__all__ = [
    "DEFAULT_GITIGNORE",
    "ROLES",
    "CommitInfo",
    "Finding",
    "Identity",
    "SecretFound",
    "Workspace",
    "WorkspaceError",
    "find_secrets",
    "identity",
]
