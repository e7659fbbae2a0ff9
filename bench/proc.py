"""Start a `bench.serve` server in its own process and wait until it listens.

(Pinning the server and the client to one CPU each was tried: grpcio's threads then share a
core with the event loop, and both mock and floor got slower and noisier; so no pinning.)"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from .procstat import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent       # where `bench` is importable from


class ServerProcess:
    def __init__(self, kind: str, *args: str):
        self.argv = [sys.executable, "-m", "bench.serve", kind, *args]
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
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT)
        line = await self.proc.stdout.readline()            # the ready line
        if not line:
            raise RuntimeError(f"{' '.join(self.argv)} did not start")
        info = json.loads(line)
        self.grpc_port, self.rest_port, self.pid = info["grpc"], info["rest"], info["pid"]
        return self

    async def __aexit__(self, *exc) -> None:
        self.proc.stdin.close()
        await self.proc.wait()
