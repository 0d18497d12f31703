"""Schemathesis against the app's own OpenAPI schema: generated requests, valid token, no 5xx.

Bounded: 30 examples per operation, in-process over ASGI (schemathesis runs the app's lifespan).
Accepted builds fail at once (the model factory refuses every spec), so no company work runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from macrohard.api import create_app
from macrohard.errors import ModelUnavailable
from macrohard.models import Model

from .harness import Models, make_settings


class Unavailable(Models):
    def __call__(self, spec: str) -> Model:
        raise ModelUnavailable(f"{spec}: no model in the fuzzing server")


DATA = Path(tempfile.mkdtemp(prefix="mh-schemathesis-"))
APP = create_app(make_settings(DATA, Unavailable()))
_api: Any = APP.state.api
TOKEN = _api.tenants.create("fuzz", max_concurrent=1_000)[1]
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error]
    )


def test_the_fuzzer_got_past_auth() -> None:
    """Runs after the generated cases: builds were accepted, so the token was sent."""
    builds = _api.builds.of_tenant(_api.tenants.all()[0].id)
    assert builds
    assert all(b.status in ("queued", "failed") for b in builds)
