"""Slow, stuck and vanished stream consumers: the server's memory stays bounded (a consumer
that falls behind is dropped with RESOURCE_EXHAUSTED), consumers that go away are forgotten,
and the consumers that read on get every message, in order."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import grpc
from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import (privateService_pb2_grpc, publicService_pb2 as pb,
                              publicService_pb2_grpc)
from mock_lykke.engine.clock import DEFAULT_START
from test_reliability_support import *  # noqa: F403  (the served fixture)
from test_reliability_support import TIMEOUT, key, md, until

LIMIT = 20


def queued(hub) -> list[int]:
    """How many messages each open stream has waiting in the server."""
    return [len(sub.items) for subs in hub._subs.values() for sub in subs]


class BookReader:
    """Reads an order-book stream; counts messages and checks the clock only moves on."""

    def __init__(self, call, progress: asyncio.Event):
        self.call, self.progress = call, progress
        self.count, self.last_ts, self.ended = 0, 0, None
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        try:
            while (msg := await self.call.read()) is not grpc.aio.EOF:
                ts = msg.timestamp.ToMilliseconds()
                assert ts >= self.last_ts
                self.last_ts, self.count = ts, self.count + 1
                self.progress.set()
        except grpc.aio.AioRpcError as e:
            self.ended = e.code()
            self.progress.set()


def hook_removals(hub, progress: asyncio.Event) -> None:
    """Set `progress` whenever the hub forgets a stream."""
    remove = hub.remove

    def removed(sub):
        remove(sub)
        progress.set()
    hub.remove = removed


async def test_a_consumer_that_stops_reading_is_dropped_and_others_get_everything(served):
    hub, ex = served.server.streams, served.ex
    hub.queue_limit = LIMIT
    progress = asyncio.Event()
    request = pb.OrderbookUpdatesRequest(assetPairId="BTCUSD")
    # a client with a small receive window, so the transport cannot absorb the backlog
    small = grpc.aio.insecure_channel(served.server.grpc_target, options=[
        ("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4096)])
    stuck = publicService_pb2_grpc.PublicServiceStub(small).GetOrderbookUpdates(request)
    await asyncio.wait_for(stuck.read(), TIMEOUT)          # the snapshot, then nothing
    readers = [BookReader(served.pub.GetOrderbookUpdates(request), progress) for _ in range(3)]
    await until(lambda: all(r.count for r in readers), progress)
    trader = ex.account("u0")
    sent = 0
    for batch in range(200):                  # 2000 book changes, 10 at a time (< LIMIT)
        for i in range(10):
            ex.clock.advance(1)
            price = Decimal(9_000 + (batch * 10 + i) % 500)
            ex.place_limit(trader, "BTCUSD", "buy", Decimal("0.001"), price)
            sent += 1
        assert max(queued(hub)) <= LIMIT + 1              # bounded, whoever is slow
        await until(lambda: all(r.count == sent + 1 for r in readers), progress)
    assert all(r.last_ts == DEFAULT_START + sent and r.ended is None for r in readers)
    assert hub.count() == 3                               # the stuck one is gone
    try:
        while (await asyncio.wait_for(stuck.read(), TIMEOUT)) is not grpc.aio.EOF:
            pass                                          # what the transport held
    except grpc.aio.AioRpcError as e:
        assert e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    else:
        raise AssertionError("the stuck stream ended without an error")
    for r in readers:
        r.call.cancel()
    await small.close()


async def test_vanished_consumers_are_forgotten_and_the_rest_goes_on(served):
    hub, ex = served.server.streams, served.ex
    progress = asyncio.Event()
    hook_removals(hub, progress)
    keep = BookReader(served.pub.GetOrderbookUpdates(
        pb.OrderbookUpdatesRequest(assetPairId="BTCUSD")), progress)
    await until(lambda: keep.count == 1, progress)
    gone = grpc.aio.insecure_channel(served.server.grpc_target)
    pub = publicService_pb2_grpc.PublicServiceStub(gone)
    priv = privateService_pb2_grpc.PrivateServiceStub(gone)
    calls = []
    for i in range(5):
        calls += [pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD")),
                  pub.GetPriceUpdates(pb.PriceUpdatesRequest()),
                  pub.GetTickerUpdates(Empty()),
                  pub.GetPublicTradeUpdates(pb.PublicTradesUpdatesRequest(assetPairId="BTCUSD")),
                  priv.GetBalanceUpdates(Empty(), metadata=md(key(i % 4))),
                  priv.GetTradeUpdates(Empty(), metadata=md(key(i % 4))),
                  priv.GetOrderUpdates(Empty(), metadata=md(key(i % 4)))]
    for call in calls:
        await asyncio.wait_for(call.initial_metadata(), TIMEOUT)
    assert hub.count() == 1 + len(calls)
    trader = ex.account("u1")
    for i in range(30):                       # some of them now have unread messages queued
        ex.place_limit(trader, "BTCUSD", "sell", Decimal("0.01"), Decimal(9_990 - i))
    await gone.close(None)                    # the client is gone, mid-stream
    await until(lambda: hub.count() == 1, progress)
    for i in range(30):                       # the engine and the one left go on
        ex.place_limit(trader, "BTCUSD", "buy", Decimal("0.01"), Decimal(9_000 + i))
    await until(lambda: keep.count == 61, progress)
    assert keep.ended is None and max(queued(hub)) <= hub.queue_limit
    ex.check_invariants()
    keep.call.cancel()
