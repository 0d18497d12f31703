"""A shared model service: one process holds the weights, every build on the machine calls it.

N builds in N processes (the local process pool, Ray workers, several CLIs) would otherwise load N
copies of the weights and fight over the cores. The service is a small HTTP server on loopback
(standard library only: the embedded extra has no web framework) guarded by a random bearer token;
requests wait in one queue for a free *slot* (a loaded model instance with cores/slots threads).
Measured on 2 cores: one build alone runs fastest on one slot with both threads, two or more at
once on two slots of one thread each (+25%; docs/benchmarks.md, "Shared model service").

    python -m macrohard.models.service --model embedded:qwen2.5-coder-0.5b --slots 1

prints `listening on http://127.0.0.1:PORT` once ready. `ModelService` starts and stops it for
you and says how child processes reach it (`MACROHARD_MODEL_SERVICE`, `..._TOKEN`, `..._SPEC`);
`get_model` then hands out a `ServiceModel` for that spec instead of loading the weights.
"""

from __future__ import annotations

import argparse
import http.server
import importlib
import io
import json
import os
import queue
import secrets
import subprocess  # nosec B404 - starts our own module with our own interpreter
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from macrohard.errors import ModelError, ModelUnavailable, UserError
from macrohard.models.base import BaseModel, Completion, Model, Request, Usage

URL_ENV = "MACROHARD_MODEL_SERVICE"
TOKEN_ENV = "MACROHARD_MODEL_SERVICE_TOKEN"  # noqa: S105  # nosec B105 - a variable name
SPEC_ENV = "MACROHARD_MODEL_SERVICE_SPEC"
MAX_BODY = 4 * 1024 * 1024  # a prompt is a request, a contract and a few files: far below this
START_TIMEOUT = 300.0  # seconds: a cold 1.5B load from disk is well under a minute here


