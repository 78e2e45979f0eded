"""Service benchmark: ``tradeperf serve`` under a bot's writes, dashboards' polls and streams.

Run: ``python bench/service.py`` (30 s, 500 fills/s in batches of 50, 20 pollers, 20 streams,
DuckDB), or ``python bench/service.py --seconds 10 --rate 200``. With ``--store postgres`` the
store is a throwaway schema in the database named by ``TRADEPERF_BENCH_PG`` or
``TRADEPERF_TEST_PG`` (created and dropped).

It starts ``python -m tradeperf serve`` as a subprocess on a fresh store in a temporary
folder, on a free loopback port with a random token (``TRADEPERF_API_TOKEN``), waits for
``GET /healthz``, and then for ``--seconds``, on one asyncio loop with httpx:

- one writer POSTs ``--rate`` fills a second to ``/v1/fills`` in batches of ``--batch``, on a
  fixed schedule (batch ``i`` is due at ``i × batch / rate`` s; a late batch goes at once and
  the lag is reported), one request at a time, so each symbol's fills arrive in time order.
  The fills are `tradeperf.sample.generate_fills` (seed 42), shifted to end before now, and
  serialised before the clock starts;
- ``--pollers`` clients each GET ``/v1/summary`` once every ``--poll-interval`` s (1 s), on
  their own schedules spread over the interval;
- ``--streams`` clients hold ``/v1/stream`` open and count the events they receive.

Measured: the latency (send to the last byte of the body) of each POST and each poll, at
p50/p95/p99/max; errors (a status other than 2xx, an exception, a stream that ends or fails
while the run goes on): the goal is none; the fills accepted; the "fill visible" latency: from
sending a POST until a stream receives a ``records`` (or a ``dashboard``) event whose
``version`` is at least the one the POST returned, over every (POST, stream) pair; the server's
RSS (``VmRSS`` of its processes, ``/proc/PID/status``) after start-up and at the end, and its
peak (``VmHWM``); its CPU time. At the end it sends SIGTERM with the streams still open and
reports the exit code and how long the server took to stop.

Goals (the service's issue): p95 < 50 ms for the POSTs and the polls; a fill visible on a
stream in < 1 s (p95 of the pairs); no errors. The table gives the ratio to each goal
(below 1 is within it). The load generator shares the machine (2 cores) with the server: its
own CPU time is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import datetime as dt
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))

from tradeperf.records import Fill
from tradeperf.sample import generate_fills

#: The goals: p95 of a request, p95 of "fill visible", in seconds.
GOAL_REQUEST_S = 0.050
GOAL_VISIBLE_S = 1.0
#: How long the streams may take after the last POST to see it before it counts as unseen.
GRACE_S = 5.0
#: How long the server may take to start, and to stop after SIGTERM.
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
#: Errors kept (with their request, status and body) to print after the table.
KEEP_ERRORS = 20


# -- the fills ----------------------------------------------------------------------------------
def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _iso(t: dt.datetime) -> str:
    t = t.astimezone(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def fill_json(f: Fill) -> dict[str, str]:
    """The fill as the API takes it (the fields a bot sends)."""
    return {
        "fill_id": f.fill_id,
        "symbol": f.symbol,
        "side": f.side.value.lower(),
        "quantity": _num(f.quantity),
        "price": _num(f.price),
        "fee": _num(f.fee),
        "timestamp": _iso(f.timestamp),
        "strategy": f.strategy,
    }


def make_batches(count: int, batch: int) -> list[bytes]:
    """``count`` fills in batches of ``batch``, as JSON bodies, the last fill a second ago."""
    probe = generate_fills(count, seed=42)
    span = probe[-1].timestamp - probe[0].timestamp
    start = dt.datetime.now(dt.UTC) - span - dt.timedelta(minutes=1)
    fills = generate_fills(count, seed=42, start=start)
    run = uuid.uuid4().hex[:6]  # ids unique to the run, should the store be reused
    rows = [fill_json(f) | {"fill_id": f"{run}-{f.fill_id}"} for f in fills]
    return [
        json.dumps(rows[i : i + batch], separators=(",", ":")).encode()
        for i in range(0, len(rows), batch)
    ]


# -- the server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a server may fork workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in task.read_text().split()]
    return out


def _status_kb(pid: int, key: str) -> int:
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
    return total


def rss_mib(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def hwm_mib(pid: int) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of the server's processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def fresh_pg(base: str) -> tuple[str, Callable[[], None]]:
    """A throwaway schema in the database ``base``: its URL and how to drop it."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


