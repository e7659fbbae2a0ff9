"""hft.PublicService and common.Monitoring unary calls (BEHAVIOUR.md §11.1, §11.3, §2)."""
from __future__ import annotations

import re

import grpc
import pytest
from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import isalive_pb2, publicService_pb2 as pb
from test_grpc_support import *  # noqa: F403  (fixtures)
from test_grpc_support import D, FaultAction, Faults, status_of

CRASH = (grpc.StatusCode.UNKNOWN, "Exception was thrown by handler.")
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def levels(side):
    return [(lv.p, lv.v) for lv in side]


async def test_asset_pairs_and_assets(pub):
    pairs = (await pub.GetAssetPairs(Empty())).payload
    assert [p.assetPairId for p in pairs] == ["BTCEUR", "BTCUSD", "ETHUSD"]
    btcusd = (await pub.GetAssetPair(pb.AssetPairRequest(assetPairId="BTCUSD"))).payload
    assert (btcusd.baseAssetId, btcusd.quoteAssetId, btcusd.name) == ("BTC", "USD", "BTC/USD")
    assert (btcusd.priceAccuracy, btcusd.baseAssetAccuracy, btcusd.quoteAssetAccuracy) == (3, 8, 2)
    assert (btcusd.minVolume, btcusd.minOppositeVolume) == ("0.0001", "1")
    assets = (await pub.GetAssets(Empty())).payload
    assert [a.assetId for a in assets] == ["BTC", "ETH", "USD", "EUR"]
    btc = (await pub.GetAsset(pb.AssetRequest(assetId="BTC"))).payload
    assert (btc.name, btc.symbol, btc.accuracy) == ("Bitcoin", "BTC", 8)


async def test_lookups_are_case_sensitive_and_errors_have_no_fields(pub):
    r = await pub.GetAssetPair(pb.AssetPairRequest(assetPairId="btcusd"))
    assert not r.HasField("payload")
    assert (r.error.code, r.error.message) == (1100, "Asset pair not found")
    assert not r.error.fields
    r = await pub.GetAsset(pb.AssetRequest(assetId="XXX"))
    assert (r.error.code, r.error.message, len(r.error.fields)) == (1100, "Asset not found", 0)


async def test_empty_ids_give_an_empty_response_quirk(pub, exchange):
    """quirk grpc-empty-not-found"""
    for r in (await pub.GetAssetPair(pb.AssetPairRequest()), await pub.GetAsset(pb.AssetRequest())):
        assert not r.HasField("payload") and not r.HasField("error")
    exchange.quirks.update({"grpc-empty-not-found": False})
    r = await pub.GetAssetPair(pb.AssetPairRequest())
    assert (r.error.code, r.error.message) == (1100, "Asset pair not found")
    r = await pub.GetAsset(pb.AssetRequest())
    assert (r.error.code, r.error.message) == (1100, "Asset not found")


async def test_givemeerror_crashes_quirk(pub, exchange):
    """quirk grpc-givemeerror"""
    assert await status_of(pub.GetAssetPair(pb.AssetPairRequest(assetPairId="givemeerror"))) == CRASH
    exchange.quirks.update({"grpc-givemeerror": False})
    r = await pub.GetAssetPair(pb.AssetPairRequest(assetPairId="givemeerror"))
    assert r.error.code == 1100


