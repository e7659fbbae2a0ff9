"""Stopping the server with streams of every kind open, unary calls in flight (held by an
injected delay) and idle keep-alive connections: stop() returns, every call ends, the held
calls never reached the engine, and no task is left behind."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import grpc
import pytest
from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import (privateService_pb2 as pv, privateService_pb2_grpc,
                              publicService_pb2 as pb, publicService_pb2_grpc)
from mock_lykke.server import MockServer
from mock_lykke.state import FaultAction, Mock
from test_reliability_support import TIMEOUT, bearer, key, md, observable, world


class HoldOrders:
    """Faults: every order placement waits a minute; says when one is waiting."""

    def __init__(self):
        self.held = 0
        self.waiting = asyncio.Event()

    def check(self, name):
        if name in ("PlaceLimitOrder", "POST /api/orders/limit"):
            self.held += 1
            self.waiting.set()
            return FaultAction(delay_ms=60_000)
        return None

    def check_stream(self, name):
        return None


def other_tasks() -> list:
    me = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not me and not t.done()]


async def _outcome(awaitable):
    try:
        await awaitable
    except (grpc.aio.AioRpcError, aiohttp.ClientError, asyncio.CancelledError) as e:
        return type(e).__name__
    return "ok"


async def _until_held(faults: HoldOrders, n: int) -> None:
    while faults.held < n:
        faults.waiting.clear()
        await asyncio.wait_for(faults.waiting.wait(), TIMEOUT)


async def _drain(call):
    try:
        while (await call.read()) is not grpc.aio.EOF:
            pass
    except grpc.aio.AioRpcError as e:
        return e.code()
    return await call.code()


async def test_stop_with_streams_and_calls_in_flight_ends_everything():
    ex = world()
    faults = HoldOrders()
    mock = Mock(ex, faults=faults)
    server = MockServer(mock)
    await server.start()
    channel = grpc.aio.insecure_channel(server.grpc_target)
    http = aiohttp.ClientSession()
    pub = publicService_pb2_grpc.PublicServiceStub(channel)
    priv = privateService_pb2_grpc.PrivateServiceStub(channel)
    streams = [pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD")),
               pub.GetPriceUpdates(pb.PriceUpdatesRequest()),
               pub.GetTickerUpdates(Empty()),
               pub.GetPublicTradeUpdates(pb.PublicTradesUpdatesRequest(assetPairId="BTCUSD")),
               priv.GetBalanceUpdates(Empty(), metadata=md(key(0))),
               priv.GetTradeUpdates(Empty(), metadata=md(key(0))),
               priv.GetOrderUpdates(Empty(), metadata=md(key(0)))]
    for call in streams:
        await asyncio.wait_for(call.initial_metadata(), TIMEOUT)
    async with http.get(server.rest_url + "/api/isalive") as r:      # an idle keep-alive
        assert r.status == 200
    # a market order lands (updates queued on the streams), then two orders are held
    r = await priv.PlaceMarketOrder(pv.MarketOrderRequest(
        assetPairId="BTCUSD", side=pv.buy, volume="0.1"), metadata=md(key(1)))
    assert not r.HasField("error")
    before = observable(ex)
    held = [asyncio.create_task(_outcome(priv.PlaceLimitOrder(pv.LimitOrderRequest(
                assetPairId="BTCUSD", side=pv.buy, volume="0.01", price="9000"),
                metadata=md(key(0))))) for _ in range(3)]
    await _until_held(faults, 3)

    await asyncio.wait_for(server.stop(grace=0.2), TIMEOUT)

    ends = await asyncio.wait_for(asyncio.gather(*(_drain(c) for c in streams)), TIMEOUT)
    assert all(code in (grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE,
                        grpc.StatusCode.CANCELLED) for code in ends), ends
    outcomes = await asyncio.wait_for(asyncio.gather(*held), TIMEOUT)
    assert outcomes == ["AioRpcError"] * 3, outcomes     # cut off
    assert observable(ex) == before                      # held calls never reached the engine
    await channel.close()
    await http.close()
    assert not ex.listeners and ex.clock.pending() == 0
    assert other_tasks() == []
    ex.check_invariants()
    ex.place_limit(ex.account("u2"), "BTCUSD", "sell", Decimal("0.01"), Decimal("20000"))


async def test_stop_with_a_rest_request_in_flight_returns_within_the_grace():
    ex = world()
    faults = HoldOrders()
    server = MockServer(Mock(ex, faults=faults))
    await server.start()
    http = aiohttp.ClientSession()
    held = asyncio.create_task(_outcome(http.post(
        server.rest_url + "/api/orders/limit", headers=bearer(key(0)),
        json={"assetPairId": "BTCUSD", "side": "buy", "volume": 0.01, "price": 9000})))
    await _until_held(faults, 1)
    stop = asyncio.create_task(server.stop(grace=0.2))
    try:
        await asyncio.wait_for(asyncio.shield(stop), 3)
    finally:
        await http.close()
        if not stop.done():                 # let the runner give up on the held request
            for task in other_tasks():
                if task is not stop:
                    task.cancel()
            await asyncio.gather(stop, held, return_exceptions=True)


class HoldOrdersBriefly(HoldOrders):
    """Faults: order placements wait 100 ms, so that one is in flight when the stop begins."""

    def check(self, name):
        action = super().check(name)
        return FaultAction(delay_ms=100) if action is not None else None


async def test_a_call_answered_during_the_stop_is_in_the_journal(tmp_path):
    """The fronts close (finishing their calls) before the journal does."""
    from mock_lykke.journal import read_journal
    from mock_lykke.scenario import build_mock, load_file
    from test_scenario_support import SCENARIOS

    path = tmp_path / "j.jsonl"
    mock = build_mock(load_file(SCENARIOS / "basic.yaml"), journal_path=path)
    server = MockServer(mock)
    await server.start()
    mock.faults = faults = HoldOrdersBriefly()
    channel = grpc.aio.insecure_channel(server.grpc_target)
    try:
        call = asyncio.ensure_future(privateService_pb2_grpc.PrivateServiceStub(channel)
                                     .PlaceLimitOrder(pv.LimitOrderRequest(
                                         assetPairId="BTCUSD", side=pv.buy, volume="0.1",
                                         price="9000"), metadata=md("trader-key")))
        await _until_held(faults, 1)
        await asyncio.wait_for(server.stop(grace=TIMEOUT), TIMEOUT)
        reply = await asyncio.wait_for(call, TIMEOUT)
    finally:
        await channel.close()
    assert reply.payload.orderId and not reply.HasField("error")
    _, entries = read_journal(path)
    placed = [e for e in entries if e["cmd"] == "place_limit"]
    assert placed[-1]["args"]["price"] == "9000"        # answered, so journaled