# -- the load -----------------------------------------------------------------------------------
@dataclass
class Stats:
    """What the clients saw."""

    t0: float = 0.0
    stopping: bool = False  # set before SIGTERM: stream ends after it are not errors
    post_lat: list[float] = field(default_factory=list)
    poll_lat: list[float] = field(default_factory=list)
    posts: list[tuple[float, Any]] = field(default_factory=list)  # (sent at, version)
    accepted: int = 0
    repeated: int = 0
    sent_fills: int = 0
    post_lag: list[float] = field(default_factory=list)  # how late each batch went, s
    unsent: int = 0  # batches due in the run but not sent when it ended
    polls_skipped: int = 0  # poll slots missed because the previous poll was still running
    poll_lag: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_details: list[str] = field(default_factory=list)
    # per stream: (received at, event, version) of each event with a version
    stream_events: list[list[tuple[float, str, Any]]] = field(default_factory=list)
    event_counts: Counter[str] = field(default_factory=Counter)
    per_stream_events: list[Counter[str]] = field(default_factory=list)
    stream_bytes: int = 0
    ended_by_server: int = 0
    out_of_order: Counter[str] = field(default_factory=Counter)  # version lower than before

    def error(self, what: str, detail: str) -> None:
        self.errors[what] += 1
        if len(self.error_details) < KEEP_ERRORS:
            at = time.perf_counter() - self.t0 if self.t0 else 0.0
            self.error_details.append(f"t={at:.3f}s {what}: {detail}")


def _body(r: httpx.Response) -> str:
    text = r.text
    return text if len(text) <= 600 else text[:600] + f"… ({len(text)} chars)"


async def writer(
    client: httpx.AsyncClient, stats: Stats, batches: list[bytes], every: float, until: float
) -> None:
    headers = {"Content-Type": "application/json"}
    for i, body in enumerate(batches):
        due = stats.t0 + i * every
        if due >= until:
            break
        now = time.perf_counter()
        if now >= until:  # behind schedule when the run ends: the rest is not sent
            stats.unsent = sum(stats.t0 + j * every < until for j in range(i, len(batches)))
            break
        if due > now:
            await asyncio.sleep(due - now)
        sent = time.perf_counter()
        stats.post_lag.append(max(0.0, sent - due))
        try:
            r = await client.post("/v1/fills", content=body, headers=headers)
        except Exception as exc:
            stats.error("POST /v1/fills", f"batch {i}: {type(exc).__name__}: {exc}")
            continue
        stats.post_lat.append(time.perf_counter() - sent)
        stats.sent_fills += body.count(b'"fill_id"')
        if not r.is_success:
            stats.error("POST /v1/fills", f"batch {i}: HTTP {r.status_code}: {_body(r)}")
            continue
        doc = r.json()
        stats.accepted += int(doc.get("accepted") or 0)
        stats.repeated += int(doc.get("repeated") or 0)
        if doc.get("version") is None:
            stats.error("POST /v1/fills", f"batch {i}: no version in the answer: {_body(r)}")
            continue
        stats.posts.append((sent, doc["version"]))


