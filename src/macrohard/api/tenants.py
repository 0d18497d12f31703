"""Tenants: who may call the API, with what quotas. Tokens are shown once and stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from macrohard.api.store import Store
from macrohard.errors import UserError
from macrohard.journal.codec import utc_now

TOKEN_PREFIX = "mh_"  # noqa: S105 (a prefix, not a secret)
#: how long a recognised token's tenant is kept in memory before SQLite is asked again
AUTH_CACHE_SECONDS = 30.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    max_concurrent: int
    tokens_per_day: int | None
    created_at: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _tenant(row: sqlite3.Row) -> Tenant:
    return Tenant(
        row["id"], row["name"], row["max_concurrent"], row["tokens_per_day"], row["created_at"]
    )


class Tenants:
    """Creates tenants and finds the one a bearer token belongs to."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._known: dict[str, tuple[Tenant, float]] = {}  # token hash -> (tenant, until)

    def create(
        self, name: str, *, max_concurrent: int = 2, tokens_per_day: int | None = None
    ) -> tuple[Tenant, str]:
        """A new tenant and its API token (the only time the token exists in clear)."""
        if not _NAME.fullmatch(name):
            raise UserError(
                f"tenant name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        if max_concurrent < 1:
            raise UserError("--max-concurrent must be at least 1")
        if tokens_per_day is not None and tokens_per_day < 1:
            raise UserError("--tokens-per-day must be at least 1 (leave it out for no limit)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.write() as conn:
            if conn.execute("SELECT 1 FROM tenants WHERE name = ?", (name,)).fetchone():
                raise UserError(f"a tenant named {name!r} already exists")
            tenant_id = f"t-{secrets.token_hex(6)}"
            conn.execute(
                "INSERT INTO tenants (id, name, token_hash, max_concurrent, tokens_per_day,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (tenant_id, name, hash_token(token), max_concurrent, tokens_per_day, utc_now()),
            )
        return self.get(tenant_id), token

    def get(self, tenant_id: str) -> Tenant:
        rows = self.store.read("SELECT * FROM tenants WHERE id = ?", (tenant_id,))
        if not rows:
            raise UserError(f"no tenant {tenant_id}")
        return _tenant(rows[0])

    def all(self) -> list[Tenant]:
        return [_tenant(r) for r in self.store.read("SELECT * FROM tenants ORDER BY created_at")]

    def authenticate(self, token: str) -> Tenant | None:
        """The tenant whose token this is, or None. Only hashes are compared, in constant time."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        known = self._known.get(digest)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        rows = self.store.read("SELECT * FROM tenants WHERE token_hash = ?", (digest,))
        if rows and hmac.compare_digest(rows[0]["token_hash"], digest):
            tenant = _tenant(rows[0])
            self._known[digest] = (tenant, time.monotonic() + AUTH_CACHE_SECONDS)
            return tenant
        return None