async def test_orderbook_per_order_entries_negative_asks(pub, exchange, market):
    """quirks orderbook-per-order-entries, negative-ask-volumes"""
    exchange.place_limit(market, "BTCUSD", "sell", D("0.25"), D("10010"))
    exchange.place_limit(market, "BTCUSD", "buy", D("0.5"), D("9980.5"))
    book = (await pub.GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD"))).payload
    assert len(book) == 1 and book[0].assetPairId == "BTCUSD"
    assert levels(book[0].asks) == [("10010", "-1.5"), ("10010", "-0.25")]
    assert levels(book[0].bids) == [("9990", "2"), ("9980.5", "0.5")]
    assert book[0].timestamp.ToMilliseconds() == exchange.clock.now()
    depth1 = (await pub.GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD", depth=1))).payload[0]
    assert levels(depth1.asks) == [("10010", "-1.5")] and levels(depth1.bids) == [("9990", "2")]
    exchange.quirks.update({"orderbook-per-order-entries": False, "negative-ask-volumes": False})
    book = (await pub.GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD"))).payload[0]
    assert levels(book.asks) == [("10010", "1.75")]


async def test_orderbook_errors_and_empty_pair(pub, exchange):
    r = await pub.GetOrderbooks(pb.OrderbookRequest(assetPairId="NOPE"))
    assert (r.error.code, r.error.message, len(r.payload)) == (1100, "Asset pair not found", 0)
    exchange.clock.advance(5000)
    r = await pub.GetOrderbooks(pb.OrderbookRequest())
    assert len(r.payload) == 1
    empty = r.payload[0]
    assert empty.assetPairId == "" and not empty.bids and not empty.asks
    assert empty.timestamp.ToMilliseconds() == exchange.clock.now()


async def test_prices_tickers_filters(pub, exchange, trader, market):
    """quirk price-change-fraction; filters are case-insensitive, unknown ids dropped"""
    exchange.place_market(trader, "BTCUSD", "buy", D("1.5"))
    exchange.place_limit(market, "BTCUSD", "sell", D("1"), D("10020.01"))
    exchange.place_market(trader, "BTCUSD", "buy", D("0.5"))
    prices = (await pub.GetPrices(pb.PricesRequest(assetPairIds=["btcusd", "nope"]))).payload
    assert [(p.assetPairId, p.bid, p.ask) for p in prices] == [("BTCUSD", "9990", "10020.01")]
    assert len((await pub.GetPrices(pb.PricesRequest())).payload) == 3
    tickers = (await pub.GetTickers(pb.TickersRequest(assetPairIds=["BTCusd"]))).payload
    assert len(tickers) == 1
    t = tickers[0]
    assert (t.volumeBase, t.lastPrice, t.high, t.low) == ("2.0", "10020.01", "10020.01", "10010")
    change = float((D("10020.01") - D("10010")) / D("10010"))
    assert float(t.priceChange) == change       # a fraction, from a double
    exchange.quirks.update({"price-change-fraction": False})
    t = (await pub.GetTickers(pb.TickersRequest(assetPairIds=["BTCUSD"]))).payload[0]
    assert abs(float(t.priceChange) - 100 * change) < 1e-12


async def test_public_trades_take_rules_and_side(pub, exchange, trader):
    """quirk grpc-take-rules: take 0 -> empty list; side PascalCase, dateTime set"""
    exchange.place_market(trader, "BTCUSD", "buy", D("0.5"))
    exchange.place_market(trader, "BTCUSD", "sell", D("0.25"))
    assert not (await pub.GetPublicTrades(pb.PublicTradesRequest(assetPairId="BTCUSD"))).trades
    trades = (await pub.GetPublicTrades(pb.PublicTradesRequest(assetPairId="BTCUSD", take=10))).trades
    assert [(t.side, t.volume, t.price) for t in trades] == [("Sell", "0.25", "9990"),
                                                             ("Buy", "0.5", "10010")]
    assert trades[0].dateTime.ToMilliseconds() == exchange.clock.now()
    assert not (await pub.GetPublicTrades(pb.PublicTradesRequest(assetPairId="NOPE", take=5))).trades
    assert not (await pub.GetPublicTrades(
        pb.PublicTradesRequest(assetPairId="BTCUSD", offset=-1, take=5))).trades
    exchange.quirks.update({"grpc-take-rules": False})
    assert len((await pub.GetPublicTrades(pb.PublicTradesRequest(assetPairId="BTCUSD"))).trades) == 2


async def test_isalive(mon, mock):
    r = await mon.IsAlive(isalive_pb2.IsAliveRequest())
    assert (r.name, r.version, r.env) == ("Lykke.HftApi", mock.version, "")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r.startedAt)
    assert r.startedAt == "2026-01-01 00:00:00"


async def test_public_auth_rules(pub, mon, exchange):
    """no key or an unknown key: served; a blocked account's key: refused everywhere (§2)"""
    assert (await pub.GetAssets(Empty(), metadata=(("authorization", "Bearer nobody"),))).payload
    assert (await pub.GetAssets(Empty(), metadata=(("authorization", "garbage"),))).payload
    exchange.account("trader").blocked = True
    revoked = (("authorization", "Bearer demo-trader-key"),)
    assert (await status_of(pub.GetAssets(Empty(), metadata=revoked)))[0] == UNAUTH
    assert (await status_of(mon.IsAlive(isalive_pb2.IsAliveRequest(), metadata=revoked)))[0] == UNAUTH
    call = pub.GetPriceUpdates(pb.PriceUpdatesRequest(), metadata=revoked)
    assert (await status_of(call.read()))[0] == UNAUTH


async def test_faults(pub, mock):
    faults = mock.faults = Faults()
    faults.calls["GetAssetPair"] = FaultAction(error_code=2023)
    r = await pub.GetAssetPair(pb.AssetPairRequest(assetPairId="BTCUSD"))
    assert (r.error.code, r.error.message) == (2023, "ME not available") and not r.HasField("payload")
    faults.calls["GetAssetPair"] = FaultAction(error_code=1100)
    r = await pub.GetAssetPair(pb.AssetPairRequest(assetPairId="BTCUSD"))
    assert (r.error.code, r.error.message) == (1100, "itemNotFound")
    faults.calls["GetAssets"] = FaultAction(delay_ms=1, grpc_status="UNAVAILABLE")
    assert (await status_of(pub.GetAssets(Empty())))[0] == grpc.StatusCode.UNAVAILABLE
    faults.calls["GetPublicTrades"] = FaultAction(error_code=2023)     # no error field: a crash
    assert await status_of(pub.GetPublicTrades(pb.PublicTradesRequest())) == CRASH
    faults.calls["GetPriceUpdates"] = FaultAction(grpc_status="UNAVAILABLE")
    call = pub.GetPriceUpdates(pb.PriceUpdatesRequest())
    assert (await status_of(call.read()))[0] == grpc.StatusCode.UNAVAILABLE


async def test_orderbooks_without_pair_quirk_off(pub, exchange):
    """quirk grpc-orderbooks-empty-pair off: the documented behaviour, every book"""
    exchange.quirks.update({"grpc-orderbooks-empty-pair": False})
    r = await pub.GetOrderbooks(pb.OrderbookRequest())
    assert [b.assetPairId for b in r.payload] == ["BTCEUR", "BTCUSD", "ETHUSD"]
