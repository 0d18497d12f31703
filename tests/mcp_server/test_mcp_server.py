"""`macrohard mcp` driven by the MCP SDK's own client over stdio: a real server process, a
scripted model, the real company, sandbox, git and journal."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

from tests.company.scripted_company import DESIGN, GOOD, SPEC, TESTS
from tests.company.scripted_company import OPEN_REQUEST as REQUEST

ANSWERS = [
    json.dumps(SPEC),
    json.dumps(DESIGN),
    TESTS,
    GOOD,
    json.dumps({"wrong": "test", "reason": "1 + 1 is 2"}),
]


@asynccontextmanager
async def server(tmp_path: Path, *args: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "macrohard.cli", "mcp", "--data", str(tmp_path / "data"), *args],
        env={
            **os.environ,
            "MACROHARD_HOME": str(tmp_path / "home"),
            "MACROHARD_MODEL": "",
            "MACROHARD_MCP_MODELS": "",
        },
    )
    with (tmp_path / "server.log").open("w") as log:
        async with (
            stdio_client(params, errlog=log) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def text(result: CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


async def call(session: ClientSession, tool: str, **arguments: Any) -> Any:
    result = await session.call_tool(tool, arguments)
    assert not result.isError, text(result)
    data = json.loads(text(result)) if result.structuredContent is None else None
    if result.structuredContent is not None:
        data = result.structuredContent
        if set(data) == {"result"}:  # a list is wrapped
            data = data["result"]
    return data


def run(tmp_path: Path, scenario: Callable[[], Awaitable[None]]) -> None:
    async def bounded() -> None:
        with anyio.fail_after(150):
            await scenario()

    try:
        anyio.run(bounded)
    except BaseException:
        print((tmp_path / "server.log").read_text()[-3000:])
        raise


def test_build_over_mcp_start_poll_report(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    spec = f"scripted:{answers}"

    async def scenario() -> None:
        async with server(tmp_path, "--allow-model", spec) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == {"start_build", "build_status", "build_report", "list_builds"}
            assert spec in (tools["start_build"].description or "")

            started = await call(session, "start_build", request=REQUEST, out_dir="math/one")
            run_id = started["id"]
            assert started["model"] == spec  # the only allowed model is the default
            assert started["out_dir"] == str((tmp_path / "data/builds/math/one").resolve())

            busy = await session.call_tool("start_build", {"request": REQUEST})
            assert busy.isError and "busy: 1 build(s) already running" in text(busy)

            status: dict[str, Any] = {}
            for _ in range(600):
                status = await call(session, "build_status", id=run_id)
                if status["status"] not in ("queued", "running"):
                    break
                await anyio.sleep(0.2)
            assert status["status"] == "succeeded", status
            assert status["verdict"] == "shipped" and status["report_ready"]
            assert [p["name"] for p in status["phases"]] == [
                "spec",
                "design",
                "tests",
                "code",
                "verify",
                "review",
                "release",
            ]
            assert all(p["status"] == "done" for p in status["phases"])
            assert status["tokens"]["total"] > 0

            report = await call(session, "build_report", id=run_id)
            assert report["run_id"] == run_id and report["verdict"] == "shipped"
            assert {g["gate"] for g in report["gates"]} >= {"tests", "ruff", "secrets"}
            listed = await call(session, "list_builds")
            assert [b["id"] for b in listed] == [run_id]

            # what a client may not do
            refusals = [
                (
                    "start_build",
                    {"request": REQUEST, "model": "scripted:/etc/passwd"},
                    "not allowed",
                ),
                ("start_build", {"request": REQUEST, "model": "embedded"}, "not allowed"),
                ("start_build", {"request": REQUEST, "out_dir": "../escape"}, "relative folder"),
                ("start_build", {"request": REQUEST, "out_dir": "/tmp/x"}, "relative folder"),
                ("start_build", {"request": REQUEST, "out_dir": "math/one"}, "already exists"),
                ("start_build", {"request": ""}, "empty"),
                ("build_status", {"id": "r-nope"}, "no build 'r-nope'"),
                ("build_report", {"id": run_id[:5]}, "no build"),
            ]
            for tool, arguments, message in refusals:
                result = await session.call_tool(tool, arguments)
                assert result.isError and message in text(result), (tool, text(result))
            assert not (tmp_path / "escape").exists() and not Path("/tmp/x/.git").exists()

    run(tmp_path, scenario)
    assert (tmp_path / "data/builds/math/one/.macrohard/report.json").is_file()


def test_without_an_allowlist_only_the_default_model_is_offered(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))

    async def scenario() -> None:
        async with server(tmp_path) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert "embedded:qwen2.5-coder-1.5b" in (tools["start_build"].description or "")
            result = await session.call_tool(
                "start_build", {"request": REQUEST, "model": f"scripted:{answers}"}
            )
            assert result.isError
            assert "allowed: embedded:qwen2.5-coder-1.5b" in text(result)
            assert await call(session, "list_builds") == []

    run(tmp_path, scenario)