async def poller(
    client: httpx.AsyncClient, stats: Stats, every: float, phase: float, until: float
) -> None:
    k = 0
    while True:
        due = stats.t0 + phase + k * every
        now = time.perf_counter()
        if now > due + every:  # a poll took longer than the interval: skip the missed slots
            missed = int((now - due) // every)
            stats.polls_skipped += missed
            k += missed
            due += missed * every
        k += 1
        if due >= until:
            return
        if due > now:
            await asyncio.sleep(due - now)
        sent = time.perf_counter()
        stats.poll_lag.append(max(0.0, sent - due))
        try:
            r = await client.get("/v1/summary")
        except Exception as exc:
            stats.error("GET /v1/summary", f"{type(exc).__name__}: {exc}")
            continue
        stats.poll_lat.append(time.perf_counter() - sent)
        if not r.is_success:
            stats.error("GET /v1/summary", f"HTTP {r.status_code}: {_body(r)}")


async def streamer(
    client: httpx.AsyncClient, stats: Stats, index: int, connected: asyncio.Event
) -> None:
    seen = stats.stream_events[index]
    counts = stats.per_stream_events[index]
    top: dict[str, Any] = {}
    while not stats.stopping:
        try:
            async with client.stream("GET", "/v1/stream") as r:
                if r.status_code != 200:
                    await r.aread()
                    stats.error("GET /v1/stream", f"HTTP {r.status_code}: {_body(r)}")
                    await asyncio.sleep(0.5)
                    continue
                event, data = "message", []
                async for line in r.aiter_lines():
                    stats.stream_bytes += len(line) + 1
                    if line:
                        if line.startswith(":"):
                            counts["ping"] += 1
                        elif line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:"):
                            data.append(line[5:].removeprefix(" "))
                        continue
                    if not data and event == "message":
                        continue
                    at = time.perf_counter()
                    counts[event] += 1
                    if event == "hello":
                        connected.set()
                    if event in ("records", "dashboard"):
                        try:
                            version = json.loads("\n".join(data)).get("version")
                        except (ValueError, AttributeError) as exc:
                            stats.error("GET /v1/stream", f"{event} event: bad data: {exc}")
                            version = None
                        if version is None:
                            stats.error("GET /v1/stream", f"{event} event without a version")
                        else:
                            if event in top and version < top[event]:
                                stats.out_of_order[event] += 1
                            top[event] = max(top.get(event, version), version)
                            seen.append((at, event, version))
                    event, data = "message", []
            if stats.stopping:
                stats.ended_by_server += 1
                return
            stats.error("GET /v1/stream", "the stream ended while the run went on")
        except Exception as exc:
            if stats.stopping:
                stats.ended_by_server += 1
                return
            stats.error("GET /v1/stream", f"{type(exc).__name__}: {exc}")
        await asyncio.sleep(0.5)


def visible_latencies(stats: Stats, kinds: tuple[str, ...]) -> tuple[list[float], int]:
    """Per (POST, stream): time to the first event of ``kinds`` with version ≥ the POST's.

    Returns the latencies and how many pairs were never seen.
    """
    out: list[float] = []
    unseen = 0
    for events in stats.stream_events:
        chosen = [(t, v) for t, e, v in events if e in kinds]
        times = [t for t, _ in chosen]
        tops: list[Any] = []
        for _, v in chosen:
            tops.append(v if not tops else max(tops[-1], v))
        for sent, version in stats.posts:
            j = max(bisect.bisect_left(tops, version), bisect.bisect_left(times, sent))
            # tops is non-decreasing: the first event at or after j with version ≥ the POST's
            while j < len(chosen) and tops[j] < version:
                j += 1
            if j < len(chosen):
                out.append(times[j] - sent)
            else:
                unseen += 1
    return out, unseen


async def load(args: argparse.Namespace, base: str, token: str, pid: int) -> dict[str, Any]:
    count = int(args.rate * args.seconds) + args.batch
    t = time.perf_counter()
    batches = make_batches(count, args.batch)
    made = time.perf_counter() - t
    stats = Stats(
        stream_events=[[] for _ in range(args.streams)],
        per_stream_events=[Counter() for _ in range(args.streams)],
    )
    headers = {"Authorization": f"Bearer {token}"}
    unlimited = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(10.0)
    stream_timeout = httpx.Timeout(10.0, read=60.0)  # the server pings an idle stream
    async with (
        httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout) as wclient,
        httpx.AsyncClient(
            base_url=base, headers=headers, timeout=timeout, limits=unlimited
        ) as pclient,
        httpx.AsyncClient(
            base_url=base, headers=headers, timeout=stream_timeout, limits=unlimited
        ) as sclient,
    ):
        connected = [asyncio.Event() for _ in range(args.streams)]
        streams = [
            asyncio.create_task(streamer(sclient, stats, i, connected[i]))
            for i in range(args.streams)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*(c.wait() for c in connected)), 15)
        except TimeoutError:
            stats.error(
                "GET /v1/stream",
                f"{sum(not c.is_set() for c in connected)} streams had no hello in 15 s",
            )
        rss_start, cpu_start = rss_mib(pid), cpu_s(pid)
        proc_start = time.process_time()
        stats.t0 = time.perf_counter()
        until = stats.t0 + args.seconds
        rng = random.Random(1)
        every = args.poll_interval
        tasks = [
            asyncio.create_task(writer(wclient, stats, batches, args.batch / args.rate, until))
        ]
        tasks += [
            asyncio.create_task(poller(pclient, stats, every, rng.uniform(0, every), until))
            for _ in range(args.pollers)
        ]
        rss_peak_seen = rss_start
        while not all(t.done() for t in tasks):
            await asyncio.sleep(0.5)
            rss_peak_seen = max(rss_peak_seen, rss_mib(pid))
        await asyncio.gather(*tasks)
        ran = time.perf_counter() - stats.t0
        # let the streams catch up with the last POST (or give up after GRACE_S)
        last = stats.posts[-1][1] if stats.posts else None
        deadline = time.perf_counter() + GRACE_S
        while last is not None and time.perf_counter() < deadline:
            tops = [max((v for _, _, v in ev), default=None) for ev in stats.stream_events]
            if all(v is not None and v >= last for v in tops):
                break
            await asyncio.sleep(0.05)
        cpu_end = cpu_s(pid)
        rss_end = rss_mib(pid)
        proc_used = time.process_time() - proc_start
        stats.stopping = True
        return {
            "stats": stats,
            "streams": streams,
            "ran": ran,
            "made": made,
            "rss_start": rss_start,
            "rss_end": rss_end,
            "rss_peak_seen": max(rss_peak_seen, rss_end),
            "server_cpu": cpu_end - cpu_start,
            "client_cpu": proc_used,
            "batches": len(batches),
        }


