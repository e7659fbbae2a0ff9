"""What an open dashboard costs the mock: gRPC place+cancel throughput and server CPU per call
with a page's event stream open (GET /_mock/ui/events, read as fast as it comes) and without,
on the same server, in alternating rounds.

The server is `bench.serve mock` (its own process); a control call first gives it a Controller
and so a journal, as `mock-lykke serve` has, so that the page is sent journal entries too. The
"page" is an SSE reader in the client process (the server's side of a page: the listener, the
frames, their encoding and writing); a real browser would add its own CPU on a shared machine,
which is not the mock's cost.

On a shared 2-core machine the wall-clock rates move by tens of percent between rounds; the
server's CPU time per call (closed / open: the mock's own calls per CPU second with a page open,
relative to without) is the steady figure."""
from __future__ import annotations

import asyncio
import statistics

import aiohttp
import grpc

from mock_lykke.proto import privateService_pb2_grpc
from .proc import ServerProcess
from .transport import ACCOUNTS, _grpc_run, _timed


async def _reader(http: aiohttp.ClientSession, url: str, seen: dict, opened: asyncio.Event):
    async with http.get(url + "/_mock/ui/events") as resp:
        opened.set()
        async for chunk in resp.content.iter_any():
            seen["bytes"] += len(chunk)
            seen["frames"] += chunk.count(b"event: ")


async def measure(rounds: int = 5, workers: int = 32, pairs: int = 120) -> dict:
    async with ServerProcess("mock", "--accounts", str(ACCOUNTS)) as mock, \
            aiohttp.ClientSession() as http:
        async with http.get(mock.rest_url + "/_mock/health") as r:     # a journal, as serve
            assert r.status == 200
        channel = grpc.aio.insecure_channel(mock.grpc_target)
        stub = privateService_pb2_grpc.PrivateServiceStub(channel)
        try:
            await _grpc_run(stub, workers, 5, check=True)               # warm up
            results, seen = [], {"bytes": 0, "frames": 0}
            page_seconds = 0.0
            for i in range(rounds):
                row = {}
                for mode in (("closed", "open") if i % 2 == 0 else ("open", "closed")):
                    if mode == "closed":
                        row[mode] = await _timed(mock, lambda: _grpc_run(stub, workers, pairs,
                                                                         False))
                        continue
                    opened = asyncio.Event()
                    task = asyncio.create_task(_reader(http, mock.rest_url, seen, opened))
                    await opened.wait()
                    row[mode] = await _timed(mock, lambda: _grpc_run(stub, workers, pairs,
                                                                     False))
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        pass
                    page_seconds += 2 * workers * pairs / row[mode]["calls_per_s"]
                results.append(row)
        finally:
            await channel.close()

    def med(mode, field):
        return statistics.median(r[mode][field] for r in results)
    return {
        "dashboard_closed_calls_per_s": round(med("closed", "calls_per_s")),
        "dashboard_open_calls_per_s": round(med("open", "calls_per_s")),
        "dashboard_throughput_ratio": round(med("open", "calls_per_s")
                                            / med("closed", "calls_per_s"), 3),
        "dashboard_closed_server_us_per_call": round(med("closed", "server_us_per_call"), 1),
        "dashboard_open_server_us_per_call": round(med("open", "server_us_per_call"), 1),
        "dashboard_server_cpu_ratio": round(med("closed", "server_us_per_call")
                                            / med("open", "server_us_per_call"), 3),
        "dashboard_page_frames_per_s": round(seen["frames"] / page_seconds, 1),
        "dashboard_page_kbytes_per_s": round(seen["bytes"] / page_seconds / 1000, 1),
    }


if __name__ == "__main__":               # python -m bench.dashboard [--rounds N]
    import argparse
    import json
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    print(json.dumps(asyncio.run(measure(rounds=a.rounds)), indent=2))
