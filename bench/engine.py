"""Engine-alone figures: mixed place/cancel/match throughput and memory per resting order."""
from __future__ import annotations

import gc
import random
import time
import tracemalloc
from decimal import Decimal

from mock_lykke.engine import ApiError, Exchange
from mock_lykke.engine.clock import VirtualClock
from mock_lykke.engine.reference import Asset, AssetPair


def world(seed: int = 1) -> Exchange:
    ex = Exchange(clock=VirtualClock(), seed=seed)
    ex.add_asset(Asset("BTC", "Bitcoin", "BTC", 8))
    ex.add_asset(Asset("USD", "US Dollar", "USD", 2))
    ex.add_pair(AssetPair("BTCUSD", "BTC", "USD", "BTC/USD", 3, Decimal("0.0001"), Decimal("1")))
    for name in ("a", "b", "c", "d"):
        ex.add_account(name, f"key-{name}", {"BTC": Decimal("1000000"), "USD": Decimal("10000000000")})
    return ex


def mixed_flow(n: int = 20_000, seed: int = 7) -> dict:
    """n commands: ~60% limit orders around a mid (a third of them crossing), ~30% cancels,
    ~10% market orders. Returns ops/s and how many fills happened."""
    rnd = random.Random(seed)
    ex = world()
    accounts = [ex.account(n) for n in ("a", "b", "c", "d")]
    prices = [Decimal(10000 + i) for i in range(-50, 51)]
    volumes = [Decimal(v) / 1000 for v in range(1, 200)]
    plan = []
    for _ in range(n):
        r = rnd.random()
        plan.append((r, rnd.choice(accounts), rnd.choice(("buy", "sell")), rnd.choice(prices),
                     rnd.choice(volumes)))
    open_ids: list[tuple] = []
    t0 = time.perf_counter()
    for r, acc, side, price, vol in plan:
        try:
            if r < 0.6:
                open_ids.append((acc, ex.place_limit(acc, "BTCUSD", side, vol, price)))
            elif r < 0.9 and open_ids:
                acc2, oid = open_ids.pop(rnd.randrange(len(open_ids)))
                ex.cancel_order(acc2, oid)
            else:
                ex.place_market(acc, "BTCUSD", side, vol)
        except ApiError:
            pass
    elapsed = time.perf_counter() - t0
    trades = sum(len(ex.history._trades.get(a.wallet_id, ())) for a in accounts) // 2
    return {"engine_ops_per_s": round(n / elapsed), "engine_commands": n, "engine_fills": trades}


def memory_per_resting_order(n: int = 200_000) -> dict:
    """Bytes of Python heap per resting order (non-crossing orders on both sides)."""
    ex = world()
    acc = ex.account("a")
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        if i % 2:
            ex.place_limit(acc, "BTCUSD", "buy", Decimal("0.001"), Decimal(5000 + i % 4000))
        else:
            ex.place_limit(acc, "BTCUSD", "sell", Decimal("0.001"), Decimal(20000 + i % 4000))
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return {"bytes_per_resting_order": round(used / n), "resting_orders": n}


if __name__ == "__main__":
    import json
    print(json.dumps({**mixed_flow(), **memory_per_resting_order(50_000)}, indent=2))
