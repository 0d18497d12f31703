"""The shared model service: a real child process on loopback, serving a scripted model."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from macrohard.errors import ModelError, ModelUnavailable
from macrohard.models.base import user
from macrohard.models.registry import get_model
from macrohard.models.service import (
    SPEC_ENV,
    TOKEN_ENV,
    URL_ENV,
    ModelService,
    ServiceModel,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelService]:
    answers = tmp_path_factory.mktemp("script") / "answers.json"
    answers.write_text(json.dumps([f"answer {n}" for n in range(50)]))
    with ModelService(f"scripted:{answers}") as running:
        yield running


def test_a_build_process_gets_the_models_answers_over_loopback(service: ModelService) -> None:
    assert service.url.startswith("http://127.0.0.1:")
    model = service.model()
    assert model.name == "scripted:answers.json"
    first = model.complete([user("hello")], max_tokens=10)
    second = model.complete([user("again")], max_tokens=10)
    assert first.text.startswith("answer ") and second.text != first.text
    assert first.usage.calls == 1 and first.usage.seconds > 0
    assert model.count_tokens("twelve chars") >= 1


def test_concurrent_callers_queue_for_the_slot_and_all_get_an_answer(
    service: ModelService,
) -> None:
    model = service.model()
    texts: list[str] = []
    threads = [
        threading.Thread(target=lambda: texts.append(model.complete([user("q")]).text))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(texts) == 6 and len(set(texts)) == 6  # each answer handed out exactly once


def test_a_wrong_token_is_refused(service: ModelService) -> None:
    with pytest.raises(ModelError, match="401"):
        ServiceModel(service.url, "not-the-token")


def test_a_malformed_request_is_a_400_with_the_reason(service: ModelService) -> None:
    req = urllib.request.Request(
        service.url + "/complete",
        data=json.dumps({"messages": "hi"}).encode(),
        headers={"Authorization": f"Bearer {service.token}"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, timeout=10)  # nosec B310
    assert caught.value.code == 400
    assert "messages" in json.loads(caught.value.read())["error"]


def test_a_process_told_of_the_service_uses_it_instead_of_loading_weights(
    service: ModelService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the variables ModelService.env hands to builds, claiming the embedded model
    monkeypatch.setenv(URL_ENV, service.url)
    monkeypatch.setenv(TOKEN_ENV, service.token)
    monkeypatch.setenv(SPEC_ENV, "embedded:qwen2.5-coder-0.5b")
    model = get_model("embedded:qwen2.5-coder-0.5b")
    assert isinstance(model, ServiceModel) and model.url == service.url
    # another model is not served there: it is loaded as usual
    assert not isinstance(get_model("embedded:qwen2.5-coder-1.5b"), ServiceModel)


def test_a_service_that_cannot_load_its_model_says_why(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"did not start.*nosuchbackend"):
        ModelService("nosuchbackend:x").start(timeout=60)


def test_the_token_never_reaches_the_services_arguments(service: ModelService) -> None:
    assert service.process is not None
    assert service.token not in " ".join(service.process.args)  # type: ignore[arg-type]


def test_the_throughput_benchmark_measures_every_mode(tmp_path: Path) -> None:
    from macrohard.bench import model_service

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(["```python\nx = 1\n```"] * 20))
    result = model_service.run(
        f"scripted:{answers}",
        (1, 2),
        calls=2,
        modes=("shared-1", "per-build"),
        report=tmp_path / "report.json",
    )
    rows = result["rows"]
    assert [(r["mode"], r["builds"]) for r in rows] == [
        ("shared, 1 slot", 1),
        ("shared, 1 slot", 2),
        ("per build", 1),
        ("per build", 2),
    ]
    assert all(r["tokens"] > 0 and r["seconds"] > 0 and r["rss_mb"] > 0 for r in rows)
    assert json.loads((tmp_path / "report.json").read_text())["rows"] == rows
    assert "per build" in model_service.table(result)
