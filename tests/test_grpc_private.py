"""hft.PrivateService unary calls: auth, isolation, every error path (BEHAVIOUR.md §2, §4, §5,
§8, §11.2, §12)."""
from __future__ import annotations

import uuid

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.empty_pb2 import Empty
from google.protobuf.timestamp_pb2 import Timestamp
from google.protobuf.wrappers_pb2 import StringValue

from mock_lykke.proto import privateService_pb2 as pv
from test_grpc_support import *  # noqa: F403  (fixtures)
from test_grpc_support import MARKET, TRADER, D, status_of

CRASH = (grpc.StatusCode.UNKNOWN, "Exception was thrown by handler.")
PRIVATE = pv.DESCRIPTOR.services_by_name["PrivateService"]


def err(r):
    """(code, message) of an error response, checking it carries no payload and no fields."""
    field = r.DESCRIPTOR.fields_by_name["payload"]
    if field.is_repeated:
        assert not len(r.payload)
    elif field.message_type is not None:
        assert not r.HasField("payload")
    else:
        assert not r.payload
    assert not r.error.fields
    return r.error.code, r.error.message


def limit(pair="BTCUSD", side=pv.buy, volume="0.1", price="9000"):
    return pv.LimitOrderRequest(assetPairId=pair, side=side, volume=volume, price=price)


def ts(ms):
    t = Timestamp()
    t.FromMilliseconds(ms)
    return t


# --- auth ------------------------------------------------------------------------------------
@pytest.mark.parametrize("metadata", [None, (("authorization", "Bearer nobody"),),
                                      (("authorization", "demo-trader-key"),),
                                      (("authorization", "Basic demo-trader-key"),)])
async def test_every_private_method_refuses_without_a_valid_key(channel, metadata):
    for m in PRIVATE.methods:
        req = message_factory.GetMessageClass(m.input_type)()
        resp = message_factory.GetMessageClass(m.output_type)
        path = f"/hft.PrivateService/{m.name}"
        kind = channel.unary_stream if m.server_streaming else channel.unary_unary
        call = kind(path, request_serializer=type(req).SerializeToString,
                    response_deserializer=resp.FromString)(req, metadata=metadata)
        code, details = await status_of(call.read() if m.server_streaming else call)
        assert code == grpc.StatusCode.UNAUTHENTICATED, m.name


async def test_scheme_is_case_insensitive_and_blocked_key_refused(priv, exchange):
    r = await priv.GetBalances(Empty(), metadata=(("authorization", "bearer demo-trader-key"),))
    assert len(r.payload) == 4
    exchange.account("trader").blocked = True
    assert (await status_of(priv.GetBalances(Empty(), metadata=TRADER)))[0] == \
        grpc.StatusCode.UNAUTHENTICATED
    assert len((await priv.GetBalances(Empty(), metadata=MARKET)).payload) == 4


# --- balances ---------------------------------------------------------------------------------
async def test_balances_available_includes_reserved(priv, exchange):
    """quirk available-includes-reserved"""
    await priv.PlaceLimitOrder(limit(volume="0.5", price="9000"), metadata=TRADER)
    rows = {b.assetId: b for b in (await priv.GetBalances(Empty(), metadata=TRADER)).payload}
    assert (rows["USD"].available, rows["USD"].reserved) == ("50000", "4500.00")
    assert rows["USD"].timestamp.ToMilliseconds() == exchange.clock.now()
    exchange.quirks.update({"available-includes-reserved": False})
    rows = {b.assetId: b for b in (await priv.GetBalances(Empty(), metadata=TRADER)).payload}
    assert rows["USD"].available == "45500.00"


