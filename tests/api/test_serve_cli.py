"""`macrohard tenant create|list` and `macrohard serve` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .live import free_port


def cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "macrohard.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MACROHARD_HOME": str(home)},
    )


def test_tenant_create_prints_the_token_last_and_stores_only_its_hash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = cli(
        "tenant", "create", "acme", "--data", str(data), "--tokens-per-day", "5000", home=tmp_path
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("mh_") and len(token) > 40
    assert "5,000 tokens/day" in done.stdout
    again = cli("tenant", "create", "acme", "--data", str(data), home=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = cli("tenant", "create", "no spaces", "--data", str(data), home=tmp_path)
    assert bad.returncode == 2 and "tenant name" in bad.stderr
    listed = cli("tenant", "list", "--data", str(data), home=tmp_path)
    assert "acme" in listed.stdout and token not in listed.stdout
    stored = b"".join(p.read_bytes() for p in data.glob("api.db*"))
    assert token.encode() not in stored


def test_serve_answers_with_tenants_and_the_allowlist(tmp_path: Path) -> None:
    data = tmp_path / "data"
    token = cli("tenant", "create", "acme", "--data", str(data), home=tmp_path).stdout.split()[-1]
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "macrohard.cli",
            "serve",
            "--port",
            str(port),
            "--data",
            str(data),
            "--model",
            "openai:http://127.0.0.1:9/v1#none",
            "--allow-model",
            "anthropic:claude-sonnet-4-5",
            "--unsafe-local",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "MACROHARD_HOME": str(tmp_path)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{url}/v1/builds").status_code == 401
        me = httpx.get(f"{url}/v1/tenant", headers=auth).json()
        assert me["name"] == "acme" and me["active_builds"] == 0
        refused = httpx.post(
            f"{url}/v1/builds",
            json={"request": "A CLI that counts words", "model": "embedded:/etc/passwd"},
            headers=auth,
        )
        assert refused.status_code == 400
        assert "openai:http://127.0.0.1:9/v1#none, anthropic:claude-sonnet-4-5" in refused.text
        assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "Macrohard"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert token not in output  # tokens never reach the log
    assert "GET /v1/tenant" in output  # the access log is on
