"""Order-book stream fan-out: `subs` subscribers of GetOrderbookUpdates(BTCUSD), one book
change every 1/rate s, delivery latency from the engine command to the subscriber's read.

The server process (bench.serve fanout-mock / fanout-bare) runs the driver: each step it
advances the virtual clock 1 ms and changes the book (place, then cancel, a bid), so the
diff's timestamp says which step it is; it notes time.perf_counter() (CLOCK_MONOTONIC on
Linux, the same clock in every process) at each step and prints the list at the end. The
floor is a bare grpc.aio server that puts one canned, pre-serialized diff a step into every
subscriber's asyncio.Queue."""
from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from decimal import Decimal

import grpc

from mock_lykke.engine.clock import DEFAULT_START
from mock_lykke.proto import publicService_pb2 as pb, publicService_pb2_grpc
from .proc import ServerProcess

PAIR = "BTCUSD"


# --- server side (runs in bench.serve) ----------------------------------------------------
class BareHub:
    def __init__(self):
        self.queues: list[asyncio.Queue] = []
        self.tasks: set[asyncio.Task] = set()      # the stream handlers' tasks

    def subscribe(self) -> asyncio.Queue:
        task = asyncio.current_task()
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        q: asyncio.Queue = asyncio.Queue()
        q.put_nowait(_diff(0))                      # a snapshot
        self.queues.append(q)
        return q

    def unsubscribe(self, q) -> None:
        if q in self.queues:
            self.queues.remove(q)

    def close(self) -> None:
        """End every subscriber's stream (its handler returns on None)."""
        for q in self.queues:
            q.put_nowait(None)

    async def settle(self) -> None:
        """Every handler's task has ended (after the server's stop; as MockServer.stop: else
        grpc.aio prints a CancelledError traceback for a call whose end the loop's close cut)."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=2)

    def publish(self, step: int) -> None:
        data = _diff(step)
        for q in self.queues:
            q.put_nowait(data)


def _diff(step: int) -> bytes:
    ms = DEFAULT_START + step
    msg = pb.Orderbook(assetPairId=PAIR, bids=[pb.Orderbook.PriceVolume(
        p=str(9000 + step % 20), v="0.001")])
    msg.timestamp.FromMilliseconds(ms)
    return msg.SerializeToString()


def seed_book(ex) -> None:
    """Twenty resting orders a side, so a diff is computed against a real book."""
    maker = ex.account("a0")
    for i in range(20):
        ex.place_limit(maker, PAIR, "sell", Decimal("0.01"), Decimal(10_010 + i))
        ex.place_limit(maker, PAIR, "buy", Decimal("0.01"), Decimal(9_950 - i))


async def drive(step, rate: int, count: int) -> list[float]:
    """step(i) `count` times at `rate` per second (catching up when late)."""
    sent = []
    t0 = time.perf_counter()
    for i in range(1, count + 1):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(time.perf_counter())
        step(i)
    return sent


def mock_stepper(ex):
    trader = ex.account("a1")
    placed: list[str] = []

    def step(i: int) -> None:
        ex.clock.advance(1)                         # the diff's timestamp = start + i
        if i % 2:
            placed.append(ex.place_limit(trader, PAIR, "buy", Decimal("0.001"),
                                         Decimal(9_960 + i % 20)))
        else:
            ex.cancel_order(trader, placed.pop())
    return step


# --- client side --------------------------------------------------------------------------
async def _subscriber(stub, got: list, ready: asyncio.Event, remaining: list, count: int):
    call = stub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId=PAIR))
    await call.read()                               # the snapshot
    remaining[0] -= 1
    if not remaining[0]:
        ready.set()
    try:
        while (msg := await call.read()) is not grpc.aio.EOF:
            step = msg.timestamp.ToMilliseconds() - DEFAULT_START
            got.append((step, time.perf_counter()))
            if step >= count:
                break
    except grpc.aio.AioRpcError:
        pass                                        # dropped (fell behind): counted as lost
    call.cancel()


async def run_one(kind: str, subs: int, rate: int, count: int, channels: int = 4) -> dict:
    async with ServerProcess(f"fanout-{kind}", "--rate", str(rate), "--count", str(count)) as s:
        chans = [grpc.aio.insecure_channel(s.grpc_target) for _ in range(channels)]
        try:
            stubs = [publicService_pb2_grpc.PublicServiceStub(c) for c in chans]
            ready, remaining = asyncio.Event(), [subs]
            logs = [[] for _ in range(subs)]
            tasks = [asyncio.create_task(_subscriber(stubs[i % channels], logs[i], ready,
                                                     remaining, count)) for i in range(subs)]
            await ready.wait()
            s.proc.stdin.write(b"go\n")
            await s.proc.stdin.drain()
            sent = json.loads(await s.proc.stdout.readline())
            await asyncio.gather(*tasks)
        finally:
            for c in chans:
                await c.close()
    lat = sorted((t - sent[step - 1]) * 1000 for log in logs for step, t in log
                 if 1 <= step <= count)
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return {"p50_ms": round(q[49], 2), "p99_ms": round(q[98], 2), "max_ms": round(lat[-1], 2),
            "delivered": len(lat), "expected": subs * count}


async def measure(subs: int = 100, rate: int = 1000, seconds: float = 1.5,
                  low_rate: int = 50, low_seconds: float = 3, rounds: int = 3) -> dict:
    """The goal's load (subs x rate messages/s) once, and a load this machine's Python gRPC
    can carry (subs x low_rate) in `rounds` alternating rounds (medians), each through the
    floor and through the mock."""
    out = {"fanout_subscribers": subs, "fanout_diffs_per_s": rate,
           "fanout_low_diffs_per_s": low_rate}
    for kind in ("bare", "mock"):
        got = await run_one(kind, subs, rate, int(rate * seconds))
        name = "floor" if kind == "bare" else "mock"
        out.update({f"fanout_{name}_{k}": v for k, v in got.items()})
    runs: dict[str, list[dict]] = {"bare": [], "mock": []}
    for _ in range(rounds):
        for kind in ("bare", "mock"):
            runs[kind].append(await run_one(kind, subs, low_rate, int(low_rate * low_seconds)))
    for kind, results in runs.items():
        name = "floor" if kind == "bare" else "mock"
        for k in ("p50_ms", "p99_ms", "max_ms"):
            out[f"fanout_low_{name}_{k}"] = round(statistics.median(r[k] for r in results), 2)
        out[f"fanout_low_{name}_delivered"] = sum(r["delivered"] for r in results)
        out[f"fanout_low_{name}_expected"] = sum(r["expected"] for r in results)
    return out


if __name__ == "__main__":
    subs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(json.dumps(asyncio.run(measure(subs)), indent=2))
