"""gRPC streams end to end (BEHAVIOUR.md §13): snapshots first, updates from the engine's
event batches, keep-alives on the exchange clock, slow consumers, many subscribers."""
from __future__ import annotations

import asyncio
import random
from decimal import Decimal

import grpc
from google.protobuf.empty_pb2 import Empty

from mock_lykke.api import convert_grpc as convert
from mock_lykke.proto import privateService_pb2 as pv, publicService_pb2 as pb
from mock_lykke.state import FaultAction
from test_grpc_support import *  # noqa: F403  (fixtures)
from test_grpc_support import MARKET, TRADER, D, Faults, opened, read, status_of, stream_error

CRASH = (grpc.StatusCode.UNKNOWN, "Exception was thrown by handler.")
KA = 30_000


def lv(side):
    return [(x.p, x.v) for x in side]


# --- prices -------------------------------------------------------------------------------------
async def test_price_stream_snapshot_updates_keepalive(pub, exchange, trader):
    call = pub.GetPriceUpdates(pb.PriceUpdatesRequest())
    snap = [await read(call) for _ in range(3)]
    assert [(p.assetPairId, p.bid, p.ask) for p in snap] == [
        ("BTCEUR", "9190", "9210"), ("BTCUSD", "9990", "10010"), ("ETHUSD", "1998", "2002")]
    exchange.clock.advance(1000)
    exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9995"))
    update = await read(call)
    assert (update.assetPairId, update.bid, update.ask) == ("BTCUSD", "9995", "10010")
    assert update.timestamp.ToMilliseconds() == exchange.clock.now()
    exchange.clock.advance(KA)                         # re-sends the last message written
    assert await read(call) == update


async def test_price_stream_filters(pub, exchange, trader):
    """snapshot filter case-sensitive; updates case-insensitive; an empty snapshot crashes
    (quirk price-stream-empty-snapshot-crash)"""
    call = pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["ETHUSD", "btcusd"]))
    assert (await read(call)).assetPairId == "ETHUSD"
    exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9995"))
    exchange.place_limit(trader, "BTCEUR", "buy", D("0.1"), D("9195"))
    assert (await read(call)).assetPairId == "BTCUSD"
    exchange.place_limit(trader, "ETHUSD", "buy", D("1"), D("1999"))
    assert (await read(call)).assetPairId == "ETHUSD"
    lower = pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["btcusd"]))
    assert await status_of(read(lower)) == CRASH
    exchange.quirks.update({"price-stream-empty-snapshot-crash": False})
    lower = await opened(pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["btcusd"])))
    exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9996"))
    assert (await read(lower)).bid == "9996"


# --- tickers ------------------------------------------------------------------------------------
async def test_ticker_stream_has_no_snapshot_quirk(pub, exchange, trader):
    """quirk ticker-stream-no-snapshot; keep-alive = an empty TickerUpdate"""
    call = await opened(pub.GetTickerUpdates(Empty()))
    exchange.place_market(trader, "BTCUSD", "buy", D("0.5"))
    t = await read(call)
    assert (t.assetPairId, t.volumeBase, t.lastPrice, t.priceChange) == ("BTCUSD", "0.5", "10010", "0")
    exchange.clock.advance(KA)
    keepalive = await read(call)
    assert keepalive == pb.TickerUpdate() and not keepalive.HasField("timestamp")
    exchange.quirks.update({"ticker-stream-no-snapshot": False})
    call = pub.GetTickerUpdates(Empty())
    assert [(await read(call)).assetPairId for _ in range(3)] == ["BTCEUR", "BTCUSD", "ETHUSD"]


