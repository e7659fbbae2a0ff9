"""The pytest fixture's set-up + tear-down against the floor (a bare grpc.aio server and a
bare aiohttp app started and stopped on ephemeral ports, as in bench/startup.py).

- async: `async with AsyncLykke(): pass` on the running loop (an `async def` test's fixture)
- sync: `with Lykke(): pass` from plain code (a sync test's fixture: background loop thread)
- reset: `lykke.reset()` of a running mock (the per-module fixture's way to a fresh world)

Scenarios: the embedded default (3 pairs, market makers quoting at load) and
scenarios/basic.yaml (one pair, four resting orders), each read once per process as the
fixture does. Alternating rounds; medians of the per-cycle times; JSON on stdout.

    python -m bench.fixture_cost [--rounds 5] [--per-round 10]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

from mock_lykke.testing import AsyncLykke, Lykke

from .startup import bare_cycle

BASIC = Path(__file__).resolve().parents[1] / "scenarios" / "basic.yaml"


async def _async_loop(cycle, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        await cycle()
    return (time.perf_counter() - t0) / n


def _fixture_async(scenario):
    async def cycle():
        async with AsyncLykke(scenario):
            pass
    return cycle


def _fixture_sync(scenario, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        with Lykke(scenario):
            pass
    return (time.perf_counter() - t0) / n


async def _reset(scenario, n: int) -> float:
    async with AsyncLykke(scenario) as lykke:
        t0 = time.perf_counter()
        for _ in range(n):
            lykke.reset()
        return (time.perf_counter() - t0) / n


def measure(rounds: int = 5, per_round: int = 10) -> dict:
    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    cycles = {
        "floor": lambda n: run(_async_loop(bare_cycle, n)),
        "async": lambda n: run(_async_loop(_fixture_async(None), n)),
        "async_basic": lambda n: run(_async_loop(_fixture_async(BASIC), n)),
        "sync": lambda n: _fixture_sync(None, n),
        "sync_basic": lambda n: _fixture_sync(BASIC, n),
        "reset": lambda n: run(_reset(None, n)),
        "reset_basic": lambda n: run(_reset(BASIC, n)),
    }
    try:
        for cycle in cycles.values():           # warm up: imports, scenarios read once
            cycle(2)
        times: dict[str, list[float]] = {k: [] for k in cycles}
        for _ in range(rounds):
            for k, cycle in cycles.items():
                times[k].append(cycle(per_round))
    finally:
        loop.close()
    ms = {k: statistics.median(v) * 1000 for k, v in times.items()}
    floor = ms.pop("floor")
    out = {f"fixture_{k}_ms": round(v, 2) for k, v in ms.items()}
    out["fixture_floor_ms"] = round(floor, 2)
    for k in ("async", "async_basic", "sync", "sync_basic"):
        out[f"fixture_{k}_ratio"] = round(ms[k] / floor, 2)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.fixture_cost",
                                description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--per-round", type=int, default=10)
    a = p.parse_args(argv)
    print(json.dumps(measure(a.rounds, a.per_round), indent=2))


if __name__ == "__main__":
    main()
