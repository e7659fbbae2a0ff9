"""Shared world, fixtures and helpers of the REST tests (imported by test_rest_*.py; holds
no tests itself). The world is built with the engine API, independent of scenario files."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestClient, TestServer

from mock_lykke.api.rest import create_app
from mock_lykke.engine import Exchange
from mock_lykke.engine.clock import DEFAULT_START, VirtualClock
from mock_lykke.engine.quirks import Quirks
from mock_lykke.engine.reference import Asset, AssetPair
from mock_lykke.state import Mock

TRADER = "demo-trader-key"
MARKET = "demo-market-key"
START = DEFAULT_START          # 2026-01-01T00:00:00Z = 1767225600000
JSON_UTF8 = "application/json; charset=utf-8"


def D(text: str) -> Decimal:
    return Decimal(text)


def world(quirks: dict | None = None) -> Exchange:
    """BTC (deposit-capable), ETH, USD; pairs BTCUSD, ETHUSD; accounts trader and market;
    the market rests sell 1.5 @ 10010 and buy 2 @ 9990 on BTCUSD."""
    ex = Exchange(clock=VirtualClock(START), seed=7, quirks=Quirks(quirks or {}))
    ex.add_asset(Asset("BTC", "Bitcoin", "BTC", 8, multiplier_power=8, blockchain="bitcoin",
                       blockchain_withdrawal=True, cashout_minimal_amount=0.001,
                       sirius_asset_id=100, sirius_blockchain_id="bitcoin-main",
                       blockchain_integration_type="sirius", blockchain_deposit_enabled=True))
    ex.add_asset(Asset("ETH", "Ethereum", "ETH", 8))
    ex.add_asset(Asset("USD", "US Dollar", "USD", 2))
    ex.add_pair(AssetPair("BTCUSD", "BTC", "USD", "BTC/USD", 3, D("0.0001"), D("1")))
    ex.add_pair(AssetPair("ETHUSD", "ETH", "USD", "ETH/USD", 2, D("0.001"), D("1")))
    ex.add_account("trader", TRADER, {"BTC": D("2"), "ETH": D("20"), "USD": D("50000")},
                   taker_fee=D("0.001"))
    market = ex.add_account("market", MARKET, {"BTC": D("1000"), "USD": D("100000000")})
    ex.place_limit(market, "BTCUSD", "sell", D("1.5"), D("10010"))
    ex.place_limit(market, "BTCUSD", "buy", D("2"), D("9990"))
    return ex


class Faults:
    """A scriptable fault injector: route name -> FaultAction; remembers what was asked."""

    def __init__(self):
        self.actions: dict = {}
        self.asked: list[str] = []

    def check(self, name):
        self.asked.append(name)
        return self.actions.get(name)

    def check_stream(self, name):
        return None


class Api:
    """A REST client over aiohttp's TestClient, returning (status, headers, text)."""

    def __init__(self, client: TestClient, mock: Mock):
        self.client = client
        self.mock = mock

    @property
    def ex(self) -> Exchange:
        return self.mock.exchange

    async def call(self, method: str, path: str, key: str | None = TRADER,
                   body: str | None = None, headers: dict | None = None,
                   content_type: str | None = "application/json"):
        hdrs = dict(headers or {})
        if key is not None:
            hdrs.setdefault("Authorization", f"Bearer {key}")
        if body is not None and content_type is not None:
            hdrs.setdefault("Content-Type", content_type)
        resp = await self.client.request(method, path, data=body, headers=hdrs,
                                         allow_redirects=False)
        return resp.status, resp.headers, await resp.text()

    async def get(self, path: str, **kw):
        return await self.call("GET", path, **kw)

    async def post(self, path: str, body, **kw):
        text = body if isinstance(body, str) or body is None else json.dumps(body)
        return await self.call("POST", path, body=text, **kw)

    async def delete(self, path: str, **kw):
        return await self.call("DELETE", path, **kw)

    async def payload(self, method: str, path: str, **kw):
        status, _, text = await self.call(method, path, **kw)
        assert status == 200, text
        data = json.loads(text)
        assert data["error"] is None, text
        return data["payload"]

    async def limit(self, pair: str, side: str, volume, price, key: str = TRADER) -> str:
        body = {"assetPairId": pair, "side": side, "volume": str(volume), "price": str(price)}
        status, _, text = await self.post("/api/orders/limit", body, key=key)
        assert status == 200, text
        return json.loads(text)["payload"]["orderId"]


def make_api_fixture(quirks: dict | None = None):
    async def fixture():
        ex = world(quirks)
        mock = Mock(ex, faults=Faults(), version="1.2.3", started_at=START + 123)
        async with TestClient(TestServer(create_app(mock))) as client:
            yield Api(client, mock)
    return fixture


api = pytest.fixture(make_api_fixture())


def error_text(code: int, message: str, field: str | None = None) -> str:
    fields = f'{{"{field}":"{message}"}}' if field else "{}"
    return f'{{"error":{{"code":{code},"message":"{message}","fields":{fields}}}}}'


CRASH = '{"error":{"code":1001,"message":"Runtime error","fields":{}}}'
_TRACE = re.compile(r'"traceId":"00-[0-9a-f]{32}-[0-9a-f]{16}-00"')


def problem_text(errors: dict) -> str:
    """A 400 problem-details body with the trace id blanked (see strip_trace)."""
    return ('{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1",'
            '"title":"One or more validation errors occurred.","status":400,"traceId":"-",'
            '"errors":' + json.dumps(errors, separators=(",", ":")) + '}')


def strip_trace(text: str) -> str:
    assert _TRACE.search(text), text
    return _TRACE.sub('"traceId":"-"', text)


class ThreadServer:
    """The app on 127.0.0.1:<ephemeral> in a thread with its own loop, for clients that
    block (requests, schemathesis). Requests are served one at a time, so the test thread
    may read the engine between calls."""

    def __init__(self, mock: Mock):
        self.mock = mock

    def __enter__(self) -> str:
        import asyncio
        import threading

        from aiohttp import web
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.runner = web.AppRunner(create_app(self.mock), access_log=None)
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            self.loop.run_until_complete(site.start())
            self.port = self.runner.addresses[0][1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="rest-test-server", daemon=True)
        self.thread.start()
        assert ready.wait(10), "REST test server did not start"
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        import asyncio
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def snapshot(ex: Exchange) -> tuple:
    """What a rejected request must not change: balances, orders, trades, operations."""
    balances = tuple(sorted((acc.name, asset, b.total, b.reserved)
                            for acc in ex.accounts.values() for asset, b in acc.balances.items()))
    orders = tuple(sorted((o.id, o.status, o.remaining, o.locked)
                          for o in ex.history.orders.values()))
    trades = tuple(len(ex.trades(acc, take=1000)) for acc in ex.accounts.values())
    operations = tuple(len(ex.operations(acc, 0, 1000)) for acc in ex.accounts.values())
    return balances, orders, trades, operations