# --- limit orders -----------------------------------------------------------------------------
@pytest.mark.parametrize("req, expected", [
    (limit(price="0", volume="0"), (1101, "price cannot be less than zero.")),
    (limit(price="-1"), (1101, "price cannot be less than zero.")),
    (limit(volume="0"), (1101, "volume cannot be less than zero.")),
    (limit(volume="-0.5"), (1101, "volume cannot be less than zero.")),
    (limit(pair=""), (1100, "Asset pair not found")),
    (limit(pair="btcusd"), (1100, "Asset pair not found")),
    (limit(volume="0.00009"), (1101, "volume must be greater than 0.0001")),
    (limit(volume="10", price="9000"), (2006, "Not enough funds")),
    (limit(side=pv.sell, volume="2.5", price="20000"), (2006, "Not enough funds")),
    (limit(price="9000.1234"), (2019, "Invalid price accuracy")),
    (limit(volume="0.123456789"), (2018, "Invalid volume accuracy")),
])
async def test_limit_order_errors(priv, exchange, req, expected):
    r = await priv.PlaceLimitOrder(req, metadata=TRADER)
    assert err(r) == expected
    assert not exchange.history.active_orders(exchange.account("trader").wallet_id)


@pytest.mark.parametrize("price", ["", "abc", "1e3", "1.2.3", " "])
async def test_unparseable_decimals_crash_quirk(priv, exchange, price):
    """quirk grpc-unparseable-decimal-unknown"""
    assert await status_of(priv.PlaceLimitOrder(limit(price=price), metadata=TRADER)) == CRASH
    assert await status_of(priv.PlaceMarketOrder(
        pv.MarketOrderRequest(assetPairId="BTCUSD", volume=price), metadata=TRADER)) == CRASH
    assert await status_of(priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(
        assetPairId="BTCUSD", orders=[pv.BulkOrder(volume="1", price=price)]),
        metadata=TRADER)) == CRASH
    assert await status_of(priv.CreateWithdrawal(pv.CreateWithdrawalRequest(
        requestId="r", assetId="BTC", volume=price, destinationAddress="a"),
        metadata=TRADER)) == CRASH
    exchange.quirks.update({"grpc-unparseable-decimal-unknown": False})
    r = await priv.PlaceLimitOrder(limit(price=price), metadata=TRADER)
    assert r.error.code == 1101 and "price" in r.error.message


async def test_dotnet_decimal_forms_are_accepted(priv, exchange):
    r = await priv.PlaceLimitOrder(limit(volume=" +0.001 ", price="1,000.5"), metadata=TRADER)
    order = exchange.history.orders[r.payload.orderId]
    assert (order.price, order.volume) == (D("1000.5"), D("0.001"))


async def test_limit_order_success_and_get_order(priv, exchange, market):
    r = await priv.PlaceLimitOrder(limit(side=pv.sell, volume="0.4000", price="10500"),
                                   metadata=TRADER)
    assert not r.HasField("error")
    order_id = r.payload.orderId
    assert uuid.UUID(order_id).hex.replace("-", "") and order_id == order_id.lower()
    o = (await priv.GetOrder(pv.OrderRequest(orderId=order_id), metadata=TRADER)).payload
    assert (o.id, o.status, o.assetPairId, o.type, o.side) == (order_id, "Placed", "BTCUSD",
                                                               "Limit", pv.sell)
    assert (o.price, o.volume, o.filledVolume, o.remainingVolume, o.cost) == \
        ("10500", "0.4000", "0.0000", "0.4000", "0.0000")
    assert not o.HasField("lastTradeTimestamp")
    assert o.timestamp.ToMilliseconds() == exchange.clock.now()
    exchange.clock.advance(1000)
    exchange.place_market(market, "BTCUSD", "buy", D("1.6"))       # 1.5 @ 10010 + 0.1 @ 10500
    o = (await priv.GetOrder(pv.OrderRequest(orderId=order_id), metadata=TRADER)).payload
    assert (o.status, o.filledVolume, o.remainingVolume, o.cost) == \
        ("PartiallyMatched", "0.1000", "0.3000", "1050.0000")
    assert o.lastTradeTimestamp.ToMilliseconds() == exchange.clock.now()


