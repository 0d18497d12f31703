"""API test harness: a real app on a temp data dir, the scripted company as its allowed models.

Models the tests may name (every other spec is refused by the allowlist):
    scripted-company   plays every role of a tiny build at once
    held-company       the same, but each answer waits until the harness releases it
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from macrohard.api import Settings, create_app
from macrohard.api.state import Api
from macrohard.models import FunctionModel, Model, Request
from macrohard.sandbox import LocalSandbox
from tests.company.scripted_company import REQUEST, Factory
from tests.company.scripted_company import Company as Script

SCRIPTED = "scripted-company"
HELD = "held-company"
FINISHED = ("succeeded", "failed", "stopped", "cancelled")


@dataclass
class Models:
    """The model factory of a test server; `release` lets held answers through."""

    release: threading.Event = field(default_factory=threading.Event)
    delay: float = 0.0
    calls: int = 0

    def __call__(self, spec: str) -> Model:
        script = Script()
        if spec == SCRIPTED and not self.delay:
            return script.model()

        def answer(request: Request) -> str:
            self.calls += 1
            if spec == HELD:
                self.release.wait(60)
            time.sleep(self.delay)
            return script.answer(request)

        return FunctionModel(answer, name=spec)


@dataclass
class Server:
    app: FastAPI
    client: TestClient
    models: Models
    tokens: dict[str, str]

    @property
    def api(self) -> Api:
        api: Api = self.app.state.api
        return api

    def auth(self, tenant: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[tenant]}"}

    def submit(self, tenant: str = "acme", **body: Any) -> str:
        res = self.client.post(
            "/v1/builds", json={"request": REQUEST, **body}, headers=self.auth(tenant)
        )
        assert res.status_code == 202, res.text
        build_id: str = res.json()["id"]
        return build_id

    def get(self, build_id: str, tenant: str = "acme") -> dict[str, Any]:
        res = self.client.get(f"/v1/builds/{build_id}", headers=self.auth(tenant))
        assert res.status_code == 200, res.text
        data: dict[str, Any] = res.json()
        return data

    def wait(
        self, build_id: str, until: Callable[[dict[str, Any]], bool], timeout: float = 240
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            data = self.get(build_id)
            if until(data):
                return data
            assert time.monotonic() < deadline, f"timed out; last state {data}"
            time.sleep(0.05)

    def wait_finished(self, build_id: str, timeout: float = 240) -> dict[str, Any]:
        return self.wait(build_id, lambda d: d["status"] in FINISHED, timeout)


def make_settings(data: Path, models: Models | Factory, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data,
        "default_model": SCRIPTED,
        "allowed_models": (SCRIPTED, HELD),
        "model_factory": models,
        "sandbox": LocalSandbox(),
        "max_concurrent": 2,
        "poll_seconds": 0.05,
    }
    return Settings(**(values | overrides))


def open_server(
    data: Path,
    tenants: dict[str, dict[str, Any]] | None = None,
    models: Models | None = None,
    **overrides: Any,
) -> Iterator[Server]:
    models = models or Models()
    app = create_app(make_settings(data, models, **overrides))
    api: Api = app.state.api
    tokens = {}
    for name, quota in (tenants or {"acme": {}, "globex": {}}).items():
        tokens[name] = api.tenants.create(name, **quota)[1]
    with TestClient(app) as client:
        try:
            yield Server(app, client, models, tokens)
        finally:
            models.release.set()  # let held builds go, so shutdown is quick


@dataclass
class Shipped:
    """A server with one build of acme's that has already finished (shared by read-only tests)."""

    server: Server
    build_id: str
    detail: dict[str, Any]
