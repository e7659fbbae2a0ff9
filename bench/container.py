"""The container image: its size, and the time from `podman run` to healthy (both ports serve,
scenario loaded, as `mock-lykke health` sees it from the host through the published ports),
against the same `mock-lykke serve` started as a plain process on the host.

    KEEP_IMAGE=1 ci/container-test.sh          # builds localhost/mock-lykke:test and keeps it
    python -m bench.container [--image IMAGE] [--rounds 5]

Not part of `python -m bench` (it needs podman and a built image). Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEALTH = [sys.executable, "-m", "mock_lykke.cli", "health", "--quiet", "--timeout", "60"]


def podman_env(folder: str) -> dict:
    """runc on hybrid cgroups (crun refuses them), as ci/container-test.sh does."""
    env = dict(os.environ)
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        return env
    conf = Path(folder, "containers.conf")
    conf.write_text('[engine]\nruntime = "runc"\n')
    env["CONTAINERS_CONF"] = str(conf)
    return env


def ulimits() -> list[str]:
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", "nproc=4096:4096"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(grpc_port: int, rest_port: int) -> None:
    subprocess.run([*HEALTH, "--grpc", f"127.0.0.1:{grpc_port}",
                    "--rest", f"http://127.0.0.1:{rest_port}"], check=True)


def container_round(image: str, env: dict) -> float:
    grpc_port, rest_port = free_port(), free_port()
    name = f"mock-lykke-bench-{os.getpid()}"
    start = time.perf_counter()
    subprocess.run(["podman", "run", "-d", "--name", name, *ulimits(),
                    "-p", f"127.0.0.1:{rest_port}:5000", "-p", f"127.0.0.1:{grpc_port}:5001",
                    image], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    try:
        wait_healthy(grpc_port, rest_port)
        return time.perf_counter() - start
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "0", name], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def process_round() -> float:
    grpc_port, rest_port = free_port(), free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mock_lykke.cli", "serve", "--grpc-port",
                             str(grpc_port), "--rest-port", str(rest_port)],
                            stdout=subprocess.DEVNULL)
    try:
        wait_healthy(grpc_port, rest_port)
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.container")
    p.add_argument("--image", default="localhost/mock-lykke:test")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        env = podman_env(folder)
        size = int(subprocess.run(["podman", "image", "inspect", "--format", "{{.Size}}",
                                   args.image], env=env, check=True, capture_output=True,
                                  text=True).stdout)
        container, process = [], []
        for _ in range(args.rounds):          # alternate, so load changes hit both alike
            container.append(container_round(args.image, env))
            process.append(process_round())
    out = {"image_mb": round(size / 1e6, 1),
           "container_start_to_healthy_s": {"median": round(statistics.median(container), 2),
                                            "min": round(min(container), 2),
                                            "max": round(max(container), 2)},
           "process_start_to_healthy_s": {"median": round(statistics.median(process), 2),
                                          "min": round(min(process), 2),
                                          "max": round(max(process), 2)},
           "rounds": args.rounds}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
