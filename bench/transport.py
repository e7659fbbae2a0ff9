"""Place + cancel round trips through the mock and through the bare floor, with the same
client, concurrency and messages, in alternating rounds.

A round trip is one call (PlaceLimitOrder or CancelOrder; POST /api/orders/limit or
DELETE /api/orders/{id}); each worker places a non-crossing buy and cancels it, again and
again. The servers run in their own process (one core each for client and server); the
server's CPU time per call is reported too, since on 2 cores a slow client would cap both
rates alike."""
from __future__ import annotations

import asyncio
import statistics
import time

import aiohttp
import grpc

from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc
from .proc import ServerProcess
from .procstat import cpu_seconds
from .world import PAIR, key

ACCOUNTS = 64


async def _timed(server: ServerProcess, run) -> dict:
    cpu0, me0, t0 = server.cpu(), cpu_seconds(), time.perf_counter()
    calls = await run()
    wall = time.perf_counter() - t0
    server_cpu, client_cpu = server.cpu() - cpu0, cpu_seconds() - me0
    return {"calls_per_s": calls / wall, "server_us_per_call": server_cpu / calls * 1e6,
            "client_us_per_call": client_cpu / calls * 1e6}


# --- gRPC -------------------------------------------------------------------------------
async def _grpc_run(stub, workers: int, pairs: int, check: bool) -> int:
    req = pv.LimitOrderRequest(assetPairId=PAIR, side=pv.buy, volume="0.001", price="5000")

    async def worker(i: int) -> None:
        md = (("authorization", f"Bearer {key(i % ACCOUNTS)}"),)
        for _ in range(pairs):
            placed = await stub.PlaceLimitOrder(req, metadata=md)
            cancelled = await stub.CancelOrder(pv.CancelOrderRequest(
                orderId=placed.payload.orderId), metadata=md)
            if check and (placed.HasField("error") or cancelled.HasField("error")):
                raise RuntimeError(f"unexpected error: {placed} {cancelled}")
    await asyncio.gather(*(worker(i) for i in range(workers)))
    return 2 * workers * pairs


# --- REST -------------------------------------------------------------------------------
async def _rest_run(http: aiohttp.ClientSession, url: str, workers: int, pairs: int,
                    check: bool) -> int:
    body = {"assetPairId": PAIR, "side": "buy", "volume": 0.001, "price": 5000}

    async def worker(i: int) -> None:
        headers = {"Authorization": f"Bearer {key(i % ACCOUNTS)}"}
        for _ in range(pairs):
            async with http.post(url + "/api/orders/limit", json=body, headers=headers) as r:
                placed = await r.json()
            order_id = placed["payload"]["orderId"]
            async with http.delete(f"{url}/api/orders/{order_id}", headers=headers) as r:
                cancelled = await r.json()
            if check and (placed.get("error") or cancelled.get("error")):
                raise RuntimeError(f"unexpected error: {placed} {cancelled}")
    await asyncio.gather(*(worker(i) for i in range(workers)))
    return 2 * workers * pairs


# --- side by side -------------------------------------------------------------------------
def _summary(rounds: list[dict], prefix: str) -> dict:
    def med(kind, field):
        return statistics.median(r[kind][field] for r in rounds)
    ratio = statistics.median(r["mock"]["calls_per_s"] / r["bare"]["calls_per_s"]
                              for r in rounds)
    return {
        f"{prefix}_mock_calls_per_s": round(med("mock", "calls_per_s")),
        f"{prefix}_floor_calls_per_s": round(med("bare", "calls_per_s")),
        f"{prefix}_ratio": round(ratio, 3),
        f"{prefix}_mock_server_us_per_call": round(med("mock", "server_us_per_call"), 1),
        f"{prefix}_floor_server_us_per_call": round(med("bare", "server_us_per_call"), 1),
        f"{prefix}_server_cpu_ratio": round(med("bare", "server_us_per_call")
                                            / med("mock", "server_us_per_call"), 3),
        f"{prefix}_client_us_per_call": round(med("mock", "client_us_per_call"), 1),
    }


async def measure(rounds: int = 5, workers: int = 32, pairs: int = 30,
                  fronts: tuple[str, ...] = ("grpc", "rest")) -> dict:
    """Each front, `rounds` alternating rounds each of workers x pairs place+cancel pairs."""
    out = {}
    async with ServerProcess("mock", "--accounts", str(ACCOUNTS)) as mock, \
            ServerProcess("bare") as bare:
        servers = {"mock": mock, "bare": bare}
        if "grpc" in fronts:
            out.update(await _grpc_rounds(servers, rounds, workers, pairs))
        if "rest" in fronts:
            out.update(await _rest_rounds(servers, rounds, workers, pairs))
    out["transport_workers"] = workers
    return out


async def _grpc_rounds(servers: dict, rounds: int, workers: int, pairs: int) -> dict:
    chans = {k: grpc.aio.insecure_channel(s.grpc_target) for k, s in servers.items()}
    stubs = {k: privateService_pb2_grpc.PrivateServiceStub(c) for k, c in chans.items()}
    try:
        for k in servers:                               # warm up, and check for errors
            await _grpc_run(stubs[k], workers, 5, check=True)
        results = []
        for _ in range(rounds):
            results.append({k: await _timed(servers[k], lambda k=k: _grpc_run(
                stubs[k], workers, pairs, False)) for k in ("bare", "mock")})
        return _summary(results, "grpc")
    finally:
        for c in chans.values():
            await c.close()


async def _rest_rounds(servers: dict, rounds: int, workers: int, pairs: int) -> dict:
    connector = aiohttp.TCPConnector(limit=workers)
    async with aiohttp.ClientSession(connector=connector) as http:
        for k, s in servers.items():                    # warm up, and check for errors
            await _rest_run(http, s.rest_url, workers, 5, check=True)
        results = []
        for _ in range(rounds):
            results.append({k: await _timed(servers[k], lambda k=k: _rest_run(
                http, servers[k].rest_url, workers, pairs, False)) for k in ("bare", "mock")})
        return _summary(results, "rest")


if __name__ == "__main__":               # python -m bench.transport [grpc] [rest] [--rounds N]
    import argparse
    import json
    p = argparse.ArgumentParser()
    p.add_argument("fronts", nargs="*", choices=("grpc", "rest"), default=["grpc", "rest"])
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    print(json.dumps(asyncio.run(measure(rounds=a.rounds, fronts=tuple(a.fronts))), indent=2))
