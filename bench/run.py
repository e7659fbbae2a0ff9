"""Every benchmark, each against its floor in the same run: one JSON object on stdout, and a
table of the goals on stderr.

    python -m bench                 # the default run (about 2-3 minutes on 2 cores)
    python -m bench --million       # memory with 1 M resting orders as well
    python -m bench --only engine,memory
"""
from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time

from . import bodies, dashboard, engine, fanout, replay, sessions, startup, transport

GOALS = [  # (label, key, goal text, met(value))
    ("gRPC place+cancel / floor", "grpc_ratio", ">= 0.85", lambda v: v >= 0.85),
    ("  floor / mock server CPU per call", "grpc_server_cpu_ratio", ">= 0.85",
     lambda v: v >= 0.85),
    ("REST place+cancel / floor", "rest_ratio", ">= 0.85", lambda v: v >= 0.85),
    ("  floor / mock server CPU per call", "rest_server_cpu_ratio", ">= 0.85",
     lambda v: v >= 0.85),
    ("engine mixed ops/s / gRPC calls/s", "engine_to_grpc_ratio", ">= 50", lambda v: v >= 50),
    ("  place+cancel only (the gRPC flow)", "engine_place_cancel_to_grpc_ratio", ">= 50",
     lambda v: v >= 50),
    ("fixture start+stop / floor", "startup_ratio", "<= 1.3", lambda v: v <= 1.3),
    ("  CPU per cycle, every thread", "startup_cpu_ratio", "<= 1.3", lambda v: v <= 1.3),
    ("  the servers alone (world built before)", "startup_servers_ratio", "<= 1.3",
     lambda v: v <= 1.3),
    ("  the world alone (build_mock)", "startup_world_ratio", "<= 1.3", lambda v: v <= 1.3),
    ("  build_mock(default_scenario()) + MockServer", "startup_uncached_ratio", "<= 1.3",
     lambda v: v <= 1.3),
    ("session create+delete / fixture start+stop", "sessions_create_delete_ratio", "<= 2",
     lambda v: v <= 2),
    ("replay events/s (engine events)", "replay_events_per_s", ">= 100000",
     lambda v: v >= 100_000),
    ("replay events/s (changes)", "replay_changes_per_s", ">= 100000", lambda v: v >= 100_000),
    ("bytes per resting order (200 k)", "bytes_per_resting_order", "<= 300", lambda v: v <= 300),
    ("bytes per resting order (1 M)", "bytes_per_resting_order_1m", "<= 300", lambda v: v <= 300),
    ("book fan-out p99 ms (100 subs, 1 k/s)", "fanout_mock_p99_ms", "<= 5", lambda v: v <= 5),
    ("  floor (bare grpc.aio), same load", "fanout_floor_p99_ms", "<= 5", lambda v: v <= 5),
    ("book fan-out p99 ms (100 subs, 50/s)", "fanout_low_mock_p99_ms", "<= 5",
     lambda v: v <= 5),
    ("  floor (bare grpc.aio), same load", "fanout_low_floor_p99_ms", "<= 5",
     lambda v: v <= 5),
    ("dashboard open/closed, calls per CPU s", "dashboard_server_cpu_ratio",
     ">= 0.9", lambda v: v >= 0.9),
    ("  gRPC calls/s (wall), open / closed", "dashboard_throughput_ratio", ">= 0.9",
     lambda v: v >= 0.9),
]
PARTS = ("engine", "memory", "transport", "startup", "sessions", "replay", "fanout", "dashboard",
         "bodies")


def table(out: dict) -> str:
    rows = [f"{'figure':40s} {'value':>12s} {'goal':>10s}  met"]
    for label, key, goal, met in GOALS:
        if key in out:
            v = out[key]
            rows.append(f"{label:40s} {v:>12} {goal:>10s}  {'yes' if met(v) else 'NO'}")
    return "\n".join(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--only", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)}")
    p.add_argument("--million", action="store_true", help="memory with 1 M resting orders too")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (transport)")
    a = p.parse_args(argv)
    parts = set(a.only.split(","))
    t0 = time.perf_counter()
    out: dict = {"python": platform.python_version(), "machine": platform.machine()}
    if "engine" in parts:
        out.update(engine.mixed_flow())
        out.update(engine.mixed_flow(listener=True, prefix="engine_with_events"))
        out.update(engine.place_cancel())
    if "memory" in parts:
        out.update(engine.memory_per_resting_order(200_000))
        if a.million:
            m = engine.memory_per_resting_order(1_000_000)
            out["bytes_per_resting_order_1m"] = m["bytes_per_resting_order"]
    if "transport" in parts:
        out.update(asyncio.run(transport.measure(rounds=a.rounds)))
    if "engine_ops_per_s" in out and "grpc_mock_calls_per_s" in out:
        grpc_rate = out["grpc_mock_calls_per_s"]
        out["engine_to_grpc_ratio"] = round(out["engine_ops_per_s"] / grpc_rate, 1)
        out["engine_place_cancel_to_grpc_ratio"] = round(
            out["engine_place_cancel_ops_per_s"] / grpc_rate, 1)
    if "startup" in parts:
        out.update(asyncio.run(startup.measure()))
    if "sessions" in parts:
        out.update(asyncio.run(sessions.measure()))
    if "replay" in parts:
        out.update(replay.measure())
    if "fanout" in parts:
        out.update(asyncio.run(fanout.measure()))
    if "dashboard" in parts:
        out.update(asyncio.run(dashboard.measure(rounds=a.rounds)))
    if "bodies" in parts:
        out.update(asyncio.run(bodies.measure(runs=1)))
    out["bench_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, indent=2))
    print(table(out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
