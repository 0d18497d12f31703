"""The platform API: FastAPI routes over the company, tenants with tokens and quotas, live events.

    settings.py   Settings: data dir, allowed models, limits, and the swappable parts
    store.py      DIR/api.db (tenants, builds); the runs themselves live in DIR/journal.db
    tenants.py    tenants, hashed tokens, authentication
    builds.py     build records, tenant-scoped lookups, the concurrency quota
    service.py    BuildService: background workers, cancel, resume after a restart
    events.py     a build's journal events as server-sent events
    repo_view.py  files and diff of a build's repository, read from git objects
    auth.py, guard.py, schemas.py, views.py, routes.py, app.py   the HTTP layer

`create_app` needs the `api` extra (FastAPI, uvicorn): pip install 'macrohard[api]'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from macrohard.api.settings import Settings

if TYPE_CHECKING:
    from macrohard.api.app import create_app

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from macrohard.api.app import create_app

        return create_app
    raise AttributeError(name)