# --- order books --------------------------------------------------------------------------------
async def test_orderbook_stream_snapshot_then_diffs(pub, exchange, market, trader):
    exchange.place_limit(market, "BTCUSD", "sell", D("0.5"), D("10010"))
    call = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD",
                                                              assetPairIds=["ETHUSD"]))
    snap = await read(call)                            # per-order entries, asks negative
    assert snap.assetPairId == "BTCUSD"
    assert lv(snap.asks) == [("10010", "-1.5"), ("10010", "-0.5")] and lv(snap.bids) == [("9990", "2")]
    exchange.clock.advance(500)
    exchange.place_limit(trader, "BTCUSD", "sell", D("0.25"), D("10010"))   # level total changes
    diff = await read(call)
    assert (lv(diff.bids), lv(diff.asks)) == ([], [("10010", "-2.25")])
    assert diff.timestamp.ToMilliseconds() == exchange.clock.now()
    exchange.place_limit(trader, "ETHUSD", "buy", D("1"), D("1000"))      # not subscribed
    exchange.place_market(trader, "BTCUSD", "sell", D("1.75"))             # into the bid level
    diff = await read(call)
    assert (lv(diff.bids), lv(diff.asks)) == ([("9990", "0.25")], [])
    exchange.place_market(trader, "BTCUSD", "buy", D("2.25"))              # removes the ask level
    diff = await read(call)
    assert (lv(diff.bids), lv(diff.asks)) == ([], [("10010", "0")])
    exchange.clock.advance(KA)
    keepalive = await read(call)
    assert (keepalive.assetPairId, lv(keepalive.bids), lv(keepalive.asks)) == ("BTCUSD", [], [])
    assert keepalive.timestamp.ToMilliseconds() == KA * (exchange.clock.now() // KA)


async def test_orderbook_stream_all_pairs_and_unknown_pairs(pub, exchange):
    call = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest())
    assert [(await read(call)).assetPairId for _ in range(3)] == ["BTCEUR", "BTCUSD", "ETHUSD"]
    call = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairIds=["NOPE", "ETHUSD",
                                                                            "NOPE"]))
    unknown, eth = await read(call), await read(call)
    assert (unknown.assetPairId, len(unknown.bids), len(unknown.asks)) == ("NOPE", 0, 0)
    assert unknown.timestamp.ToMilliseconds() == exchange.clock.now()
    assert eth.assetPairId == "ETHUSD" and len(eth.bids) == 1


async def test_orderbook_diffs_rebuild_the_book_seeded(pub, exchange, trader, market):
    """Applying every diff to the snapshot gives the engine's aggregated book, after a seeded
    random sequence of orders, cancels and market orders."""
    call = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
    book = ({}, {})

    def apply(msg):
        for side, levels in zip(book, (msg.bids, msg.asks)):
            for x in levels:
                if Decimal(x.v):
                    side[Decimal(x.p)] = abs(Decimal(x.v))
                else:
                    side.pop(Decimal(x.p), None)

    apply(await read(call))
    rng = random.Random(7)
    placed = []
    for _ in range(40):
        before = len(exchange.history.orders)
        try:
            roll = rng.random()
            who = rng.choice([trader, market])
            if roll < 0.6:
                placed.append(exchange.place_limit(
                    who, "BTCUSD", rng.choice(["buy", "sell"]), D(rng.choice(["0.1", "0.3", "1"])),
                    D(rng.randint(9980, 10020))))
            elif roll < 0.8 and placed:
                order = exchange.history.orders[rng.choice(placed)]
                exchange.cancel_order(exchange.accounts[order.wallet_id], order.id)
            else:
                exchange.place_market(market, "BTCUSD", rng.choice(["buy", "sell"]), D("0.2"))
        except convert.ApiError:
            assert len(exchange.history.orders) == before
            continue
        engine = exchange.orderbook("BTCUSD")
        want = (convert.aggregate(engine.bids), convert.aggregate(engine.asks))
        while book != want:
            apply(await read(call))
    assert book == want


# --- public trades ------------------------------------------------------------------------------
async def test_public_trade_stream(pub, exchange, trader, market):
    for i in range(55):
        exchange.place_market(trader, "BTCUSD", "buy", D("0.01"))
    call = pub.GetPublicTradeUpdates(pb.PublicTradesUpdatesRequest(assetPairId="BTCUSD"))
    first = await read(call)
    assert [t.id for t in first.trades] == [t.id for t in exchange.public_trades("BTCUSD", 0, 50)]
    assert len(first.trades) == 50                                          # the latest 50
    assert first.trades[0].id == exchange.public_trades("BTCUSD", 0, 1)[0].id   # newest first
    assert {(t.side, t.price, t.volume) for t in first.trades} == {("Buy", "10010", "0.01")}
    exchange.place_market(trader, "BTCUSD", "sell", D("0.5"))
    update = await read(call)
    assert [(t.side, t.volume, t.price, t.assetPairId) for t in update.trades] == [
        ("Sell", "0.5", "9990", "BTCUSD")]
    exchange.clock.advance(KA)
    assert await read(call) == pb.PublicTradeUpdate()
    # an empty id: an empty first message, then never an update
    empty = pub.GetPublicTradeUpdates(pb.PublicTradesUpdatesRequest())
    assert await read(empty) == pb.PublicTradeUpdate()
    exchange.place_market(trader, "BTCUSD", "sell", D("0.5"))
    exchange.clock.advance(KA)
    assert await read(empty) == pb.PublicTradeUpdate()       # the keep-alive, not the trade
    assert len((await read(call)).trades) == 1


