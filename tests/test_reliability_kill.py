"""Stopping or killing `mock-lykke serve --journal F` under load loses no acknowledged command.

Each test runs a real server subprocess (basic.yaml: a virtual clock and no market
participants, so nothing changes the exchange but the writers' orders) and waits for its
printed ready lines. 16 writers (8 REST, 8 gRPC; asyncio tasks of this process, on loopback)
place small buy orders far below the book, which rest and never match. Then:

1. the writers run until 120 orders are acknowledged; then they **pause**: each stops at a gate
   before its next call, and the test waits until no call is in flight. The server is now
   idle (no timers can run on a virtual clock), so the live state read then through the control
   API (`/_mock/state`), and the number N of the last journal entry (`/_mock/journal`), belong
   to one moment;
2. the writers go on until 120 more orders are acknowledged, and the server gets the signal
   (SIGTERM, SIGINT, or SIGKILL) while they run; each writer stops at its first failed call.

Checks, from the journal file alone: replaying it keeps every acknowledged order id (a reply
only leaves once its line is written and flushed: not even kill -9 can lose it); replaying its
entries up to N gives the live state of step 1 exactly (the journal is that state's history,
not just a superset of it); and no order is in the journal that the writers were not told of,
beyond the calls that failed (nothing invented). A graceful stop also exits 0 with a complete
last line. Bounded: the load lasts until 240 replies; every wait has a guard timeout."""
from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
import warnings
from pathlib import Path

import aiohttp
import grpc
import pytest

from mock_lykke.journal import JournalWarning, read_journal, replay
from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc as pvg
from mock_lykke.scenario.snapshot import snapshot

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "basic.yaml"
GUARD = 30                      # a guard against hanging, never a measurement
WRITERS = 16
BEFORE = AFTER = 120            # acknowledged orders before the pause, and after it
KEYS = {"rest": "trader-key", "grpc": "book-key"}       # basic.yaml's two accounts


async def serve(journal: Path):
    """The server process, its REST url and gRPC target, from its printed ready lines."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mock_lykke.cli", "serve", "--scenario", str(SCENARIO),
        "--grpc-port", "0", "--rest-port", "0", "--journal", str(journal),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    found = {}
    while "accounts" not in found:
        line = (await asyncio.wait_for(proc.stdout.readline(), GUARD)).decode()
        assert line, "the server ended before it was ready"
        m = re.match(r"\s+(gRPC|REST)\s+(\S+)", line)
        if m:
            found[m[1]] = m[2]
        elif line.startswith("  accounts"):
            found["accounts"] = True
    return proc, found["REST"], found["gRPC"]


class Writers:
    """WRITERS tasks placing orders; pause() holds them at a gate with no call in flight."""

    def __init__(self, rest: str, target: str):
        self.rest, self.target = rest, target
        self.go = asyncio.Event()
        self.go.set()
        self.busy = 0
        self.changed = asyncio.Event()          # a reply came or a call ended
        self.acked: list[str] = []              # order ids the server acknowledged
        self.failed = 0                         # calls that ended without an answer
        self.signalled = False
        self.early: list[str] = []              # failures before the signal (none expected)

    async def __aenter__(self):
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self.channel = grpc.aio.insecure_channel(self.target)
        self.stub = pvg.PrivateServiceStub(self.channel)
        self.tasks = [asyncio.create_task(self._run("rest" if i % 2 else "grpc", i))
                      for i in range(WRITERS)]
        return self

    async def __aexit__(self, *exc):
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.http.close()
        await self.channel.close()

    async def _place(self, via: str, price: str) -> str:
        key = KEYS[via]
        if via == "rest":
            async with self.http.post(
                    self.rest + "/api/orders/limit", headers={"Authorization": f"Bearer {key}"},
                    json={"assetPairId": "BTCUSD", "side": "buy", "volume": 0.01,
                          "price": float(price)}, timeout=aiohttp.ClientTimeout(GUARD)) as r:
                body = await r.json()
                assert r.status == 200 and body["error"] is None, body
                return body["payload"]["orderId"]
        reply = await self.stub.PlaceLimitOrder(pv.LimitOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="0.01", price=price),
            metadata=(("authorization", f"Bearer {key}"),), timeout=GUARD)
        assert not reply.HasField("error"), reply
        return reply.payload.orderId

    async def _run(self, via: str, i: int) -> None:
        price = str(200 + i)
        while True:
            while not self.go.is_set():
                await self.go.wait()
            self.busy += 1
            try:
                order_id = await self._place(via, price)
            except (aiohttp.ClientError, grpc.aio.AioRpcError, asyncio.TimeoutError) as e:
                self.failed += 1
                if not self.signalled:
                    self.early.append(repr(e))
                return
            finally:
                self.busy -= 1
                self.changed.set()
            self.acked.append(order_id)

    async def _until(self, done) -> None:
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), GUARD)

    async def acked_at_least(self, n: int) -> None:
        await self._until(lambda: len(self.acked) >= n or self.early)
        assert not self.early, self.early

    async def pause(self) -> None:
        self.go.clear()
        await self._until(lambda: self.busy == 0)

    def resume(self) -> None:
        self.go.set()

    async def ended(self) -> None:
        await asyncio.wait_for(asyncio.gather(*self.tasks), GUARD)


async def _live(http: aiohttp.ClientSession, rest: str) -> tuple[dict, int]:
    """The state, and the number of the journal's last entry (paging /_mock/journal)."""
    async with http.get(rest + "/_mock/state") as r:
        state = await r.json()
    last = 0
    while True:
        async with http.get(rest + f"/_mock/journal?since={last}&limit=1000") as r:
            page = await r.json()
        if not page["entries"]:
            return state, last
        last = page["next"]


def _replayed(header: dict, entries: list[dict]) -> dict:
    return json.loads(json.dumps(snapshot(replay(header, entries))))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGINT", "SIGKILL"])
async def test_no_acknowledged_order_is_lost_when_the_server_is_stopped_or_killed(tmp_path,
                                                                                  sig):
    journal = tmp_path / "j.jsonl"
    proc, rest, target = await serve(journal)
    try:
        async with Writers(rest, target) as w, aiohttp.ClientSession() as http:
            await w.acked_at_least(BEFORE)
            await w.pause()
            live, last_n = await _live(http, rest)
            w.resume()
            await w.acked_at_least(BEFORE + AFTER)
            w.signalled = True
            proc.send_signal(sig)
            await w.ended()
        await asyncio.wait_for(proc.wait(), GUARD)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    err = (await proc.stderr.read()).decode()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 0, err
    assert "Traceback" not in err, err

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JournalWarning)
        header, entries = read_journal(journal)
    if sig != signal.SIGKILL:
        assert caught == []                     # a graceful stop ends on a complete line
    assert [e["n"] for e in entries] == list(range(1, len(entries) + 1))

    state = _replayed(header, entries)
    ids = {o["id"] for o in state["orders"]}
    lost = [i for i in w.acked if i not in ids]
    assert lost == [], f"{len(lost)} of {len(w.acked)} acknowledged orders are not in the journal"
    placed = [o for o in state["orders"] if o["volume"] == "0.01"]     # the writers' orders
    assert len(w.acked) <= len(placed) <= len(w.acked) + w.failed     # nothing invented

    assert _replayed(header, [e for e in entries if e["n"] <= last_n]) == live