async def test_get_order_rules(priv, exchange, market):
    """quirk grpc-empty-not-found (not found = empty response); another account's order is
    as missing as an unknown one"""
    r = await priv.GetOrder(pv.OrderRequest(), metadata=TRADER)
    assert err(r) == (1101, "OrderId is required")
    assert await status_of(priv.GetOrder(pv.OrderRequest(orderId="not-a-guid"),
                                         metadata=TRADER)) == CRASH
    theirs = exchange.place_limit(market, "BTCUSD", "buy", D("1"), D("9000"))
    for order_id in (str(uuid.UUID(int=7)), theirs):
        r = await priv.GetOrder(pv.OrderRequest(orderId=order_id), metadata=TRADER)
        assert not r.HasField("payload") and not r.HasField("error")
    assert (await priv.GetOrder(pv.OrderRequest(orderId=theirs), metadata=MARKET)).payload.id == theirs
    exchange.quirks.update({"grpc-empty-not-found": False})
    r = await priv.GetOrder(pv.OrderRequest(orderId=theirs), metadata=TRADER)
    assert err(r) == (1100, "Order not found")


# --- market orders ----------------------------------------------------------------------------
@pytest.mark.parametrize("pair, side, volume, expected", [
    ("BTCUSD", pv.buy, "0", (1101, "volume cannot be less than zero.")),
    ("NOPE", pv.buy, "1", (1100, "Asset pair not found")),
    ("BTCUSD", pv.buy, "0.00001", (1101, "volume must be greater than 0.0001")),
    ("BTCUSD", pv.buy, "100", (2005, "No liquidity")),
    ("BTCUSD", pv.sell, "2.5", (2005, "No liquidity")),
    ("BTCUSD", pv.buy, "0.123456789", (2018, "Invalid volume accuracy")),
])
async def test_market_order_errors(priv, pair, side, volume, expected):
    r = await priv.PlaceMarketOrder(pv.MarketOrderRequest(assetPairId=pair, side=side,
                                                          volume=volume), metadata=TRADER)
    assert err(r) == expected


async def test_market_order_funds_and_success(priv, exchange):
    r = await priv.PlaceMarketOrder(pv.MarketOrderRequest(assetPairId="BTCUSD", volume="0.5"),
                                    metadata=TRADER)
    assert not r.HasField("error") and r.payload.price == "10010"
    closed = (await priv.GetClosedOrders(pv.OrdersRequest(), metadata=TRADER)).payload
    assert [(o.id, o.type, o.status) for o in closed] == [(r.payload.orderId, "Market", "Matched")]
    exchange.set_balance(exchange.account("trader"), "USD", D("100"))
    r = await priv.PlaceMarketOrder(pv.MarketOrderRequest(assetPairId="BTCUSD", volume="0.5"),
                                    metadata=TRADER)
    assert err(r) == (2006, "Not enough funds")


# --- bulk ---------------------------------------------------------------------------------------
async def test_bulk_statuses_signed_volumes_no_overall_error(priv, exchange):
    """quirk bulk-signed-volumes; statuses from doubles; item errors are per item"""
    other = str(uuid.UUID(int=5))
    req = pv.BulkLimitOrderRequest(assetPairId="BTCUSD", orders=[
        pv.BulkOrder(side=pv.buy, volume="0.1", price="9000"),
        pv.BulkOrder(side=pv.sell, volume="0.20", price="11000.5"),
        pv.BulkOrder(side=pv.buy, volume="0.1", price="0"),
        pv.BulkOrder(side=pv.buy, volume="0.00001", price="9000"),
        pv.BulkOrder(side=pv.buy, volume="0.1", price="9000", oldId=other),
        pv.BulkOrder(side=pv.buy, volume="100", price="9000"),
        pv.BulkOrder(side=pv.buy, volume="0.1", price="9000.0001"),
    ])
    r = await priv.PlaceBulkLimitOrder(req, metadata=TRADER)
    assert not r.HasField("error") and r.payload.assetPairId == "BTCUSD"
    got = [(s.error, s.volume, s.price) for s in r.payload.statuses]
    assert got == [(0, "0.1", "9000"), (0, "-0.2", "11000.5"), (2014, "0.1", "0"),
                   (2012, "1E-05", "9000"), (2016, "0.1", "9000"), (2006, "100", "9000"),
                   (2019, "0.1", "9000.0001")]
    ids = [s.id for s in r.payload.statuses]
    assert len(set(ids)) == 7
    active = (await priv.GetActiveOrders(pv.OrdersRequest(), metadata=TRADER)).payload
    assert sorted(o.id for o in active) == sorted(ids[:2])
    exchange.quirks.update({"bulk-signed-volumes": False})
    r = await priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(assetPairId="BTCUSD", orders=[
        pv.BulkOrder(side=pv.sell, volume="0.2", price="11000")]), metadata=TRADER)
    assert r.payload.statuses[0].volume == "0.2"


