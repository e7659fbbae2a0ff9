"""Shared fixtures and helpers of the gRPC tests (imported by test_grpc_*.py and
test_streams*.py; holds no tests itself)."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import grpc
import pytest

from mock_lykke.proto import (isalive_pb2_grpc, privateService_pb2_grpc,
                              publicService_pb2_grpc)
from mock_lykke.engine import Exchange
from mock_lykke.engine.clock import DEFAULT_START, VirtualClock
from mock_lykke.engine.reference import Asset, AssetPair
from mock_lykke.server import MockServer
from mock_lykke.state import FaultAction, Mock

TRADER = (("authorization", "Bearer demo-trader-key"),)
MARKET = (("authorization", "Bearer demo-market-key"),)
TIMEOUT = 5


def D(text: str) -> Decimal:
    return Decimal(text)


class Faults:
    """A scriptable fault injector: maps a method name to a FaultAction."""

    def __init__(self):
        self.calls: dict = {}
        self.streams: dict = {}

    def check(self, name):
        return self.calls.get(name)

    def check_stream(self, name):
        action = self.streams.get(name)
        if isinstance(action, list):
            return action.pop(0) if action else None
        return action


def make_exchange(clock=None) -> Exchange:
    """The tests' world (independent of the embedded default scenario): three pairs, a
    trader and a market account, one resting order a side on each pair; virtual clock."""
    ex = Exchange(clock=clock or VirtualClock(DEFAULT_START), seed=1)
    for asset_id, name, accuracy in (("BTC", "Bitcoin", 8), ("ETH", "Ethereum", 8),
                                     ("USD", "US Dollar", 2), ("EUR", "Euro", 2)):
        ex.add_asset(Asset(asset_id, name, asset_id, accuracy))
    for pair_id, base, quote, acc, min_volume in (("BTCUSD", "BTC", "USD", 3, "0.0001"),
                                                  ("ETHUSD", "ETH", "USD", 2, "0.001"),
                                                  ("BTCEUR", "BTC", "EUR", 3, "0.0001")):
        ex.add_pair(AssetPair(pair_id, base, quote, f"{base}/{quote}", acc, D(min_volume), D(1)))
    ex.add_account("trader", "demo-trader-key", {"BTC": D(2), "ETH": D(20), "USD": D(50000),
                                                 "EUR": D(50000)}, taker_fee=D("0.001"))
    market = ex.add_account("market", "demo-market-key", {
        "BTC": D(1000), "ETH": D(10000), "USD": D(100000000), "EUR": D(100000000)})
    for pair_id, sell, buy, sell_volume, buy_volume in (("BTCUSD", "10010", "9990", "1.5", "2"),
                                                        ("ETHUSD", "2002", "1998", "10", "10"),
                                                        ("BTCEUR", "9210", "9190", "1", "1")):
        ex.place_limit(market, pair_id, "sell", D(sell_volume), D(sell))
        ex.place_limit(market, pair_id, "buy", D(buy_volume), D(buy))
    return ex


@pytest.fixture
def exchange():
    return make_exchange()


@pytest.fixture
def mock(exchange):
    return Mock(exchange)


@pytest.fixture
async def server(mock):
    async with MockServer(mock) as s:
        yield s


@pytest.fixture
async def channel(server):
    async with grpc.aio.insecure_channel(server.grpc_target) as ch:
        yield ch


@pytest.fixture
def pub(channel):
    return publicService_pb2_grpc.PublicServiceStub(channel)


@pytest.fixture
def priv(channel):
    return privateService_pb2_grpc.PrivateServiceStub(channel)


@pytest.fixture
def mon(channel):
    return isalive_pb2_grpc.MonitoringStub(channel)


@pytest.fixture
def trader(exchange):
    return exchange.account("trader")


@pytest.fixture
def market(exchange):
    return exchange.account("market")


async def read(call):
    """The next stream message (a guard against hanging, not a wait)."""
    return await asyncio.wait_for(call.read(), TIMEOUT)


async def opened(call):
    """Wait until the server has registered the stream (it sends headers then)."""
    await asyncio.wait_for(call.initial_metadata(), TIMEOUT)
    return call


async def status_of(coro):
    """The gRPC status code and details a call ends with."""
    try:
        await asyncio.wait_for(coro, TIMEOUT)
    except grpc.aio.AioRpcError as e:
        return e.code(), e.details()
    return grpc.StatusCode.OK, None


async def stream_error(call):
    """Read a stream until it ends; the (code, details) it ends with."""
    try:
        while (await read(call)) is not grpc.aio.EOF:
            pass
    except grpc.aio.AioRpcError as e:
        return e.code(), e.details()
    return await call.code(), await call.details()


__all__ = ["make_exchange", "TRADER", "MARKET", "D", "Faults", "FaultAction", "exchange", "mock", "server",
           "channel", "pub", "priv", "mon", "trader", "market", "read", "opened", "status_of",
           "stream_error"]
