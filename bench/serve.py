"""A server in its own process, so the client and the server each get a core:

    python -m bench.serve mock|bare [--accounts N]
    python -m bench.serve fanout-mock|fanout-bare [--rate R --count N]

prints one JSON line {"grpc": port, "rest": port, "pid": pid} once it listens, and serves
until its stdin closes (the fan-out kinds drive their book on a "go" line first, see
bench/fanout.py)."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from . import floor
from .world import world


async def _until_stdin_closes() -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def readable():
        if not os.read(sys.stdin.fileno(), 4096) and not done.done():
            done.set_result(None)
    loop.add_reader(sys.stdin.fileno(), readable)
    await done
    loop.remove_reader(sys.stdin.fileno())


def _ready(grpc_port: int, rest_port: int) -> None:
    print(json.dumps({"grpc": grpc_port, "rest": rest_port, "pid": os.getpid()}), flush=True)


async def serve_mock(accounts: int) -> None:
    from mock_lykke.server import MockServer
    from mock_lykke.state import Mock
    server = MockServer(Mock(world(accounts)))
    await server.start()
    _ready(server.grpc_port, server.rest_port)
    await _until_stdin_closes()
    await server.stop()                 # open streams end first (OK), calls get a second


async def serve_bare() -> None:
    grpc_server, grpc_port = await floor.start_grpc(handlers=[floor.grpc_handlers()])
    runner, rest_port = await floor.start_rest()
    _ready(grpc_port, rest_port)
    await _until_stdin_closes()
    await grpc_server.stop(0)
    await runner.cleanup()


async def serve_fanout(kind: str, rate: int, count: int) -> None:
    """A server and the fan-out driver (bench.fanout): waits for "go", drives, prints the
    step times, then serves until stdin closes."""
    from . import fanout
    loop = asyncio.get_running_loop()
    if kind == "fanout-mock":
        from mock_lykke.server import MockServer
        from mock_lykke.state import Mock
        ex = world(2)
        fanout.seed_book(ex)
        server = MockServer(Mock(ex))
        await server.start()
        port, step, stop = server.grpc_port, fanout.mock_stepper(ex), server.stop
    else:
        hub = fanout.BareHub()
        grpc_server, port = await floor.start_grpc(handlers=[floor.book_stream_handler(hub)])
        step = hub.publish

        async def stop():
            hub.close()                             # every stream ends (OK) before the stop
            await grpc_server.stop(1)
            await hub.settle()
    _ready(port, 0)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.readline()                         # "go": every subscriber has its snapshot
    sent = await fanout.drive(step, rate, count)
    print(json.dumps(sent), flush=True)
    await reader.read()                             # until stdin closes
    await stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=("mock", "bare", "fanout-mock", "fanout-bare"))
    p.add_argument("--rate", type=int, default=1000)
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--accounts", type=int, default=64)
    a = p.parse_args()
    if a.kind.startswith("fanout"):
        asyncio.run(serve_fanout(a.kind, a.rate, a.count))
    else:
        asyncio.run(serve_mock(a.accounts) if a.kind == "mock" else serve_bare())


if __name__ == "__main__":
    main()