async def test_bulk_unknown_pair_and_replace_and_cancel_previous(priv, exchange):
    r = await priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(
        assetPairId="NOPE", orders=[pv.BulkOrder(volume="1", price="1")]), metadata=TRADER)
    assert not r.HasField("error") and r.payload.assetPairId == "NOPE" and not r.payload.statuses
    first = await priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(assetPairId="BTCUSD", orders=[
        pv.BulkOrder(side=pv.buy, volume="0.1", price="9000"),
        pv.BulkOrder(side=pv.sell, volume="0.1", price="11000")]), metadata=TRADER)
    buy_id, sell_id = (s.id for s in first.payload.statuses)
    r = await priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(assetPairId="BTCUSD", orders=[
        pv.BulkOrder(side=pv.buy, volume="0.2", price="9100", oldId=buy_id)]), metadata=TRADER)
    new_id = r.payload.statuses[0].id
    assert r.payload.statuses[0].error == 0
    closed = {o.id: o.status for o in (await priv.GetClosedOrders(pv.OrdersRequest(),
                                                                  metadata=TRADER)).payload}
    assert closed == {buy_id: "Replaced"}
    # cancelPreviousOrders, default mode notEmptySide: only the sides with new orders
    await priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(
        assetPairId="BTCUSD", cancelPreviousOrders=True, orders=[
            pv.BulkOrder(side=pv.sell, volume="0.1", price="12000")]), metadata=TRADER)
    active = {o.id for o in (await priv.GetActiveOrders(pv.OrdersRequest(), metadata=TRADER)).payload}
    assert new_id in active and sell_id not in active and len(active) == 2
    await priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(
        assetPairId="BTCUSD", cancelPreviousOrders=True, cancelMode=pv.bothSides),
        metadata=TRADER)
    assert not (await priv.GetActiveOrders(pv.OrdersRequest(), metadata=TRADER)).payload


# --- lists ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("req, expected", [
    (pv.OrdersRequest(assetPairId="NOPE"), (1100, "Asset pair not found")),
    (pv.OrdersRequest(offset=-1), (1101, "offset cannot be less than zero.")),
    (pv.OrdersRequest(take=-1), (1101, "take cannot be less than zero.")),
    (pv.OrdersRequest(take=1001), (1101, "take '1001' is too big, maximum is '1000'.")),
    (pv.OrdersRequest(assetPairId="NOPE", offset=-1, take=-1), (1100, "Asset pair not found")),
])
async def test_order_list_errors(priv, req, expected):
    for method in (priv.GetActiveOrders, priv.GetClosedOrders):
        r = await method(req, metadata=TRADER)
        assert err(r) == expected and not r.payload
    treq = pv.TradesRequest(assetPairId=req.assetPairId, offset=req.offset, take=req.take)
    r = await priv.GetTrades(treq, metadata=TRADER)
    assert err(r) == expected and not r.payload


