"""Fixture start + stop against the floor: starting and stopping a bare grpc.aio server and
a bare aiohttp app on ephemeral ports.

Mock cycles: the pytest fixture's own path (`mock_lykke.testing.AsyncLykke`: the default
scenario, read once per process, on a virtual clock), and what it does spelled out with a
plain `MockServer` (every gRPC method registered with grpc): `build_mock(default_scenario())`
on every start (a fresh copy of the default, read once per process) and `build_mock` of one
Scenario object. And its two parts alone: the servers (`MockServer(quick_start=True)` over a
world built beforehand) and the world (`build_mock`, no servers). Pass another `cycle`
coroutine function to measure another path."""
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


class ServersOnly:
    """MockServer(quick_start=True) start + stop over worlds built before the timing."""

    def __init__(self):
        from mock_lykke.scenario import build_mock, default_scenario
        self._scenario = default_scenario()
        self._build = build_mock
        self._worlds: list = []

    def prepare(self, n: int) -> None:
        self._worlds = [self._build(self._scenario) for _ in range(n)]

    async def cycle(self) -> None:
        from mock_lykke.server import MockServer
        server = MockServer(self._worlds.pop(), quick_start=True)
        await server.start()
        await server.stop()


def world_cycle_factory() -> Cycle:
    from mock_lykke.scenario import build_mock, default_scenario
    scenario = default_scenario()

    async def cycle() -> None:
        build_mock(scenario)
    return cycle


async def fixture_cycle() -> None:
    from mock_lykke.testing import AsyncLykke
    async with AsyncLykke():
        pass


async def _time(cycle: Cycle, n: int) -> tuple[float, float]:
    """Wall and CPU (this process, every thread: grpc's too) seconds per cycle."""
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        await cycle()
    return (time.perf_counter() - t0) / n, (time.process_time() - c0) / n


async def measure(rounds: int = 7, per_round: int = 10, cycle: Cycle | None = None) -> dict:
    """Alternating rounds; medians of the per-cycle times."""
    servers = ServersOnly()
    cycles = {"bare": bare_cycle, "fixture": cycle or fixture_cycle,
              "mock": mock_cycle_factory(False), "mock_cached": mock_cycle_factory(True),
              "servers": servers.cycle, "world": world_cycle_factory()}
    servers.prepare(1)
    for c in cycles.values():                   # warm up imports and first-use caches
        await c()
    times: dict[str, list[float]] = {k: [] for k in cycles}
    cpu: dict[str, list[float]] = {k: [] for k in cycles}
    for _ in range(rounds):
        servers.prepare(per_round)
        for k, c in cycles.items():
            wall, used = await _time(c, per_round)
            times[k].append(wall)
            cpu[k].append(used)
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    floor_s = med["bare"]
    return {"startup_fixture_cpu_ms": round(cpu_med["fixture"] * 1000, 2),
            "startup_floor_cpu_ms": round(cpu_med["bare"] * 1000, 2),
            "startup_cpu_ratio": round(cpu_med["fixture"] / cpu_med["bare"], 2),
            "startup_fixture_ms": round(med["fixture"] * 1000, 2),
            "startup_mock_ms": round(med["mock"] * 1000, 2),
            "startup_mock_cached_scenario_ms": round(med["mock_cached"] * 1000, 2),
            "startup_servers_ms": round(med["servers"] * 1000, 2),
            "startup_world_ms": round(med["world"] * 1000, 2),
            "startup_floor_ms": round(floor_s * 1000, 2),
            "startup_ratio": round(med["fixture"] / floor_s, 2),
            "startup_uncached_ratio": round(med["mock"] / floor_s, 2),
            "startup_cached_ratio": round(med["mock_cached"] / floor_s, 2),
            "startup_servers_ratio": round(med["servers"] / floor_s, 2),
            "startup_world_ratio": round(med["world"] / floor_s, 2)}


if __name__ == "__main__":
    import json
    print(json.dumps(asyncio.run(measure()), indent=2))
