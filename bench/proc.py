"""Start a `bench.serve` server in its own process and wait until it listens.

With two CPUs or more, the server is pinned to the last one and the client (this process,
see `pin_client`) to the first, so the two do not fight over a core and rounds compare."""
from __future__ import annotations

import asyncio
import json
import os
import sys

from .procstat import cpu_seconds


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def pin_client() -> None:
    """Pin this process to the first CPU (call before any gRPC channel exists)."""
    c = cpus()
    if len(c) >= 2:
        os.sched_setaffinity(0, {c[0]})


def server_cpu() -> list[str]:
    c = cpus()
    return ["--cpu", str(c[-1])] if len(c) >= 2 else []


class ServerProcess:
    def __init__(self, kind: str, *args: str):
        self.argv = [sys.executable, "-m", "bench.serve", kind, *args, *server_cpu()]
        self.proc: asyncio.subprocess.Process | None = None
        self.grpc_port = self.rest_port = self.pid = 0

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    async def __aenter__(self) -> "ServerProcess":
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        line = await self.proc.stdout.readline()            # the ready line
        if not line:
            raise RuntimeError(f"{' '.join(self.argv)} did not start")
        info = json.loads(line)
        self.grpc_port, self.rest_port, self.pid = info["grpc"], info["rest"], info["pid"]
        return self

    async def __aexit__(self, *exc) -> None:
        self.proc.stdin.close()
        await self.proc.wait()
