"""Dry-run figures: how fast lockstep time runs, and whether latency models deliver what they
are configured to.

    python -m bench.dryrun_bench [--calls 10000] [--no-bot]

- lockstep, no client: an hour of a market maker (1 s) and a taker, clock steps/s, journal
  events/s and virtual/wall time;
- lockstep, a bot (tests/dryrun_bots/price_bot.py in its own process, through the runner):
  virtual/wall time and events/s over 20 minutes;
- latency: `calls` GetBalances calls with a lognormal request leg (median 2 ms, sigma
  0.5): in lockstep (100 in flight) the clock time from arrival to the engine, in realtime
  the wall time of each call (one at a time) minus the same calls without latency; p50 / p99
  against the model's.
Prints one JSON object.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc

from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import privateService_pb2_grpc as pvg
from mock_lykke.scenario import build_mock, load_text
from mock_lykke.server import MockServer

MEDIAN, SIGMA = 2.0, 0.5
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from dryrun_support import WORLD as BOT_WORLD, price_bot  # noqa: E402  (the tests' bot set-up)

WORLD = """
version: 1
seed: 1
clock: {mode: MODE, quiet: 0ms, warmup: 0ms, until: 1h}
assets: [{assetId: BTC, accuracy: 8}, {assetId: USD, accuracy: 2}]
assetPairs: [{assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}]
accounts:
  - {name: trader, apiKey: trader-key, balances: {BTC: "1000", USD: "100000000"}}
  - {name: market, apiKey: market-key, balances: {BTC: "1000", USD: "100000000"}}
  - {name: flow, apiKey: flow-key, balances: {BTC: "1000", USD: "100000000"}}
market:
  - {kind: marketMaker, account: market, assetPairId: BTCUSD, mid: "10000", levelVolume: "1"}
  - {kind: taker, account: flow, assetPairId: BTCUSD, every: 3s, volume: ["0.01", "0.5"]}
latency: LATENCY
"""
LATENCY = f"[{{method: GetBalances, request: {{lognormal: {{median: {MEDIAN}ms, " \
          f"sigma: {SIGMA}}}}}}}]"


def world(mode: str, latency: bool = False, market: bool = True):
    text = WORLD.replace("MODE", mode).replace("LATENCY", LATENCY if latency else "[]")
    if not market:                          # calls only: no timers, no end
        text = text.split("market:\n")[0] + "latency: " + (LATENCY if latency else "[]") + "\n"
        text = text.replace(", until: 1h", "")
    return build_mock(load_text(text), track=["market"])


async def lockstep_alone() -> dict:
    mock = world("lockstep")
    clock = mock.exchange.clock
    done = asyncio.Event()
    clock.on_limit = done.set
    clock.probe = None
    async with MockServer(mock):
        clock.release()
        t0 = time.perf_counter()
        await done.wait()
        wall = time.perf_counter() - t0
    return {"lockstep_alone_steps_per_s": round(clock.steps / wall),
            "lockstep_alone_events_per_s": round(mock.controller.journal.count / wall),
            "lockstep_alone_virtual_per_wall": round(3600 / wall)}


def lockstep_bot() -> dict:
    from mock_lykke.dryrun.run import DryRun, Options
    with tempfile.TemporaryDirectory() as tmp:
        opts = Options(scenario=str(BOT_WORLD), until="20m", command=price_bot(),
                       journal=str(Path(tmp) / "j.jsonl"), progress=False)
        run = DryRun(opts)
        result = asyncio.run(run.run())
        count = run.mock.controller.journal.count
    return {"lockstep_bot_virtual_per_wall": round(1200 / result.wall_s),
            "lockstep_bot_events_per_s": round(count / result.wall_s),
            "lockstep_bot_wall_s": round(result.wall_s, 2)}


def quantiles(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[98]


async def call_many(mock, calls: int, in_flight: int = 100) -> list[float]:
    """Wall seconds of each of `calls` GetBalances calls (cheap, and the book stays as it
    is, so only transport and latency are measured)."""
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        priv = pvg.PrivateServiceStub(ch)
        meta = (("authorization", "Bearer trader-key"),)
        await priv.GetBalances(Empty(), metadata=meta)            # connected
        times: list[float] = []
        todo = iter(range(calls))

        async def worker():
            for _ in todo:
                t0 = time.perf_counter()
                await priv.GetBalances(Empty(), metadata=meta)
                times.append(time.perf_counter() - t0)
        await asyncio.gather(*(worker() for _ in range(in_flight)))
    return times


def latency(calls: int) -> dict:
    model_p50, model_p99 = MEDIAN, MEDIAN * math.exp(2.3263 * SIGMA)
    out = {"latency_calls": calls, "latency_model_p50_ms": round(model_p50, 3),
           "latency_model_p99_ms": round(model_p99, 3)}
    mock = world("lockstep", latency=True, market=False)
    asyncio.run(call_many(mock, calls))
    legs = [e["args"]["engine"] - e["args"]["arrived"] for e in mock.controller.journal.entries
            if e["cmd"] == "call" and e["args"]["method"] == "GetBalances"]
    p50, p99 = quantiles(legs[-calls:])
    out.update(latency_lockstep_p50_ms=p50, latency_lockstep_p99_ms=p99)
    base = asyncio.run(call_many(world("realtime", market=False), calls, 1))
    slow = asyncio.run(call_many(world("realtime", latency=True, market=False), calls, 1))
    b50, b99 = quantiles(base)
    s50, s99 = quantiles(slow)
    out.update(latency_realtime_base_p50_ms=round(b50 * 1000, 3),
               latency_realtime_added_p50_ms=round((s50 - b50) * 1000, 3),
               latency_realtime_added_p99_ms=round((s99 - b99) * 1000, 3))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=10_000)
    p.add_argument("--no-bot", action="store_true")
    args = p.parse_args()
    out = asyncio.run(lockstep_alone())
    if not args.no_bot:
        out.update(lockstep_bot())
    out.update(latency(args.calls))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
