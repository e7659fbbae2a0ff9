"""Engine-alone figures (no I/O): mixed place/cancel/match throughput, and memory per
resting order."""
from __future__ import annotations

import gc
import random
import time
import tracemalloc
from decimal import Decimal

from mock_lykke.engine import ApiError

from .world import PAIR, world


def _plan(n: int, seed: int) -> list[tuple]:
    rnd = random.Random(seed)
    prices = [Decimal(10000 + i) for i in range(-50, 51)]
    volumes = [Decimal(v) / 1000 for v in range(1, 200)]
    return [(rnd.random(), rnd.randrange(4), rnd.choice(("buy", "sell")), rnd.choice(prices),
             rnd.choice(volumes), rnd.random()) for _ in range(n)]


def mixed_flow(n: int = 20_000, seed: int = 7, listener: bool = False,
               prefix: str = "engine", runs: int = 3) -> dict:
    """The best of `runs` runs of _mixed_flow (a busy machine only ever slows a run down)."""
    results = [_mixed_flow(n, seed, listener, prefix) for _ in range(runs)]
    return max(results, key=lambda r: r[f"{prefix}_ops_per_s"])


def _mixed_flow(n: int, seed: int, listener: bool, prefix: str) -> dict:
    """n commands from 4 accounts on one pair: ~60% limit orders within +-50 of a mid (so
    many cross), ~30% cancels of a random open order, ~10% market orders. An op is one
    command, accepted or rejected; ops/s are per CPU second (time.process_time). With
    listener=True a subscriber is attached, so the engine also builds every event (what it
    does while any stream is open)."""
    ex = world(4)
    accounts = [ex.account(f"a{i}") for i in range(4)]
    plan = _plan(n, seed)
    events = [0]
    if listener:
        ex.subscribe(lambda batch: events.__setitem__(0, events[0] + len(batch)))
    open_ids: list[tuple] = []
    t0 = time.process_time()
    for r, who, side, price, vol, pick in plan:
        acc = accounts[who]
        try:
            if r < 0.6:
                open_ids.append((acc, ex.place_limit(acc, PAIR, side, vol, price)))
            elif r < 0.9 and open_ids:
                acc2, oid = open_ids.pop(int(pick * len(open_ids)))
                ex.cancel_order(acc2, oid)
            else:
                ex.place_market(acc, PAIR, side, vol)
        except ApiError:
            pass
    elapsed = time.process_time() - t0
    fills = sum(len(ex.history.trades(a.wallet_id, None, None, 0, 10**9, None, None))
                for a in accounts) // 2
    out = {f"{prefix}_ops_per_s": round(n / elapsed), f"{prefix}_commands": n,
           f"{prefix}_fills": fills}
    if listener:
        out[f"{prefix}_events"] = events[0]
    return out


def place_cancel(n: int = 20_000, runs: int = 3) -> dict:
    """The transport benchmark's flow on the engine alone: a non-crossing buy placed and
    cancelled, again and again (n commands); per CPU second, best of `runs`."""
    best = 0.0
    for _ in range(runs):
        ex = world(1)
        acc = ex.account("a0")
        volume, price = Decimal("0.001"), Decimal("5000")
        t0 = time.process_time()
        for _ in range(n // 2):
            ex.cancel_order(acc, ex.place_limit(acc, PAIR, "buy", volume, price))
        best = max(best, n / (time.process_time() - t0))
    return {"engine_place_cancel_ops_per_s": round(best)}


def memory_per_resting_order(n: int = 200_000) -> dict:
    """Python heap per resting order: n non-crossing limit orders (half bids, half asks, over
    4000 price levels a side) placed as a client would, each with Decimals of its own."""
    ex = world(1)
    acc = ex.account("a0")
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        if i % 2:
            ex.place_limit(acc, PAIR, "buy", Decimal("0.001"), Decimal(5000 + i % 4000))
        else:
            ex.place_limit(acc, PAIR, "sell", Decimal("0.001"), Decimal(20000 + i % 4000))
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert len(ex.books[PAIR]) == n
    return {"bytes_per_resting_order": round(used / n), "resting_orders": n}


if __name__ == "__main__":
    import json
    print(json.dumps({**mixed_flow(), **mixed_flow(listener=True, prefix="engine_with_events"),
                      **place_cancel(), **memory_per_resting_order(50_000)}, indent=2))