# -- the server --------------------------------------------------------------------------------
class Slots:
    """Model instances handed out one request at a time; callers queue for a free one."""

    def __init__(self, models: Sequence[Model]) -> None:
        if not models:
            raise UserError("a model service needs at least one slot")
        self.count = len(models)
        self._free: queue.Queue[Model] = queue.Queue()
        for model in models:
            self._free.put(model)
        self.model = models[0]

    def complete(self, request: Request) -> Completion:
        model = self._free.get()
        try:
            return model.complete(
                request.messages,
                schema=request.schema,
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                seed=request.seed,
                stop=request.stop,
            )
        finally:
            self._free.put(model)

    def count_tokens(self, text: str) -> int:
        counter = getattr(self.model, "count_tokens", None)
        return int(counter(text)) if counter else max(1, len(text) // 4)


def load_slots(spec: str, slots: int) -> Slots:
    """`slots` instances of the model; embedded ones split the cores between them. A spec
    `factory:module:function` serves what that module-level function returns (a model outside
    the registry, such as a scripted company)."""
    from macrohard.models.registry import get_model

    if slots < 1:
        raise UserError(f"--slots must be at least 1, not {slots}")
    if spec.startswith("factory:"):
        module, _, function = spec.removeprefix("factory:").partition(":")
        try:
            factory = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError) as exc:
            raise UserError(f"cannot find the model factory {module}:{function}: {exc}") from exc
        return Slots([factory() for _ in range(slots)])
    if spec.split(":", 1)[0] != "embedded":
        return Slots([get_model(spec) for _ in range(slots)])
    from macrohard.models.embedded import EmbeddedModel, default_threads

    name = spec.partition(":")[2] or "qwen2.5-coder-1.5b"
    threads = max(1, default_threads() // slots)
    models: list[Model] = [EmbeddedModel(name, threads=threads, slot=n) for n in range(slots)]
    for model in models:
        model.load()  # type: ignore[attr-defined]  # fail now, not on the first request
    return Slots(models)


def request_from(body: Mapping[str, Any]) -> Request:
    """The JSON body of POST /complete as a Request; a clear ValueError for anything else."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not all(
        isinstance(m, dict)
        and m.get("role") in ("system", "user", "assistant")
        and isinstance(m.get("content"), str)
        for m in messages
    ):
        raise ValueError("'messages' must be a list of {role, content} objects")
    stop = body.get("stop") or []
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise ValueError("'stop' must be a list of strings")
    seed = body.get("seed")
    return Request(
        messages=tuple({"role": m["role"], "content": m["content"]} for m in messages),
        schema=body.get("schema"),
        temperature=float(body.get("temperature", 0.0)),
        max_tokens=int(body.get("max_tokens", 1024)),
        seed=None if seed is None else int(seed),
        stop=tuple(stop),
    )


def make_server(slots: Slots, token: str, port: int = 0) -> http.server.ThreadingHTTPServer:
    """The service on 127.0.0.1 (never another interface): /health, /complete, /tokens."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # prompts are the clients' business: nothing of them in a log

        def _reply(self, status: int, payload: Mapping[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            given = self.headers.get("Authorization", "")
            if secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return True
            self._reply(401, {"error": "missing or wrong bearer token"})
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            if self.path != "/health":
                self._reply(404, {"error": "not found"})
                return
            model = slots.model
            self._reply(
                200,
                {
                    "model": model.name,
                    "slots": slots.count,
                    "prefill": bool(getattr(model, "supports_prefill", False)),
                    "real": bool(getattr(model, "real", True)),
                },
            )

        def do_POST(self) -> None:
            if not self._authorised():
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(413, {"error": f"request body over {MAX_BODY} bytes"})
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                if self.path == "/tokens":
                    self._reply(200, {"count": slots.count_tokens(str(body.get("text", "")))})
                    return
                if self.path != "/complete":
                    self._reply(404, {"error": "not found"})
                    return
                request = request_from(body)
            except (ValueError, TypeError) as exc:
                self._reply(400, {"error": str(exc)})
                return
            try:
                completion = slots.complete(request)
            except ModelError as exc:
                self._reply(502, {"error": str(exc), "kind": type(exc).__name__})
                return
            usage = completion.usage
            self._reply(
                200,
                {
                    "text": completion.text,
                    "model": completion.model,
                    "finish_reason": completion.finish_reason,
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                    "seconds": usage.seconds,
                },
            )

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", required=True, help="model spec, e.g. embedded:qwen2.5-coder-0.5b"
    )
    parser.add_argument("--slots", type=int, default=1, help="model instances serving at once")
    parser.add_argument("--port", type=int, default=0, help="loopback port (0: any free one)")
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV)
    if not token:
        print(f"error: set {TOKEN_ENV} to the bearer token clients will send", file=sys.stderr)
        return 2
    try:
        server = make_server(load_slots(args.model, args.slots), token, args.port)
    except (UserError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


# -- the client --------------------------------------------------------------------------------
def _call(url: str, token: str, path: str, body: Mapping[str, Any] | None, timeout: float) -> Any:
    data = None if body is None else json.dumps(body).encode()
    # an http:// URL on loopback that a ModelService printed (never a user's file: URL)
    req = urllib.request.Request(  # noqa: S310
        url.rstrip("/") + path,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310  # nosec B310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("error", "")
        except ValueError:
            detail = ""
        raise ModelError(f"model service at {url}: HTTP {exc.code} {detail}".strip()) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ModelUnavailable(f"model service at {url} is not reachable: {exc}") from exc


class ServiceModel(BaseModel):
    """A model served by a `ModelService`: same answers as the model itself, no weights here."""

    def __init__(self, url: str, token: str, *, timeout: float = 1800.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        health = _call(url, token, "/health", None, timeout=30.0)
        self.name = str(health["model"])
        self.supports_prefill = bool(health.get("prefill"))
        self.real = bool(health.get("real", True))

    def count_tokens(self, text: str) -> int:
        return int(_call(self.url, self.token, "/tokens", {"text": text}, 60.0)["count"])

    def _call(self, request: Request) -> Completion:
        body = {
            "messages": list(request.messages),
            "schema": request.schema,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "seed": request.seed,
            "stop": list(request.stop),
        }
        reply = _call(self.url, self.token, "/complete", body, self.timeout)
        return Completion(
            text=str(reply["text"]),
            usage=Usage(int(reply["prompt_tokens"]), int(reply["completion_tokens"]), 0.0, 1),
            model=str(reply["model"]),
            finish_reason=reply.get("finish_reason"),
        )


def shared_model(spec: str) -> Model | None:
    """The service's client when this process was told of a service serving `spec`."""
    url, token = os.environ.get(URL_ENV), os.environ.get(TOKEN_ENV)
    if url and token and os.environ.get(SPEC_ENV) == spec:
        return ServiceModel(url, token)
    return None


class ModelService:
    """Starts the service in a child process, says how to reach it, stops it.

    with ModelService("embedded:qwen2.5-coder-0.5b") as service:
        run_builds(env=service.env)     # their get_model(spec) calls the service
    """

    def __init__(self, spec: str | Callable[[], Model], *, slots: int = 1) -> None:
        if not isinstance(spec, str):  # a module-level factory, imported by name in the service
            spec = f"factory:{spec.__module__}:{spec.__qualname__}"
        self.spec = spec
        self.slots = slots
        self.token = secrets.token_urlsafe(24)
        self.url = ""
        self.process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] = io.StringIO()

    @property
    def env(self) -> dict[str, str]:
        """What a child process needs in its environment to use this service."""
        return {URL_ENV: self.url, TOKEN_ENV: self.token, SPEC_ENV: self.spec}

    def start(self, timeout: float = START_TIMEOUT) -> ModelService:
        env = {**os.environ, TOKEN_ENV: self.token}
        env.pop(URL_ENV, None)  # the service loads the model itself
        # a file, not a pipe: a pipe nobody reads fills up and blocks the service; kept open
        # while the service runs, closed in stop()
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        command = [sys.executable, "-m", "macrohard.models.service", "--model", self.spec]
        self.process = subprocess.Popen(  # nosec B603 - our interpreter, our module
            [*command, "--slots", str(self.slots)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + timeout
        line = self._first_line(deadline)
        if not line.startswith("listening on "):
            error = self._stop_and_read()
            raise ModelUnavailable(
                f"the model service for {self.spec} did not start: {error or line or 'no output'}"
            )
        self.url = line.removeprefix("listening on ").strip()
        return self

    def _first_line(self, deadline: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        found: list[str] = []
        reader = threading.Thread(
            target=lambda: found.append(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(max(0.0, deadline - time.monotonic()))
        return found[0] if found else ""

    def _stop_and_read(self) -> str:
        self.stop()
        self._stderr.seek(0)
        return self._stderr.read().strip()[-2000:]

    def model(self) -> ServiceModel:
        return ServiceModel(self.url, self.token)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()

    def __enter__(self) -> ModelService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    raise SystemExit(main())