# -- the report ---------------------------------------------------------------------------------
def _pct(xs: list[float]) -> tuple[str, str, str, str]:
    if not xs:
        return ("–", "–", "–", "–")
    ms = np.asarray(xs) * 1e3
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return (f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}", f"{ms.max():.1f}")


def _ratio(xs: list[float], goal: float) -> str:
    return f"{np.percentile(xs, 95) / goal:.2f}" if xs else "–"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="how long the load runs")
    ap.add_argument("--rate", type=float, default=500.0, help="fills per second POSTed")
    ap.add_argument("--batch", type=int, default=50, help="fills per POST")
    ap.add_argument("--pollers", type=int, default=20, help="clients polling /v1/summary")
    ap.add_argument("--poll-interval", type=float, default=1.0, help="s between a poller's GETs")
    ap.add_argument("--streams", type=int, default=20, help="clients holding /v1/stream")
    ap.add_argument("--store", choices=["duckdb", "postgres"], default="duckdb")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tp-bench-service-"))
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if args.store == "postgres":
        pg = os.environ.get("TRADEPERF_BENCH_PG") or os.environ.get("TRADEPERF_TEST_PG")
        if not pg:
            sys.exit("--store postgres needs TRADEPERF_BENCH_PG or TRADEPERF_TEST_PG")
        store, drop = fresh_pg(pg)
    else:
        store = f"duckdb://{tmp / 'bench.duckdb'}"
    port = free_port()
    token = secrets.token_urlsafe(24)
    env = os.environ | {"TRADEPERF_API_TOKEN": token}
    log_path = tmp / "server.log"
    cmd = [sys.executable, "-m", "tradeperf", "serve", "--store", store]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        server = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(server, base, log_path)
        start_s = time.perf_counter() - started
        result = asyncio.run(_run(args, base, token, server))
    except BaseException:
        if server.poll() is None:
            server.kill()
            server.wait()
        raise
    finally:
        drop()
    clean = _report(args, result, start_s, log_path)
    if clean:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"\nThe store and the server's log are kept in {tmp}")