async def test_take_zero_means_1000_quirk(priv, exchange):
    """quirk grpc-take-rules (off: an unset take means 100, as on REST)"""
    trader = exchange.account("trader")
    for i in range(101):
        exchange.place_limit(trader, "BTCUSD", "buy", D("0.001"), D(8000 + i))
    active = (await priv.GetActiveOrders(pv.OrdersRequest(), metadata=TRADER)).payload
    assert len(active) == 101 and active[0].price == "8100"           # newest first
    page = (await priv.GetActiveOrders(pv.OrdersRequest(offset=100, take=5), metadata=TRADER))
    assert [o.price for o in page.payload] == ["8000"]
    exchange.quirks.update({"grpc-take-rules": False})
    assert len((await priv.GetActiveOrders(pv.OrdersRequest(), metadata=TRADER)).payload) == 100


async def test_lists_are_scoped_to_the_caller(priv, exchange, market):
    mine = (await priv.PlaceLimitOrder(limit(), metadata=TRADER)).payload.orderId
    active = (await priv.GetActiveOrders(pv.OrdersRequest(assetPairId="BTCUSD"),
                                         metadata=TRADER)).payload
    assert [o.id for o in active] == [mine]
    assert mine not in {o.id for o in (await priv.GetActiveOrders(
        pv.OrdersRequest(), metadata=MARKET)).payload}


# --- cancels ---------------------------------------------------------------------------------------
async def test_cancel_all_default_side_is_buy_quirk(priv, exchange):
    """quirk grpc-cancel-all-default-buy"""
    trader = exchange.account("trader")

    def place():
        exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9000"))
        exchange.place_limit(trader, "BTCUSD", "sell", D("0.1"), D("11000"))
        exchange.place_limit(trader, "ETHUSD", "buy", D("1"), D("1000"))

    def sides():
        return sorted((o.pair_id, o.side) for o in exchange.history.active_orders(trader.wallet_id))

    place()
    r = await priv.CancelAllOrders(pv.CancelOrdersRequest(assetPairId="BTCUSD"), metadata=TRADER)
    assert r.payload is True and not r.HasField("error")
    assert sides() == [("BTCUSD", "sell"), ("ETHUSD", "buy")]
    await priv.CancelAllOrders(pv.CancelOrdersRequest(side=pv.sell), metadata=TRADER)
    assert sides() == [("ETHUSD", "buy")]
    place()
    await priv.CancelAllOrders(pv.CancelOrdersRequest(side=7), metadata=TRADER)   # "both"
    assert sides() == []
    place()
    exchange.quirks.update({"grpc-cancel-all-default-buy": False})
    await priv.CancelAllOrders(pv.CancelOrdersRequest(), metadata=TRADER)
    assert sides() == []
    r = await priv.CancelAllOrders(pv.CancelOrdersRequest(assetPairId="NOPE"), metadata=TRADER)
    assert err(r) == (1100, "Asset pair not found")


async def test_cancel_order(priv, exchange, market):
    mine = (await priv.PlaceLimitOrder(limit(), metadata=TRADER)).payload.orderId
    theirs = exchange.place_limit(market, "BTCUSD", "buy", D("1"), D("9000"))
    for order_id in ("", "nope", str(uuid.UUID(int=1)), theirs):
        r = await priv.CancelOrder(pv.CancelOrderRequest(orderId=order_id), metadata=TRADER)
        assert err(r) == (2009, "Not found")
    assert exchange.history.orders[theirs].status == "Placed"
    r = await priv.CancelOrder(pv.CancelOrderRequest(orderId=mine), metadata=TRADER)
    assert r.payload is True
    r = await priv.CancelOrder(pv.CancelOrderRequest(orderId=mine), metadata=TRADER)
    assert err(r) == (2009, "Not found")


