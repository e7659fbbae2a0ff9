"""Sessions of one `mock-lykke serve` (docs/sessions.md) against the pytest fixture.

- create+delete: `POST /_mock/sessions` (answered once the session serves) then
  `DELETE /_mock/sessions/{id}`, over HTTP to a `mock-lykke serve` in its own process,
  against the fixture's start+stop (`async with AsyncLykke(): pass`, in this process), both
  the default scenario on a virtual clock. Alternating rounds; medians. Goal: <= 2x.
- 100 sessions in one server: the server's resident memory per session (RSS before and
  after, over the count), and the answer time of the sessions already there while the
  others are created (a prober asks them for an order book, one request at a time,
  round-robin), against the same prober once all exist and nothing else happens.

    python -m bench.sessions [--rounds 5] [--per-round 5] [--count 100] [--clock realtime]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from .proc import ROOT

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class Served:
    """`mock-lykke serve --clock virtual` with sessions, in its own process."""

    def __init__(self, max_sessions: int, clock: str = "virtual"):
        self.max_sessions = max_sessions
        self.clock = clock

    async def __aenter__(self) -> "Served":
        self.dir = tempfile.TemporaryDirectory(prefix="bench-sessions-")
        ready = Path(self.dir.name) / "ready.json"
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mock_lykke.cli", "serve", "--grpc-port", "0",
            "--rest-port", "0", "--clock", self.clock, "--ready-file", str(ready),
            "--max-sessions", str(self.max_sessions), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                raise RuntimeError("mock-lykke serve did not start")
            if line.startswith(b"mock-lykke ready"):
                break
        asyncio.ensure_future(self.proc.stdout.read())        # drain the rest
        self.url = json.loads(ready.read_text())["rest"]
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.close()
        self.proc.terminate()
        await self.proc.wait()
        self.dir.cleanup()

    async def create(self) -> dict:
        async with self.http.post(self.url + "/_mock/sessions", json={}) as resp:
            assert resp.status == 201, await resp.text()
            return await resp.json()

    async def delete(self, sid: str) -> None:
        async with self.http.delete(f"{self.url}/_mock/sessions/{sid}") as resp:
            assert resp.status == 204, await resp.text()


async def _fixture_cycle() -> None:
    from mock_lykke.testing import AsyncLykke
    async with AsyncLykke():
        pass


async def _time(cycle, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        await cycle()
    return (time.perf_counter() - t0) / n


async def _probe(http, sessions: list, times: list, stop: asyncio.Event) -> None:
    """Ask the sessions in `sessions` for a book, one at a time, until stop is set."""
    i = 0
    while not stop.is_set():
        s = sessions[i % len(sessions)]
        i += 1
        t0 = time.perf_counter()
        async with http.get(s["rest"] + "/api/orderbooks?assetPairId=BTCUSD") as resp:
            await resp.read()
        times.append(time.perf_counter() - t0)


def _pct(values: list, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def measure(rounds: int = 5, per_round: int = 5, count: int = 100,
                  clock: str = "virtual") -> dict:
    out: dict = {}
    async with Served(count + 10, clock) as served:
        async def session_cycle() -> None:
            await served.delete((await served.create())["id"])
        cycles = {"fixture": _fixture_cycle, "session": session_cycle}
        for c in cycles.values():                            # warm up
            await c()
            await c()
        times: dict[str, list[float]] = {k: [] for k in cycles}
        for _ in range(rounds):
            for k, c in cycles.items():
                times[k].append(await _time(c, per_round))
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        out["sessions_fixture_ms"] = round(med["fixture"], 2)
        out["sessions_create_delete_ms"] = round(med["session"], 2)
        out["sessions_create_delete_ratio"] = round(med["session"] / med["fixture"], 2)

        # 100 sessions: memory, and the others' answers while they are created
        before = rss_mb(served.proc.pid)
        made: list = []
        during: list = []
        stop = asyncio.Event()
        t0 = time.perf_counter()
        made.append(await served.create())
        prober = asyncio.ensure_future(_probe(served.http, made, during, stop))
        for _ in range(count - 1):
            made.append(await served.create())
        create_s = time.perf_counter() - t0
        stop.set()
        await prober
        after = rss_mb(served.proc.pid)
        quiet: list = []
        stop = asyncio.Event()
        prober = asyncio.ensure_future(_probe(served.http, made, quiet, stop))
        await asyncio.sleep(create_s)                        # as long as the creation took
        stop.set()
        await prober
        for s in made:
            await served.delete(s["id"])
        out.update({
            "sessions_count": count,
            "sessions_create_all_s": round(create_s, 2),
            "sessions_rss_before_mb": round(before, 1),
            "sessions_rss_after_mb": round(after, 1),
            "sessions_mb_per_session": round((after - before) / count, 2),
            "sessions_rss_after_delete_mb": round(rss_mb(served.proc.pid), 1),
            "sessions_probe_during_p50_ms": round(_pct(during, 0.5), 2),
            "sessions_probe_during_p99_ms": round(_pct(during, 0.99), 2),
            "sessions_probe_during_max_ms": round(_pct(during, 1.0), 2),
            "sessions_probe_quiet_p50_ms": round(_pct(quiet, 0.5), 2),
            "sessions_probe_quiet_p99_ms": round(_pct(quiet, 0.99), 2),
            "sessions_probes": [len(during), len(quiet)],
        })
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.sessions",
                                description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--per-round", type=int, default=5)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--clock", default="virtual",
                   help="the sessions' clock: virtual (nothing moves unless asked) or realtime "
                        "(the default scenario's market makers requote every 500 ms)")
    a = p.parse_args(argv)
    print(json.dumps(asyncio.run(measure(a.rounds, a.per_round, a.count, a.clock)), indent=2))


if __name__ == "__main__":
    main()
