"""Many clients at once, both fronts mixed: 50 gRPC and 50 REST clients place, cancel and
match on one pair while every account's trade stream and two public-trade streams are open.
Afterwards the engine's invariants hold, totals are conserved, every accepted order is where
its owner left it, and every fill reached each stream exactly once."""
from __future__ import annotations

import asyncio
import random
from collections import Counter

import grpc
from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import (privateService_pb2 as pv, privateService_pb2_grpc,
                              publicService_pb2 as pb, publicService_pb2_grpc)
from test_reliability_support import TIMEOUT, bearer, key, md, serve, until, world

N_GRPC, N_REST, OPS = 50, 50, 12
PAIR = "BTCUSD"
KEEPALIVE_MS = 30_000


def draw(rnd: random.Random) -> tuple[str, str, str]:
    """A side, a price in a band that crosses the book often, a volume."""
    side = rnd.choice(("buy", "sell"))
    price = str(10_000 + rnd.randint(-25, 25))
    volume = f"0.{rnd.randint(1, 80):04d}"
    return side, price, volume


async def grpc_client(priv, i: int, placed: list[str]) -> None:
    rnd, meta = random.Random(i), md(key(i))
    for _ in range(OPS):
        r = rnd.random()
        side, price, volume = draw(rnd)
        grpc_side = pv.buy if side == "buy" else pv.sell
        if r < 0.55:
            resp = await priv.PlaceLimitOrder(pv.LimitOrderRequest(
                assetPairId=PAIR, side=grpc_side, volume=volume, price=price), metadata=meta)
            if not resp.HasField("error"):
                placed.append(resp.payload.orderId)
        elif r < 0.8 and placed:
            await priv.CancelOrder(pv.CancelOrderRequest(orderId=rnd.choice(placed)),
                                   metadata=meta)
        else:
            resp = await priv.PlaceMarketOrder(pv.MarketOrderRequest(
                assetPairId=PAIR, side=grpc_side, volume=volume), metadata=meta)
            if not resp.HasField("error"):
                placed.append(resp.payload.orderId)


async def rest_client(http, url: str, i: int, placed: list[str]) -> None:
    rnd, headers = random.Random(i), bearer(key(i))
    for _ in range(OPS):
        r = rnd.random()
        side, price, volume = draw(rnd)
        if r < 0.55:
            body = {"assetPairId": PAIR, "side": side, "volume": volume, "price": price}
            async with http.post(f"{url}/api/orders/limit", json=body, headers=headers) as resp:
                assert resp.status == 200
                data = await resp.json()
            if data.get("error") is None:
                placed.append(data["payload"]["orderId"])
        elif r < 0.8 and placed:
            async with http.delete(f"{url}/api/orders/{rnd.choice(placed)}",
                                   headers=headers) as resp:
                assert resp.status == 200
        else:
            body = {"assetPairId": PAIR, "side": side, "volume": volume}
            async with http.post(f"{url}/api/orders/market", json=body, headers=headers) as resp:
                assert resp.status == 200
                data = await resp.json()
            if data.get("error") is None:
                placed.append(data["payload"]["orderId"])


class Reader:
    """Reads one stream into `ids` until cancelled; `barriers` counts empty keep-alives."""

    def __init__(self, call, progress: asyncio.Event):
        self.call, self.progress = call, progress
        self.ids: list[str] = []
        self.barriers = 0
        self.first = True
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        while (msg := await self.call.read()) is not grpc.aio.EOF:
            if not msg.trades and not self.first:
                self.barriers += 1
            self.first = False
            self.ids += [t.id for t in msg.trades]
            self.progress.set()


async def test_many_clients_on_both_fronts_lose_nothing_and_report_each_fill_once():
    n = N_GRPC + N_REST
    ex = world(n)
    totals = ex.totals()
    async with serve(ex) as s:
        progress = asyncio.Event()
        channels = [grpc.aio.insecure_channel(s.server.grpc_target) for _ in range(4)]
        try:
            privs = [privateService_pb2_grpc.PrivateServiceStub(c) for c in channels]
            pubs = [publicService_pb2_grpc.PublicServiceStub(c) for c in channels]
            trade_calls = [privs[i % 4].GetTradeUpdates(Empty(), metadata=md(key(i)))
                           for i in range(n)]
            public_calls = [pubs[i].GetPublicTradeUpdates(
                pb.PublicTradesUpdatesRequest(assetPairId=PAIR)) for i in range(2)]
            for call in trade_calls + public_calls:      # registered: headers are sent
                await asyncio.wait_for(call.initial_metadata(), TIMEOUT)
            traders = [Reader(c, progress) for c in trade_calls]
            for r in traders:
                r.first = False                         # no snapshot on trade streams
            publics = [Reader(c, progress) for c in public_calls]

            placed: list[list[str]] = [[] for _ in range(n)]
            await asyncio.wait_for(asyncio.gather(
                *(grpc_client(privs[i % 4], i, placed[i]) for i in range(N_GRPC)),
                *(rest_client(s.http, s.url, i, placed[i]) for i in range(N_GRPC, n))),
                TIMEOUT * 6)

            # a barrier: one keep-alive per stream, written after everything before it
            ex.clock.advance(KEEPALIVE_MS)
            readers = traders + publics
            await until(lambda: all(r.barriers for r in readers), progress)

            ex.check_invariants()
            assert ex.totals() == totals
            accounts = [ex.account(f"u{i}") for i in range(n)]
            fills = 0
            for acc, reader, mine in zip(accounts, traders, placed):
                for order_id in mine:                  # every accepted order is the caller's
                    assert ex.history.orders[order_id].wallet_id == acc.wallet_id
                want = [t.id for t in ex.history.trades(acc.wallet_id, None, None, 0, 10**9,
                                                       None, None)]
                assert Counter(reader.ids) == Counter(want)          # each fill exactly once
                assert len(set(want)) == len(want)
                fills += len(want)
            public = {t.id for t in ex.public_trades(PAIR, 0, 10**6)}
            for reader in publics:
                assert Counter(reader.ids) == Counter(public)
            assert fills > 100 and len(public) > 50   # the run did match a lot
            for call in trade_calls + public_calls:
                call.cancel()
        finally:
            for c in channels:
                await c.close()