# --- trades ----------------------------------------------------------------------------------------
async def test_trades_filters_and_shape(priv, exchange):
    trader = exchange.account("trader")
    t0 = exchange.clock.now()
    buy_id, _ = exchange.place_market(trader, "BTCUSD", "buy", D("0.5"))
    exchange.clock.advance(1000)
    sell_id, _ = exchange.place_market(trader, "BTCUSD", "sell", D("0.25"))
    trades = (await priv.GetTrades(pv.TradesRequest(), metadata=TRADER)).payload
    assert [t.orderId for t in trades] == [sell_id, buy_id]
    t = trades[1]
    assert (t.assetPairId, t.role, t.side, t.price, t.baseVolume, t.quoteVolume) == \
        ("BTCUSD", "Taker", pv.buy, "10010", "0.5", "5005.00")
    assert (t.baseAssetId, t.quoteAssetId, t.fee.size, t.fee.assetId) == \
        ("BTC", "USD", "0.00050000", "BTC")
    assert t.timestamp.ToMilliseconds() == t0

    async def ids(**kw):
        return [x.orderId for x in (await priv.GetTrades(pv.TradesRequest(**kw),
                                                         metadata=TRADER)).payload]

    assert await ids(side=pv.sell) == [sell_id]
    assert await ids(side=pv.buy) == [buy_id]
    assert await ids(**{"from": ts(t0)}) == [sell_id]                  # from is exclusive
    assert await ids(to=ts(t0)) == [buy_id]                             # to is inclusive
    assert await ids(assetPairId="ETHUSD") == []
    assert await ids(take=1, offset=1) == [buy_id]
    assert [x.id for x in (await priv.GetOrderTrades(pv.OrderTradesRequest(orderId=buy_id),
                                                     metadata=TRADER)).payload] == [trades[1].id]
    assert not (await priv.GetOrderTrades(pv.OrderTradesRequest(orderId=buy_id),
                                          metadata=MARKET)).payload
    assert await status_of(priv.GetOrderTrades(pv.OrderTradesRequest(orderId="x"),
                                               metadata=TRADER)) == CRASH


# --- operations, deposits, withdrawals ----------------------------------------------------------------
async def test_operations_history(priv, exchange):
    """quirk grpc-take-rules: take 0 -> empty; type PascalCase; negative paging crashes"""
    trader = exchange.account("trader")
    op = exchange.deposit(trader, "BTC", D("0.5"))
    assert not (await priv.GetOperationsHistory(pv.GetOperationsHistoryRequest(),
                                                metadata=TRADER)).operations
    ops = (await priv.GetOperationsHistory(pv.GetOperationsHistoryRequest(take=10),
                                           metadata=TRADER)).operations
    assert [(o.operationId, o.assetId, o.totalVolume, o.fee, o.type) for o in ops] == \
        [(op, "BTC", "0.5", "0", "Deposit")]
    assert not ops[0].HasField("blockchainHash")
    assert await status_of(priv.GetOperationsHistory(
        pv.GetOperationsHistoryRequest(offset=-1, take=1), metadata=TRADER)) == CRASH
    assert not (await priv.GetOperationsHistory(pv.GetOperationsHistoryRequest(take=10),
                                                metadata=MARKET)).operations


def _enable_deposits(exchange, asset_id="BTC"):
    asset = exchange.reference.assets[asset_id]
    asset.blockchain_integration_type = "sirius"
    asset.blockchain_deposit_enabled = True


