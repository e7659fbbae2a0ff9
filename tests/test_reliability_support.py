"""Shared world and helpers of the reliability tests (test_reliability_*.py; no tests here).

The world is built with the engine API on a virtual clock: BTC, ETH, USD; pairs BTCUSD and
ETHUSD; `n` funded accounts u0..u{n-1} (API keys key-0..), and a market account resting five
orders a side on BTCUSD around 10000."""
from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

import aiohttp
import grpc
import pytest

from mock_lykke.engine import Exchange
from mock_lykke.engine.clock import DEFAULT_START, VirtualClock
from mock_lykke.engine.reference import Asset, AssetPair
from mock_lykke.proto import privateService_pb2_grpc, publicService_pb2_grpc
from mock_lykke.server import MockServer
from mock_lykke.state import Mock

TIMEOUT = 10            # a guard against hanging, never a measurement
MARKET_KEY = "key-market"


def key(i: int) -> str:
    return f"key-{i}"


def md(api_key: str) -> tuple:
    return (("authorization", f"Bearer {api_key}"),)


def bearer(api_key: str) -> dict:
    return {"Authorization": f"Bearer {api_key}"}


def world(n: int = 4, seed: int = 5) -> Exchange:
    ex = Exchange(clock=VirtualClock(DEFAULT_START), seed=seed)
    ex.add_asset(Asset("BTC", "Bitcoin", "BTC", 8, blockchain_integration_type="sirius",
                       blockchain_deposit_enabled=True))
    ex.add_asset(Asset("ETH", "Ethereum", "ETH", 8))
    ex.add_asset(Asset("USD", "US Dollar", "USD", 2))
    ex.add_pair(AssetPair("BTCUSD", "BTC", "USD", "BTC/USD", 3, Decimal("0.0001"), Decimal("1")))
    ex.add_pair(AssetPair("ETHUSD", "ETH", "USD", "ETH/USD", 2, Decimal("0.001"), Decimal("1")))
    for i in range(n):
        ex.add_account(f"u{i}", key(i), {"BTC": Decimal("5"), "ETH": Decimal("50"),
                                         "USD": Decimal("100000")},
                       taker_fee=Decimal("0.001") if i % 3 == 0 else Decimal(0),
                       maker_fee=Decimal("0.0005") if i % 4 == 1 else Decimal(0))
    market = ex.add_account("market", MARKET_KEY, {"BTC": Decimal("100"),
                                                   "USD": Decimal("10000000")})
    for step in range(5):
        ex.place_limit(market, "BTCUSD", "sell", Decimal("0.5"), Decimal(10_010 + 10 * step))
        ex.place_limit(market, "BTCUSD", "buy", Decimal("0.5"), Decimal(9_990 - 10 * step))
    return ex


def observable(ex: Exchange) -> tuple:
    """What a client can see of every account: balances, orders, trades, operations, books."""
    balances = sorted((a.name, asset, b.total, b.reserved)
                      for a in ex.accounts.values() for asset, b in a.balances.items())
    orders = sorted((o.id, o.wallet_id, o.status, o.remaining, o.locked)
                    for o in ex.history.orders.values())
    trades = sorted((t.id, t.wallet_id) for a in ex.accounts.values()
                    for t in ex.history.trades(a.wallet_id, None, None, 0, 10**9, None, None))
    ops = sorted(op.id for a in ex.accounts.values()
                 for op in ex.history.operations(a.wallet_id, 0, 10**9))
    books = [(p, ex.books[p].entries("buy"), ex.books[p].entries("sell")) for p in ex.books]
    return balances, orders, trades, ops, books


class Served:
    """A MockServer on ephemeral ports with gRPC stubs and an aiohttp session."""

    def __init__(self, mock: Mock, server: MockServer, channel, http: aiohttp.ClientSession):
        self.mock, self.server, self.channel, self.http = mock, server, channel, http
        self.pub = publicService_pb2_grpc.PublicServiceStub(channel)
        self.priv = privateService_pb2_grpc.PrivateServiceStub(channel)

    @property
    def ex(self) -> Exchange:
        return self.mock.exchange

    @property
    def url(self) -> str:
        return self.server.rest_url


@contextlib.asynccontextmanager
async def serve(ex: Exchange):
    mock = Mock(ex)
    async with MockServer(mock) as server:
        async with grpc.aio.insecure_channel(server.grpc_target) as channel, \
                aiohttp.ClientSession() as http:
            yield Served(mock, server, channel, http)


@pytest.fixture
async def served():
    async with serve(world()) as s:
        yield s


async def until(done, progress: asyncio.Event) -> None:
    """Wait (event-driven) until done() holds; `progress` is set whenever something arrives."""
    while not done():
        progress.clear()
        await asyncio.wait_for(progress.wait(), TIMEOUT)


__all__ = ["TIMEOUT", "MARKET_KEY", "key", "md", "bearer", "world", "observable", "Served",
           "serve", "served", "until"]