# --- private streams ------------------------------------------------------------------------------
async def test_balance_stream(priv, exchange, trader):
    exchange.set_balance(trader, "USD", D("50000.129"))
    call = priv.GetBalanceUpdates(Empty(), metadata=TRADER)
    snap = await read(call)
    rows = {b.assetId: b.available for b in snap.balances}
    assert rows == {"BTC": "2", "ETH": "20", "USD": "50000.12", "EUR": "50000"}   # truncated
    exchange.clock.advance(10)
    exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9000.5"))
    update = await read(call)
    assert [(b.assetId, b.available, b.reserved) for b in update.balances] == [
        ("USD", "50000.129", "900.05")]                                          # not truncated
    assert update.balances[0].timestamp.ToMilliseconds() == exchange.clock.now()
    exchange.clock.advance(KA)
    assert await read(call) == update


async def test_trade_order_balance_streams_agree(priv, exchange, trader, market):
    trades = await opened(priv.GetTradeUpdates(Empty(), metadata=TRADER))
    orders = await opened(priv.GetOrderUpdates(Empty(), metadata=TRADER))
    balances = priv.GetBalanceUpdates(Empty(), metadata=TRADER)
    await read(balances)
    maker_trades = await opened(priv.GetTradeUpdates(Empty(), metadata=MARKET))
    maker_orders = await opened(priv.GetOrderUpdates(Empty(), metadata=MARKET))
    order_id = exchange.place_limit(trader, "BTCUSD", "buy", D("2"), D("10010"))
    t = await read(trades)
    (trade,) = t.trades
    assert (trade.orderId, trade.role, trade.side, trade.price, trade.baseVolume) == \
        (order_id, "Taker", pv.buy, "10010", "1.5")
    assert not trade.HasField("fee")                                            # never on the stream
    (o,) = (await read(orders)).orders
    assert (o.id, o.status, o.filledVolume, o.remainingVolume) == \
        (order_id, "PartiallyMatched", "1.5", "0.5")
    assert o.lastTradeTimestamp.ToMilliseconds() == trade.timestamp.ToMilliseconds()
    b = {x.assetId: x for x in (await read(balances)).balances}
    assert set(b) == {"BTC", "USD"}
    assert (b["BTC"].available, b["USD"].available, b["USD"].reserved) == \
        ("3.49850000", "34985.00", "5005.00")
    (mt,) = (await read(maker_trades)).trades
    assert (mt.role, mt.side, mt.id != trade.id) == ("Maker", pv.sell, True)
    (mo,) = (await read(maker_orders)).orders
    assert (mo.status, mo.remainingVolume) == ("Matched", "0.0")
    # a command that changes several of the caller's orders: one OrderUpdate with all of them
    await priv.CancelAllOrders(pv.CancelOrdersRequest(side=5), metadata=TRADER)
    exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9000"))
    exchange.place_limit(trader, "BTCUSD", "sell", D("0.1"), D("11000"))
    assert [x.status for x in (await read(orders)).orders] == ["Cancelled"]
    await read(orders)
    await read(orders)
    await priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(
        assetPairId="BTCUSD", cancelPreviousOrders=True, cancelMode=pv.bothSides, orders=[
            pv.BulkOrder(side=pv.buy, volume="0.2", price="9100")]), metadata=TRADER)
    assert sorted(x.status for x in (await read(orders)).orders) == ["Cancelled", "Cancelled",
                                                                     "Placed"]
    exchange.clock.advance(KA)
    assert await read(trades) == pv.TradeUpdate()
    assert await read(orders) == pv.OrderUpdate()


async def test_get_order_updates_unimplemented_quirk(priv, exchange):
    """quirk get-order-updates-unimplemented (off by default: the mock serves the stream)"""
    exchange.quirks.update({"get-order-updates-unimplemented": True})
    call = priv.GetOrderUpdates(Empty())                   # even before auth, as a missing method
    code, details = await status_of(read(call))
    assert code == grpc.StatusCode.UNIMPLEMENTED