async def test_deposit_addresses(priv, exchange):
    r = await priv.CreateDepositAddresses(Empty(), metadata=TRADER)
    assert (r.error.code, r.error.message) == (1102, "Asset unavailable")
    r = await priv.GetDepositAddress(pv.GetDepositAddressRequest(assetId="BTC"), metadata=TRADER)
    assert err(r) == (1100, "Asset not found")
    r = await priv.GetDepositAddress(pv.GetDepositAddressRequest(assetId="NOPE"), metadata=TRADER)
    assert err(r) == (1100, "Asset not found")
    _enable_deposits(exchange)
    exchange.reference.assets["ETH"].blockchain_deposit_enabled = True
    r = await priv.GetDepositAddress(pv.GetDepositAddressRequest(assetId="ETH"), metadata=TRADER)
    assert err(r) == (1102, "Asset unavailable")
    assert not (await priv.GetDepositAddresses(Empty(), metadata=TRADER)).payload
    r = await priv.GetDepositAddress(pv.GetDepositAddressRequest(assetId="BTC"), metadata=TRADER)
    assert (r.payload.state, r.payload.assetId, r.payload.symbol) == ("NotFound", "BTC", "BTC")
    assert not r.payload.HasField("address")
    trader = exchange.account("trader")
    trader.pending_dialogs = True
    r = await priv.CreateDepositAddresses(Empty(), metadata=TRADER)
    assert (r.error.code, r.error.message) == (1102, "Pending dialogs")
    trader.pending_dialogs, trader.kyc_required = False, True
    r = await priv.CreateDepositAddresses(Empty(), metadata=TRADER)
    assert (r.error.code, r.error.message) == (1102, "KYC required")
    r = await priv.GetDepositAddress(pv.GetDepositAddressRequest(assetId="BTC"), metadata=TRADER)
    assert err(r) == (1102, "KYC required")
    trader.kyc_required = False
    r = await priv.CreateDepositAddresses(Empty(), metadata=TRADER)
    assert not r.HasField("error")
    addresses = (await priv.GetDepositAddresses(Empty(), metadata=TRADER)).payload
    assert [(a.assetId, a.state) for a in addresses] == [("BTC", "Active")]
    assert addresses[0].address.value == addresses[0].baseAddress.value != ""
    assert not addresses[0].HasField("addressExtension")
    one = (await priv.GetDepositAddress(pv.GetDepositAddressRequest(assetId="BTC"),
                                        metadata=TRADER)).payload
    assert one == addresses[0]
    assert not (await priv.GetDepositAddresses(Empty(), metadata=MARKET)).payload


async def test_withdrawals(priv, exchange):
    def req(**kw):
        base = dict(requestId="req-1", assetId="BTC", volume="0.5", destinationAddress="addr")
        base.update(kw)
        return pv.CreateWithdrawalRequest(**base)

    assert err(await priv.CreateWithdrawal(req(volume="0"), metadata=TRADER)) == \
        (1101, "volume cannot be less than zero.")
    assert err(await priv.CreateWithdrawal(req(assetId="NOPE"), metadata=TRADER)) == \
        (1100, "Asset not found")
    assert await status_of(priv.CreateWithdrawal(req(assetId=""), metadata=TRADER)) == CRASH
    r = await priv.CreateWithdrawal(req(), metadata=TRADER)
    assert err(r) == (1102, "Asset unavailable")
    # the idempotency record was written before that check: a retry gets the id back
    again = await priv.CreateWithdrawal(req(volume="7"), metadata=TRADER)
    assert not again.HasField("error") and uuid.UUID(again.payload)
    _enable_deposits(exchange)
    r = await priv.CreateWithdrawal(req(requestId="req-2", destinationAddressExtension=StringValue(
        value="memo")), metadata=TRADER)
    assert not r.HasField("error")
    ops = (await priv.GetOperationsHistory(pv.GetOperationsHistoryRequest(take=5),
                                           metadata=TRADER)).operations
    assert [(o.operationId, o.type, o.totalVolume) for o in ops] == [(r.payload, "Withdrawal", "0.5")]
    rows = {b.assetId: b.available for b in (await priv.GetBalances(Empty(), metadata=TRADER)).payload}
    assert rows["BTC"] == "1.5"
    # the same request id from another account is another request
    r2 = await priv.CreateWithdrawal(req(requestId="req-2"), metadata=MARKET)
    assert r2.payload != r.payload


async def test_non_guid_order_ids_quirk_off(priv, exchange):
    """quirk grpc-non-uuid-order-id-unknown off: such ids are simply not found"""
    exchange.quirks.update({"grpc-non-uuid-order-id-unknown": False})
    r = await priv.GetOrder(pv.OrderRequest(orderId="x"), metadata=TRADER)
    assert not r.HasField("payload") and not r.HasField("error")
    r = await priv.GetOrderTrades(pv.OrderTradesRequest(orderId="x"), metadata=TRADER)
    assert not r.payload and not r.HasField("error")
