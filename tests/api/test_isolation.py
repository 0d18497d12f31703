"""Builds in processes of their own (`isolation="process"`, what `macrohard serve` uses): they run
outside the server's process at the build niceness, report through SQLite, can be cancelled, and
are interrupted by a shutdown and resumed by the next start like builds in threads."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from macrohard.api import create_app
from macrohard.api.state import Api
from tests.company.scripted_company import REQUEST, Factory

from .harness import FINISHED, Models, make_settings


def app_for(data: Path, models: Factory, **overrides: Any) -> FastAPI:
    return create_app(make_settings(data, models, isolation="process", **overrides))


def submit(client: TestClient, auth: dict[str, str]) -> str:
    res = client.post("/v1/builds", json={"request": REQUEST}, headers=auth)
    assert res.status_code == 202, res.text
    build_id: str = res.json()["id"]
    return build_id


def wait(
    client: TestClient, build_id: str, auth: dict[str, str], until: Any, timeout: float = 240
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        detail: dict[str, Any] = client.get(f"/v1/builds/{build_id}", headers=auth).json()
        if until(detail):
            return detail
        assert time.monotonic() < deadline, f"timed out; last state {detail}"
        time.sleep(0.05)


def test_a_build_runs_in_a_child_process_at_the_build_niceness(tmp_path: Path) -> None:
    probe = tmp_path / "probe.txt"
    app = app_for(tmp_path / "data", Factory(probe=probe), build_nice=5)
    api: Api = app.state.api
    auth = {"Authorization": f"Bearer {api.tenants.create('acme')[1]}"}
    with TestClient(app) as client:
        build_id = submit(client, auth)
        detail = wait(client, build_id, auth, lambda d: d["status"] in FINISHED)
        events = client.get(f"/v1/builds/{build_id}/events", headers=auth).text
        files = client.get(f"/v1/builds/{build_id}/files", headers=auth).json()
    assert detail["status"] == "succeeded" and detail["verdict"] == "shipped", detail
    assert detail["tokens"] > 0 and detail["run_id"]
    assert "event: phase.finished" in events and "event: end" in events
    assert "mathutil.py" in files["files"], files
    answers = [line.split() for line in probe.read_text().splitlines()]
    assert answers, "the model was never asked"
    pids = {int(pid) for pid, _ in answers}
    assert os.getpid() not in pids and len(pids) == 1  # one process of its own
    expected = max(5, os.getpriority(os.PRIO_PROCESS, 0))  # as the server's worker threads
    assert {int(nice) for _, nice in answers} == {expected}


def test_cancelling_stops_the_child_before_its_next_model_call(tmp_path: Path) -> None:
    app = app_for(tmp_path / "data", Factory(delay=0.5))
    api: Api = app.state.api
    auth = {"Authorization": f"Bearer {api.tenants.create('acme')[1]}"}
    with TestClient(app) as client:
        build_id = submit(client, auth)
        wait(client, build_id, auth, lambda d: d["status"] == "running" and d["run_id"])
        res = client.post(f"/v1/builds/{build_id}/cancel", headers=auth)
        assert res.status_code == 202 and res.json()["cancel_requested"], res.text
        detail = wait(client, build_id, auth, lambda d: d["status"] in FINISHED, timeout=60)
    assert detail["status"] == "cancelled", detail
    assert api.journal.get_run(detail["run_id"]).status == "stopped"


def test_shutdown_interrupts_the_child_and_the_next_start_resumes_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = app_for(data, Factory(delay=0.5))
    api: Api = app.state.api
    auth = {"Authorization": f"Bearer {api.tenants.create('acme')[1]}"}
    with TestClient(app) as client:
        build_id = submit(client, auth)
        wait(client, build_id, auth, lambda d: d["status"] == "running" and d["run_id"])
    record = api.builds.get(build_id)
    assert record is not None and record.status == "interrupted", record
    assert api.journal.get_run(str(record.run_id)).status == "stopped"

    with TestClient(app_for(data, Factory())) as client:
        detail = wait(client, build_id, auth, lambda d: d["status"] in FINISHED)
    assert detail["status"] == "succeeded" and detail["run_id"] == record.run_id, detail


def test_process_isolation_refuses_settings_that_cannot_reach_a_child(tmp_path: Path) -> None:
    app = app_for(tmp_path / "data", Factory())
    api: Api = app.state.api
    api.settings.model_factory = Models()  # holds a threading.Event: it does not pickle
    with pytest.raises(ValueError, match="module-level model_factory"):
        api.service.start()