async def test_keepalives_follow_the_quirk(pub, exchange, trader):
    """quirk stream-keepalives"""
    exchange.quirks.update({"stream-keepalives": False})
    call = await opened(pub.GetTickerUpdates(Empty()))
    exchange.clock.advance(10 * KA)
    exchange.place_market(trader, "BTCUSD", "buy", D("0.5"))
    assert (await read(call)).assetPairId == "BTCUSD"


async def test_keepalive_timing_on_the_clock(pub, exchange):
    """one timer per stream type at the 30 s marks of clock time, not per subscriber"""
    exchange.clock.advance(KA - 100)
    call = await opened(pub.GetTickerUpdates(Empty()))
    exchange.clock.advance(100)                            # the first mark: 100 ms later
    assert await read(call) == pb.TickerUpdate()
    exchange.clock.advance(3 * KA)
    assert [await read(call) for _ in range(3)] == [pb.TickerUpdate()] * 3


# --- slow consumers, many subscribers, faults -------------------------------------------------------
async def test_slow_consumer_is_disconnected_others_are_not(pub, server, exchange, market):
    fast = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
    await read(fast)
    server.streams.queue_limit = 5
    slow = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
    await read(slow)
    for i in range(8):                                 # one loop step: nobody can read
        exchange.place_limit(market, "BTCUSD", "buy", D("0.1"), D(9000 + i))
    code, details = await stream_error(slow)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "fell behind" in details
    assert [lv((await read(fast)).bids) for _ in range(8)][-1] == [("9007", "0.1")]
    assert server.streams.count() == 1


class _SignalFaults(Faults):
    """Says when a stream has asked for its per-message fault."""

    def __init__(self):
        super().__init__()
        self.asked = asyncio.Event()

    def check_stream(self, name):
        action = super().check_stream(name)
        if action is not None:
            self.asked.set()
        return action


async def test_stuck_consumer_is_ended_too(pub, server, exchange, market, mock):
    """the call is ended even while its writer is blocked (here: in an injected delay)"""
    faults = mock.faults = _SignalFaults()
    server.streams.queue_limit = 3
    call = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
    await read(call)
    faults.streams["GetOrderbookUpdates"] = [FaultAction(delay_ms=60_000)]
    exchange.place_limit(market, "BTCUSD", "buy", D("0.1"), D(9000))
    await asyncio.wait_for(faults.asked.wait(), 5)     # the writer is now in its delay
    for i in range(5):
        exchange.place_limit(market, "BTCUSD", "buy", D("0.1"), D(9001 + i))
    code, details = await stream_error(call)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_many_subscribers(pub, priv, exchange, trader):
    books = [pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
             for _ in range(30)]
    prices = [pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
              for _ in range(30)]
    balances = [priv.GetBalanceUpdates(Empty(), metadata=TRADER) for _ in range(10)]
    await asyncio.gather(*(read(c) for c in books + prices + balances))
    exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9995"))
    got = await asyncio.gather(*(read(c) for c in books))
    assert all(lv(m.bids) == [("9995", "0.1")] for m in got)
    got = await asyncio.gather(*(read(c) for c in prices))
    assert all(m.bid == "9995" for m in got)
    got = await asyncio.gather(*(read(c) for c in balances))
    assert all([b.assetId for b in m.balances] == ["USD"] for m in got)


async def test_stream_faults(pub, exchange, trader, mock):
    faults = mock.faults = Faults()
    faults.streams["GetPriceUpdates"] = [None, FaultAction(drop=True), None,
                                         FaultAction(end_stream=True)]
    call = pub.GetPriceUpdates(pb.PriceUpdatesRequest())
    assert (await read(call)).assetPairId == "BTCEUR"
    assert (await read(call)).assetPairId == "ETHUSD"              # BTCUSD was dropped
    exchange.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9995"))
    assert (await stream_error(call))[0] == grpc.StatusCode.OK
    faults.streams["GetPriceUpdates"] = FaultAction(grpc_status="UNAVAILABLE", message="gone")
    call = pub.GetPriceUpdates(pb.PriceUpdatesRequest())
    assert await stream_error(call) == (grpc.StatusCode.UNAVAILABLE, "gone")