def _wait_healthy(server: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.perf_counter() + START_TIMEOUT_S
    last = ""
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            sys.exit(
                f"the server exited with {server.returncode} before /healthz answered; its "
                f"log:\n{log_path.read_text(errors='replace')[-4000:]}"
            )
        try:
            r = httpx.get(base + "/healthz", timeout=2)
            if r.status_code == 200:
                return
            last = f"HTTP {r.status_code}: {r.text[:300]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}"
        time.sleep(0.1)
    server.kill()
    sys.exit(f"/healthz did not answer 200 in {START_TIMEOUT_S:.0f} s (last: {last})")


async def _run(
    args: argparse.Namespace, base: str, token: str, server: subprocess.Popen[bytes]
) -> dict[str, Any]:
    result = await load(args, base, token, server.pid)
    result["hwm"] = hwm_mib(server.pid)
    # SIGTERM with the streams still open: they should end, and the server exit, promptly
    t = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    code: int | str
    while server.poll() is None and time.perf_counter() - t < STOP_TIMEOUT_S:
        await asyncio.sleep(0.05)
    stop_s = time.perf_counter() - t
    if server.poll() is None:
        server.kill()
        server.wait()
        code = f"none: still running {STOP_TIMEOUT_S:.0f} s after SIGTERM (killed)"
    else:
        code = server.returncode
    streams = result.pop("streams")
    _, pending = await asyncio.wait(streams, timeout=2)
    for s in pending:
        s.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    result["streams_left"] = len(pending)
    result["exit"] = code
    result["stop_s"] = stop_s
    return result


def _report(args: argparse.Namespace, res: dict[str, Any], start_s: float, log: Path) -> bool:
    """Print the tables; return whether the run was clean (no error, exit code 0)."""
    stats: Stats = res["stats"]
    ran = res["ran"]
    records, rec_unseen = visible_latencies(stats, ("records",))
    dashboards, dash_unseen = visible_latencies(stats, ("dashboard",))
    either, any_unseen = visible_latencies(stats, ("records", "dashboard"))
    n_pairs = len(stats.posts) * args.streams
    n_errors = sum(stats.errors.values())
    poll_rate = len(stats.poll_lat) / ran if ran else 0.0
    print(
        f"tradeperf serve on {args.store}, {ran:.1f} s of load: 1 writer at {args.rate:g} "
        f"fills/s in batches of {args.batch} ({args.rate / args.batch:g} POST/s), "
        f"{args.pollers} pollers × 1 GET /v1/summary every {args.poll_interval:g} s "
        f"({args.pollers / args.poll_interval:g}/s asked, {poll_rate:.1f}/s done), "
        f"{args.streams} streams; server up in {start_s:.1f} s; {res['batches']} batches "
        f"serialised in {res['made']:.1f} s beforehand"
    )
    print()
    print("| measure | n | p50 ms | p95 ms | p99 ms | max ms | goal | × goal |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    rows: list[tuple[str, list[float], str, str]] = [
        (f"POST /v1/fills ({args.batch} fills)", stats.post_lat, "p95 < 50 ms", "req"),
        ("GET /v1/summary (poll)", stats.poll_lat, "p95 < 50 ms", "req"),
        ("fill visible: `records` event", records, "p95 < 1 s", "vis"),
        ("fill visible: `dashboard` event", dashboards, "p95 < 1 s", "vis"),
        ("fill visible: first of either", either, "p95 < 1 s", "vis"),
    ]
    for name, xs, goal, kind in rows:
        ratio = _ratio(xs, GOAL_REQUEST_S if kind == "req" else GOAL_VISIBLE_S)
        print(f"| {name} | {len(xs):,} | {' | '.join(_pct(xs))} | {goal} | {ratio} |")
    verdict = "ok" if n_errors == 0 else "FAIL"
    print(f"| errors (any class) | {n_errors} | | | | | 0 | {verdict} |")
    print()
    print("| run | value |")
    print("| --- | --- |")
    lag = max(stats.post_lag, default=0.0) * 1e3
    print(
        f"| fills sent / accepted / repeated | {stats.sent_fills:,} / {stats.accepted:,} / "
        f"{stats.repeated:,} ({stats.accepted / ran:,.0f} accepted/s) |"
    )
    print(
        f"| POSTs done; latest behind schedule; due but not sent at the end | "
        f"{len(stats.post_lat):,}; {lag:.0f} ms; {stats.unsent:,} |"
    )
    print(
        f"| summary polls done; latest behind schedule; slots skipped (poll still running) | "
        f"{len(stats.poll_lat):,} ({poll_rate:.1f}/s); "
        f"{max(stats.poll_lag, default=0.0) * 1e3:.0f} ms; {stats.polls_skipped:,} |"
    )
    print(
        f"| (POST, stream) pairs never seen within {GRACE_S:g} s | records {rec_unseen:,}, "
        f"dashboard {dash_unseen:,}, either {any_unseen:,} of {n_pairs:,} |"
    )
    counts = stats.event_counts
    for c in stats.per_stream_events:
        counts.update(c)
    per = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    dash_each = [c["dashboard"] for c in stats.per_stream_events] or [0]
    print(
        f"| stream events received (all {args.streams} streams) | {per}; dashboard per "
        f"stream {min(dash_each)}–{max(dash_each)}; {stats.stream_bytes / 2**20:,.1f} MiB; "
        f"versions lower than the stream's last of the kind {dict(stats.out_of_order) or 0} |"
    )
    growth = res["rss_end"] - res["rss_start"]
    print(
        f"| server RSS start → end (growth); peak | {res['rss_start']:,.0f} → "
        f"{res['rss_end']:,.0f} MiB ({growth:+,.0f} MiB); peak seen "
        f"{res['rss_peak_seen']:,.0f} MiB, VmHWM {res['hwm']:,.0f} MiB |"
    )
    print(
        f"| CPU during the load: server; this load generator | "
        f"{res['server_cpu']:.1f} s ({res['server_cpu'] / ran:.0%} of a core); "
        f"{res['client_cpu']:.1f} s ({res['client_cpu'] / ran:.0%}) |"
    )
    print(
        f"| SIGTERM (streams open) → exit code; time to stop | {res['exit']}; "
        f"{res['stop_s']:.2f} s; streams ended by the server {stats.ended_by_server}, "
        f"still open after {res['stop_s'] + 2:.0f} s {res['streams_left']} |"
    )
    text = log.read_text(errors="replace")
    tracebacks = text.count("Traceback")
    if stats.error_details:
        print(f"\nErrors by class: {dict(stats.errors)}; the first {len(stats.error_details)}:")
        for line in stats.error_details:
            print(f"- {line}")
    if tracebacks or n_errors or res["exit"] != 0:
        print(f"\nServer log ({log}, {tracebacks} tracebacks), last 3000 chars:")
        print(text[-3000:])
    return not (tracebacks or n_errors or res["exit"] != 0)


if __name__ == "__main__":
    main()
