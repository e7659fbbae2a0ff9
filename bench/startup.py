"""Fixture start + stop against the floor: starting and stopping a bare grpc.aio server and
a bare aiohttp app on ephemeral ports.

Three mock cycles: the pytest fixture's own path (`mock_lykke.testing.AsyncLykke`: the default
scenario, parsed once per process, on a virtual clock), and what it does spelled out, with the
default scenario parsed on every start and parsed once (`build_mock`, `MockServer.start()`,
`stop()`). Pass another `cycle` coroutine function to measure another path."""
from __future__ import annotations

import asyncio
import statistics
import time
from typing import Awaitable, Callable

from . import floor

Cycle = Callable[[], Awaitable[None]]


async def bare_cycle() -> None:
    server, _ = await floor.start_grpc(handlers=[floor.grpc_handlers()])
    runner, _ = await floor.start_rest()
    await server.stop(None)
    await runner.cleanup()


def mock_cycle_factory(cached_scenario: bool) -> Cycle:
    from mock_lykke.scenario import build_mock, default_scenario
    from mock_lykke.server import MockServer
    scenario = default_scenario() if cached_scenario else None

    async def cycle() -> None:
        mock = build_mock(scenario or default_scenario())
        server = MockServer(mock)
        await server.start()
        await server.stop()
    return cycle


async def fixture_cycle() -> None:
    from mock_lykke.testing import AsyncLykke
    async with AsyncLykke():
        pass


async def _time(cycle: Cycle, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        await cycle()
    return (time.perf_counter() - t0) / n


async def measure(rounds: int = 5, per_round: int = 6, cycle: Cycle | None = None) -> dict:
    """Alternating rounds; medians of the per-cycle times."""
    cycles = {"bare": bare_cycle, "fixture": cycle or fixture_cycle,
              "mock": mock_cycle_factory(False), "mock_cached": mock_cycle_factory(True)}
    for c in cycles.values():                   # warm up imports and first-use caches
        await c()
    times: dict[str, list[float]] = {k: [] for k in cycles}
    for _ in range(rounds):
        for k, c in cycles.items():
            times[k].append(await _time(c, per_round))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"startup_fixture_ms": round(med["fixture"] * 1000, 2),
            "startup_mock_ms": round(med["mock"] * 1000, 2),
            "startup_mock_cached_scenario_ms": round(med["mock_cached"] * 1000, 2),
            "startup_floor_ms": round(med["bare"] * 1000, 2),
            "startup_ratio": round(med["fixture"] / med["bare"], 2),
            "startup_uncached_ratio": round(med["mock"] / med["bare"], 2),
            "startup_cached_ratio": round(med["mock_cached"] / med["bare"], 2)}


if __name__ == "__main__":
    import json
    print(json.dumps(asyncio.run(measure()), indent=2))
