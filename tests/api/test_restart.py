"""A server that stops mid-build resumes that build when it starts again, on the same run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from macrohard.api import create_app
from macrohard.api.state import Api
from macrohard.journal import PhaseRecord
from tests.company.scripted_company import REQUEST

from .harness import HELD, Models, make_settings


def test_shutdown_interrupts_and_the_next_start_resumes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    held = Models()
    app = create_app(make_settings(data, held))
    api: Api = app.state.api
    token = api.tenants.create("acme")[1]
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        res = client.post("/v1/builds", json={"request": REQUEST, "model": HELD}, headers=auth)
        build_id = res.json()["id"]
        while not any(p.status == "running" for p in _phases(api, build_id)):
            time.sleep(0.05)
        # the model answers only after the shutdown has asked the build to stop
        threading.Timer(1.0, held.release.set).start()
    record = api.builds.get(build_id)
    assert record is not None and record.status == "interrupted", record
    run_id = record.run_id
    assert api.journal.get_run(run_id).status == "stopped"

    free = Models()
    free.release.set()
    again = create_app(make_settings(data, free))
    with TestClient(again) as client:
        for _ in range(2400):
            detail = client.get(f"/v1/builds/{build_id}", headers=auth).json()
            if detail["status"] in ("succeeded", "failed", "stopped", "cancelled"):
                break
            time.sleep(0.05)
    assert detail["status"] == "succeeded" and detail["verdict"] == "shipped", detail
    assert detail["run_id"] == run_id  # resumed, not started over
    phases = again.state.api.journal.phases(run_id)
    assert phases[0].attempts == 1  # the finished spec phase was not redone


def _phases(api: Api, build_id: str) -> list[PhaseRecord]:
    record = api.builds.get(build_id)
    if record is None or record.run_id is None:
        return []
    return api.journal.phases(record.run_id)
