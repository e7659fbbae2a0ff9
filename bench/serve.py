"""A server in its own process, so the client and the server each get a core:

    python -m bench.serve mock|bare [--accounts N]

prints one JSON line {"grpc": port, "rest": port, "pid": pid} once both listen, and serves
until its stdin closes."""
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


def pin(cpu: int) -> None:
    """Run on one CPU only (threads started later inherit it); no-op where unsupported."""
    if hasattr(os, "sched_setaffinity") and cpu in os.sched_getaffinity(0):
        os.sched_setaffinity(0, {cpu})


def _ready(grpc_port: int, rest_port: int) -> None:
    print(json.dumps({"grpc": grpc_port, "rest": rest_port, "pid": os.getpid()}), flush=True)


async def serve_mock(accounts: int) -> None:
    from mock_lykke.server import MockServer
    from mock_lykke.state import Mock
    server = MockServer(Mock(world(accounts)))
    await server.start()
    _ready(server.grpc_port, server.rest_port)
    await _until_stdin_closes()
    await server.stop(0)


async def serve_bare() -> None:
    grpc_server, grpc_port = await floor.start_grpc(handlers=[floor.grpc_handlers()])
    runner, rest_port = await floor.start_rest()
    _ready(grpc_port, rest_port)
    await _until_stdin_closes()
    await grpc_server.stop(0)
    await runner.cleanup()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=("mock", "bare"))
    p.add_argument("--accounts", type=int, default=64)
    p.add_argument("--cpu", type=int, default=None, help="pin the process to this CPU")
    a = p.parse_args()
    if a.cpu is not None:
        pin(a.cpu)
    asyncio.run(serve_mock(a.accounts) if a.kind == "mock" else serve_bare())


if __name__ == "__main__":
    main()
