"""Load on the platform API (a benchmark, not a test).

    .venv/bin/python scripts/bench_api_load.py [--builds 10] [--clients 50] [--seconds 60]

Starts `macrohard serve`'s app in its own process on 127.0.0.1 (uvicorn, one process), with a
scripted company that sleeps on every model call so its builds stay running. Submits --builds
builds, then runs --clients concurrent clients for --seconds, spread over --procs processes (as
clients are independent programs): each follows one build's events over SSE and polls that
build's status (GET /v1/builds/{id}) every --poll seconds. A lone probe client in its own
process polls too. Then it cancels what still runs, lets every stream reach its `end`, and
compares each stream with the journal: every event once, in order, none missing. Reports status
latency p50/p95/p99 (clients, probe, and the app's own time from Server-Timing) and event
delivery lag. Target (issue 5): p99 status latency under 100 ms, nothing lost. Loopback only;
bounded in time and requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODEL = "slow-scripted"


# -- the server process -----------------------------------------------------------------------
def serve(data: Path, port: int, delay: float, builds: int) -> None:
    import uvicorn
    from tests.company.scripted_company import Factory

    from macrohard.api import Settings, create_app

    settings = Settings(
        data_dir=data,
        default_model=MODEL,
        model_factory=Factory(delay=delay),
        max_concurrent=builds,
        isolation=os.environ.get("MACROHARD_ISOLATION", "process"),  # type: ignore[arg-type]
        build_nice=int(os.environ.get("MACROHARD_BUILD_NICE", "10")),
        unsafe_local=os.environ.get("MACROHARD_UNSAFE_LOCAL") == "1",
    )
    app = create_app(settings)
    print(f"sandbox: {app.state.api.service.sandbox.name}", flush=True)
    uvicorn.run(timed(app), host="127.0.0.1", port=port, log_level="warning")


def timed(app: Any) -> Any:
    """Adds `Server-Timing: app;dur=MS`: the time the app itself spent on the request, so the
    report can tell the server's time from waiting (for the CPU, in queues, in the client)."""

    async def wrapper(scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                message["headers"] = [*message["headers"], (b"server-timing", b"app;dur=%.2f" % ms)]
            await send(message)

        await app(scope, receive, timed_send if scope["type"] == "http" else send)

    return wrapper


# -- the clients --------------------------------------------------------------------------------
@dataclass
class Stream:
    build_id: str
    ids: list[int] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    ended: bool = False
    reconnects: int = 0


@dataclass
class Totals:
    latencies: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def poll(
    client: httpx.AsyncClient, build_id: str, stop: float, every: float, t: Totals
) -> None:
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            res = await client.get(f"/v1/builds/{build_id}")
            elapsed = time.perf_counter() - started
            if res.status_code == 200:
                t.latencies.append(elapsed)
                timing = res.headers.get("server-timing", "")
                if timing.startswith("app;dur="):
                    t.server.append(float(timing[8:]) / 1000)
            else:
                t.errors.append(f"status {res.status_code}")
        except httpx.HTTPError as exc:
            t.errors.append(f"{type(exc).__name__}")
        await asyncio.sleep(every)


def probe(url: str, token: str, build_id: str, seconds: float, out: Any) -> None:
    """One client in a process of its own, asking for a status every 100 ms: what a lone
    client sees, without the 50 load clients' own event loop in the way."""
    latencies = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            started = time.perf_counter()
            if client.get(f"/v1/builds/{build_id}").status_code == 200:
                latencies.append(time.perf_counter() - started)
            time.sleep(0.1)
    out.put(latencies)


def _lag(ts: str, connected: datetime) -> float | None:
    """Seconds from the journal write to its arrival here; None for a replayed event."""
    written = datetime.fromisoformat(ts)
    return None if written < connected else (datetime.now(UTC) - written).total_seconds()


async def follow(client: httpx.AsyncClient, stream: Stream, deadline: float) -> None:
    """Reads the build's SSE stream to its end, reconnecting with Last-Event-ID if cut."""
    while not stream.ended and time.monotonic() < deadline:
        headers = {"Last-Event-ID": str(stream.ids[-1])} if stream.ids else {}
        connected = datetime.now(UTC)
        try:
            async with client.stream(
                "GET", f"/v1/builds/{stream.build_id}/events", headers=headers
            ) as res:
                kind = ""
                async for line in res.aiter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        data = json.loads(line[6:])
                        if kind == "end":
                            stream.ended = True
                        else:
                            stream.ids.append(int(data["id"]))
                            if (lag := _lag(data["ts"], connected)) is not None:
                                stream.lags.append(lag)
        except httpx.HTTPError:
            stream.reconnects += 1
            await asyncio.sleep(0.5)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def group(
    url: str, token: str, build_ids: list[str], stop: float, every: float, deadline: float
) -> dict[str, Any]:
    """Some of the clients, on one event loop: each polls and follows one build."""
    auth = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(30.0, read=None)
    totals = Totals()
    streams = [Stream(b) for b in build_ids]
    clients = [
        httpx.AsyncClient(base_url=url, headers=auth, limits=limits, timeout=timeout)
        for _ in streams
    ]
    followers = [
        asyncio.create_task(follow(c, s, deadline)) for c, s in zip(clients, streams, strict=True)
    ]
    await asyncio.gather(
        *(poll(c, s.build_id, stop, every, totals) for c, s in zip(clients, streams, strict=True))
    )
    await asyncio.gather(*followers)
    for c in clients:
        await c.aclose()
    return {"totals": totals, "streams": streams}


def run_group(
    url: str,
    token: str,
    build_ids: list[str],
    stop_in: float,
    every: float,
    drain: float,
    out: Any,
) -> None:
    """A client process: `stop_in` seconds of polling, then follow the streams to their end."""
    now = time.monotonic()
    result = _run_loop(group(url, token, build_ids, now + stop_in, every, now + stop_in + drain))
    # plain data across the process boundary (this module is __mp_main__ in here)
    out.put({"totals": asdict(result["totals"]), "streams": [asdict(x) for x in result["streams"]]})


async def load(args: argparse.Namespace, url: str, token: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=auth, timeout=10) as setup:
        builds = []
        for n in range(args.builds):
            request = (
                f"Please build a tiny math helper library number {n}. The file must be "
                "`mathutil.py` and offer `add(a: int, b: int) -> int` (the sum) and "
                "`mul(a: int, b: int) -> int` (the product)."
            )
            res = await setup.post("/v1/builds", json={"request": request})
            res.raise_for_status()
            builds.append(res.json()["id"])
        while True:  # every build running before the clients start
            states = [(await setup.get(f"/v1/builds/{b}")).json()["status"] for b in builds]
            if all(s == "running" for s in states):
                break
            await asyncio.sleep(0.2)

    spawn = multiprocessing.get_context("spawn")
    out: Any = spawn.Queue()
    assigned = [builds[i % len(builds)] for i in range(args.clients)]
    procs = [
        spawn.Process(
            target=run_group,
            args=(url, token, assigned[n :: args.procs], args.seconds, args.poll, args.drain, out),
            daemon=True,
        )
        for n in range(args.procs)
    ]
    prober = spawn.Process(
        target=probe, args=(url, token, builds[0], args.seconds, out), daemon=True
    )
    for proc in [*procs, prober]:
        proc.start()
    window_start = datetime.now(UTC)
    await asyncio.sleep(args.seconds)
    running_at_stop: list[str] = []
    async with httpx.AsyncClient(base_url=url, headers=auth, timeout=30) as admin:
        for b in builds:
            res = await admin.post(f"/v1/builds/{b}/cancel")
            if res.status_code == 202:
                running_at_stop.append(b)
        results = [
            await asyncio.to_thread(out.get, True, args.drain + 120) for _ in range(args.procs + 1)
        ]
        finals = {b: (await admin.get(f"/v1/builds/{b}")).json() for b in builds}
    for proc in [*procs, prober]:
        proc.join(30)
    groups = [r for r in results if isinstance(r, dict)]
    totals = Totals()
    for g in groups:
        totals.latencies += g["totals"]["latencies"]
        totals.server += g["totals"]["server"]
        totals.errors += g["totals"]["errors"]
    return {
        "builds": builds,
        "running_at_stop": running_at_stop,
        "window_start": window_start,
        "finals": finals,
        "streams": [Stream(**st) for g in groups for st in g["streams"]],
        "totals": totals,
        "probe": next(r for r in results if isinstance(r, list)),
    }


def _seconds_after(stamp: str | None, start: datetime) -> float | None:
    if stamp is None:
        return None
    return round((datetime.fromisoformat(stamp.replace("Z", "+00:00")) - start).total_seconds(), 1)


def _run_loop(main: Any) -> Any:
    """uvloop where installed (the api extra brings it): the clients' own loop costs less."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def compare(data: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Each stream against the journal: the same event ids, in order, each once."""
    from macrohard.journal import Journal

    journal = Journal(data / "journal.db")
    expected = {
        b: [e.id for e in journal.events(d["run_id"], 0, 100_000)]
        for b, d in result["finals"].items()
    }
    complete = [s for s in result["streams"] if s.ended and s.ids == expected[s.build_id]]
    missing = sum(len(set(expected[s.build_id]) - set(s.ids)) for s in result["streams"])
    duplicated = sum(len(s.ids) - len(set(s.ids)) for s in result["streams"])
    return {
        "streams": len(result["streams"]),
        "streams_complete": len(complete),
        "events_expected": sum(len(expected[s.build_id]) for s in result["streams"]),
        "events_received": sum(len(s.ids) for s in result["streams"]),
        "events_missing": missing,
        "events_duplicated": duplicated,
        "reconnects": sum(s.reconnects for s in result["streams"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--procs", type=int, default=5, help="client processes (5: 10 clients each)"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="polling window")
    parser.add_argument("--poll", type=float, default=0.25, help="pause between status polls")
    parser.add_argument("--delay", type=float, default=4.0, help="seconds per model call")
    parser.add_argument("--drain", type=float, default=300.0, help="max wait for streams to end")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "api-load.json")
    parser.add_argument("--serve", nargs=2, metavar=("DATA", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), args.delay, args.builds)
        return 0

    from tests.api.live import free_port

    from macrohard.api.store import Store
    from macrohard.api.tenants import Tenants

    load_before = round(os.getloadavg()[0], 2)  # other work on the machine skews the figures
    data = Path(tempfile.mkdtemp(prefix="mh-bench-api-"))
    token = Tenants(Store(data / "api.db")).create("bench", max_concurrent=args.builds)[1]
    port = free_port()
    argv = [
        "--serve",
        str(data),
        str(port),
        "--builds",
        str(args.builds),
        "--delay",
        str(args.delay),
    ]
    server = subprocess.Popen(
        [sys.executable, __file__, *argv],
        env={**os.environ, "MACROHARD_HOME": str(data)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        wall = time.monotonic()
        result = _run_loop(load(args, url, token))
        wall = time.monotonic() - wall
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=60)
    totals: Totals = result["totals"]
    lat = [x * 1000 for x in totals.latencies]
    srv = [x * 1000 for x in totals.server]
    probe_ms = [x * 1000 for x in result["probe"]]
    lags = [x * 1000 for s in result["streams"] for x in s.lags]
    cancelled = set(result["running_at_stop"])
    finals_done = [d for b, d in result["finals"].items() if b not in cancelled]
    finals_done += [{"finished_at": None}] * len(cancelled)
    events = compare(data, result)
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "load_average_before": load_before,
        "sandbox": next(
            (ln.split(": ", 1)[1] for ln in log.splitlines() if ln.startswith("sandbox: ")), "?"
        ),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "builds": args.builds,
        "clients": args.clients,
        "client_processes": args.procs,
        "seconds": args.seconds,
        "poll_every_s": args.poll,
        "model_delay_s": args.delay,
        "running_at_stop": len(result["running_at_stop"]),
        # when each build finished, in seconds into the polling window (null: cancelled at the
        # end of it): builds that finish early leave the rest of the window with less load
        "build_finished_at_s": sorted(
            (_seconds_after(d["finished_at"], result["window_start"]) for d in finals_done),
            key=lambda x: (x is None, x),
        ),
        "status_requests": len(lat),
        "status_errors": len(totals.errors),
        "status_ms": {
            "p50": round(pct(lat, 50), 1),
            "p95": round(pct(lat, 95), 1),
            "p99": round(pct(lat, 99), 1),
            "max": round(max(lat), 1),
            "mean": round(statistics.fmean(lat), 1),
        },
        "status_probe_ms": {
            "p50": round(pct(probe_ms, 50), 1),
            "p99": round(pct(probe_ms, 99), 1),
            "max": round(max(probe_ms), 1),
            "requests": len(probe_ms),
        },
        "status_server_ms": {
            "p50": round(pct(srv, 50), 1),
            "p99": round(pct(srv, 99), 1),
            "max": round(max(srv), 1),
        },
        "event_lag_ms": {"p50": round(pct(lags, 50), 1), "p99": round(pct(lags, 99), 1)},
        "events": events,
        "final_statuses": sorted(d["status"] for d in result["finals"].values()),
        "wall_s": round(wall, 1),
    }
    report["ok"] = (
        report["status_ms"]["p99"] < 100
        and events["events_missing"] == 0
        and events["events_duplicated"] == 0
        and events["streams_complete"] == events["streams"]
        and not totals.errors
    )
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    if "Traceback" in log:
        print("server log had errors:\n" + log[-3000:], file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
