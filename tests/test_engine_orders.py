"""Matching, balances, history and market data (BEHAVIOUR.md §8-§10)."""
from decimal import Decimal as D

import pytest

from mock_lykke.engine import Code
from mock_lykke.engine import events as ev
from mock_lykke.engine.orders import BulkItem

from engine_world import bal, make_exchange


@pytest.fixture
def ex():
    return make_exchange()


def test_limit_order_rests_and_reserves(ex):
    alice = ex.account("alice")
    oid = ex.place_limit(alice, "BTCUSD", "buy", D("0.5"), D("10000.5"))
    assert bal(ex, "alice", "USD") == (D("100000"), D("5000.25"))
    order = ex.get_order(alice, oid)
    assert (order.status, order.type, order.side, order.remaining, order.last_trade) == (
        "Placed", "Limit", "buy", D("0.5"), None)
    assert str(order.filled) == "0.0" and str(order.cost) == "0.00"   # scales add up
    ex.place_limit(alice, "BTCUSD", "sell", D("2"), D("20000"))
    assert bal(ex, "alice", "BTC") == (D("10"), D("2"))


def test_buy_reservation_rounds_up_to_quote_accuracy(ex):
    alice = ex.account("alice")
    ex.place_limit(alice, "BTCUSD", "buy", D("0.0003"), D("0.333"))  # 0.0000999 USD
    assert bal(ex, "alice", "USD")[1] == D("0.01")


def test_price_time_priority_and_partial_fills(ex):
    alice, bob = ex.account("alice"), ex.account("bob")
    first = ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("10000"))
    ex.clock.advance(5)
    second = ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("10000"))
    better = ex.place_limit(bob, "BTCUSD", "sell", D("0.5"), D("9999"))
    ex.clock.advance(5)
    taker = ex.place_limit(alice, "BTCUSD", "buy", D("2"), D("10000"))
    assert ex.get_order(bob, better).status == "Matched"
    assert ex.get_order(bob, first).status == "Matched"
    o2 = ex.get_order(bob, second)
    assert (o2.status, o2.remaining, o2.filled) == ("PartiallyMatched", D("0.5"), D("0.5"))
    t = ex.get_order(alice, taker)
    assert (t.status, t.remaining, t.last_trade) == ("Matched", D("0"), ex.clock.now())
    trades = ex.trades(alice)
    assert [(x.role, x.price, x.base_volume) for x in trades] == [
        ("Taker", D("10000"), D("0.5")), ("Taker", D("10000"), D("1")), ("Taker", D("9999"), D("0.5"))]
    maker_rows = ex.trades(bob)
    assert {x.role for x in maker_rows} == {"Maker"} and all(x.side == "sell" for x in maker_rows)
    # balances: alice paid 9999*0.5 + 10000*1.5 = 19999.50 and got 2 BTC
    assert bal(ex, "alice", "USD") == (D("100000") - D("19999.50"), D("0"))
    assert bal(ex, "alice", "BTC") == (D("12"), D("0"))
    assert bal(ex, "bob", "BTC") == (D("8"), D("0.5"))
    ex.check_invariants()


def test_taker_gets_maker_price_and_rest_of_reservation_is_released(ex):
    alice, bob = ex.account("alice"), ex.account("bob")
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("9000"))
    oid = ex.place_limit(alice, "BTCUSD", "buy", D("2"), D("10000"))
    assert bal(ex, "alice", "USD") == (D("91000"), D("10000"))
    assert ex.get_order(alice, oid).status == "PartiallyMatched"
    assert str(ex.get_order(alice, oid).cost) == "10000"   # filled 1 x limit price 10000
    ex.check_invariants()


def test_fees_are_charged_in_the_received_asset(ex):
    ex = make_exchange(maker=D("0.001"), taker=D("0.002"))
    alice, bob = ex.account("alice"), ex.account("bob")
    ex.place_limit(alice, "BTCUSD", "sell", D("1"), D("10000"))   # alice is maker
    ex.place_limit(bob, "BTCUSD", "buy", D("1"), D("10000"))     # bob has no fees
    assert bal(ex, "alice", "USD")[0] == D("100000") + D("10000") - D("10")
    fee_row = ex.trades(alice)[0]
    assert (fee_row.fee_size, fee_row.fee_asset) == (D("10.00"), "USD")
    assert ex.trades(bob)[0].fee_size is None
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("10000"))
    ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("10000"))     # alice is taker: 0.002 BTC
    assert ex.trades(alice)[0].fee_size == D("0.00200000")
    assert ex.fees.balances["BTC"].total == D("0.002")
    assert ex.totals() == {"BTC": D("20"), "USD": D("200000"), "ETH": D("100")}


def test_market_order_fill_or_kill_and_average_price(ex):
    alice, bob = ex.account("alice"), ex.account("bob")
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("10000"))
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("10001"))
    oid, price = ex.place_market(alice, "BTCUSD", "buy", D("1.5"))
    assert price == 10000.333333333334
    order = ex.get_order(alice, oid)
    assert (order.type, order.status, order.price) == ("Market", "Matched", D("10000.3333333333"))
    assert ex.orders(alice, False)[0].id == oid
    assert ex.orders(alice, True) == []
    assert {t.role for t in ex.trades(alice)} == {"Taker"}
    ex.check_invariants()


def test_cancel_one_and_cancel_all_by_pair_and_side(ex):
    alice = ex.account("alice")
    b1 = ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("100"))
    s1 = ex.place_limit(alice, "BTCUSD", "sell", D("1"), D("100000"))
    e1 = ex.place_limit(alice, "ETHBTC", "buy", D("1"), D("0.01"))
    ex.cancel_order(alice, b1)
    assert ex.get_order(alice, b1).status == "Cancelled"
    assert ex.cancel_order.__name__ and bal(ex, "alice", "USD") == (D("100000"), D("0"))
    assert ex.cancel_all(alice, "BTCUSD", "buy") == 0
    assert ex.cancel_all(alice, None, "sell") == 1
    assert ex.get_order(alice, s1).status == "Cancelled"
    assert ex.get_order(alice, e1).status == "Placed"
    assert ex.cancel_all(alice) == 1
    assert ex.orders(alice, True) == []
    assert [o.status for o in ex.orders(alice, False)] == ["Cancelled"] * 3
    with pytest.raises(Exception):
        ex.cancel_order(alice, b1)   # already closed: the engine does not find it
    ex.check_invariants()


def test_orders_newest_first_with_paging_and_pair_filter(ex):
    alice = ex.account("alice")
    ids = []
    for i in range(5):
        ids.append(ex.place_limit(alice, "BTCUSD" if i % 2 == 0 else "ETHBTC", "buy", D("1"),
                                  D("100") if i % 2 == 0 else D("0.01")))
        ex.clock.advance(1)
    assert [o.id for o in ex.orders(alice, True)] == ids[::-1]
    assert [o.id for o in ex.orders(alice, True, offset=1, take=2)] == [ids[3], ids[2]]
    assert [o.id for o in ex.orders(alice, True, pair_id="ETHBTC")] == [ids[3], ids[1]]


def test_trade_filters_from_exclusive_to_inclusive(ex):
    alice, bob = ex.account("alice"), ex.account("bob")
    stamps = []
    for side in ("buy", "sell", "buy"):
        ex.place_limit(bob, "BTCUSD", "sell" if side == "buy" else "buy", D("1"), D("10000"))
        ex.place_limit(alice, "BTCUSD", side, D("1"), D("10000"))
        stamps.append(ex.clock.now())
        ex.clock.advance(1000)
    all_trades = ex.trades(alice)
    assert [t.timestamp for t in all_trades] == stamps[::-1]
    assert [t.timestamp for t in ex.trades(alice, from_ms=stamps[0])] == stamps[:0:-1]
    assert [t.timestamp for t in ex.trades(alice, to_ms=stamps[1])] == stamps[1::-1]
    assert [t.side for t in ex.trades(alice, side="sell")] == ["sell"]
    assert len(ex.trades(alice, take=1, offset=1)) == 1
    assert ex.trades(alice, pair_id="ETHBTC") == []


def test_self_trade_gives_two_rows(ex):
    alice = ex.account("alice")
    sell = ex.place_limit(alice, "BTCUSD", "sell", D("1"), D("10000"))
    buy = ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("10000"))
    rows = ex.trades(alice)
    assert sorted((r.order_id, r.role) for r in rows) == sorted([(sell, "Maker"), (buy, "Taker")])
    assert ex.totals()["BTC"] == D("20")
    ex.check_invariants()


def test_bulk_cancel_modes(ex):
    alice = ex.account("alice")
    b = ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("100"))
    s = ex.place_limit(alice, "BTCUSD", "sell", D("1"), D("90000"))
    r = ex.place_bulk(alice, "BTCUSD", [BulkItem("sell", D("1"), D("95000"))], True)
    # notEmptySide (the default): only the side with new orders
    assert ex.get_order(alice, s).status == "Cancelled" and ex.get_order(alice, b).status == "Placed"
    assert [(x.code, x.volume, x.price) for x in r.statuses] == [(Code.success, -1.0, 95000.0)]
    ex.place_bulk(alice, "BTCUSD", [], True, "buySide")
    assert ex.get_order(alice, b).status == "Cancelled"
    assert len(ex.orders(alice, True)) == 1
    ex.place_bulk(alice, "BTCUSD", [], True, "bothSides")
    assert ex.orders(alice, True) == []
    ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("100"))
    ex.place_bulk(alice, "BTCUSD", [], False, "bothSides")   # mode without cancel: no effect
    ex.place_bulk(alice, "BTCUSD", [], True)                 # notEmptySide, no orders: nothing
    assert len(ex.orders(alice, True)) == 1
    ex.check_invariants()


def test_bulk_items_are_judged_one_by_one(ex):
    alice = ex.account("alice")
    old = ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("100"))
    r = ex.place_bulk(alice, "BTCUSD", [
        BulkItem("buy", D("1"), D("101"), old_id=old),      # replaces
        BulkItem("buy", D("1"), D("0")),                    # invalid price
        BulkItem("buy", D("0.00001"), D("100")),            # too small
        BulkItem("buy", D("1"), D("100.0001")),             # price accuracy
        BulkItem("buy", D("1"), D("100"), old_id="missing"),  # not found previous
        BulkItem("buy", D("1000"), D("100000")),            # funds
        BulkItem("buy", D("-1"), D("99999")),               # negative volume flips the side
    ])
    assert [s.code for s in r.statuses] == [
        Code.success, Code.meInvalidPrice, Code.meTooSmallVolume, Code.meInvalidPriceAccuracy,
        Code.meNotFoundPrevious, Code.meNotEnoughFunds, Code.success]
    assert r.statuses[-1].volume == -1.0
    assert ex.get_order(alice, old).status == "Replaced"
    new = ex.get_order(alice, r.statuses[0].id)
    assert (new.status, new.price) == ("Placed", D("101"))
    flipped = ex.get_order(alice, r.statuses[-1].id)
    assert (flipped.side, flipped.volume) == ("sell", D("1"))
    assert len(set(s.id for s in r.statuses)) == 7
    ex.check_invariants()


def test_bulk_unknown_or_disabled_pair(ex):
    alice = ex.account("alice")
    r = ex.place_bulk(alice, "NOPE", [BulkItem("buy", D("1"), D("1"))])
    assert (r.code, r.statuses) == (Code.meUnknownAsset, ())
    ex.reference.pairs["ETHBTC"].disabled = True
    r = ex.place_bulk(alice, "ETHBTC", [BulkItem("buy", D("1"), D("1"))])
    assert (r.code, r.statuses) == (Code.meDisabledAsset, ())


def test_orderbook_entries_per_order_and_depth(ex):
    bob = ex.account("bob")
    ex.place_limit(bob, "BTCUSD", "buy", D("1"), D("9599"))
    ex.place_limit(bob, "BTCUSD", "buy", D("2"), D("9599"))
    ex.place_limit(bob, "BTCUSD", "buy", D("3"), D("9600"))
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("9700"))
    book = ex.orderbook("BTCUSD")
    assert book.bids == ((D("9600"), D("3")), (D("9599"), D("1")), (D("9599"), D("2")))
    assert book.asks == ((D("9700"), D("1")),)
    assert ex.orderbook("BTCUSD", depth=2).bids == book.bids[:2]
    assert ex.orderbook("BTCUSD", depth=-1).bids == book.bids
    empty = ex.orderbook("ETHBTC")
    assert (empty.bids, empty.asks, empty.timestamp) == ((), (), ex.clock.now())


def test_prices_and_tickers(ex):
    alice, bob = ex.account("alice"), ex.account("bob")
    assert [(p.pair_id, p.bid, p.ask) for p in ex.prices()] == [
        ("BTCUSD", D(0), D(0)), ("ETHBTC", D(0), D(0))]
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("10000"))
    ex.place_limit(bob, "BTCUSD", "buy", D("2"), D("9000"))
    assert [(p.bid, p.ask) for p in ex.prices(["btcusd"])] == [(D("9000"), D("10000"))]
    t0 = ex.clock.now()
    ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("10000"))
    ex.clock.advance(3600_000)
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("11000"))
    ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("11000"))
    (t,) = ex.tickers(["BTCUSD"])
    assert (t.volume_base, t.volume_quote, t.last_price, t.high, t.low) == (
        D("2"), D("21000.00"), D("11000"), D("11000"), D("10000"))
    assert t.price_change == 0.1 and t.timestamp == ex.clock.now()
    ex.clock.advance(24 * 3600_000 - 3600_000)   # the first trade leaves the window
    (t,) = ex.tickers(["BTCUSD"])
    assert (t.volume_base, t.price_change, t.low) == (D("1"), 0.0, D("11000"))
    assert t0 < t.timestamp


def test_events_of_one_command_in_order(ex):
    alice, bob = ex.account("alice"), ex.account("bob")
    ex.place_limit(bob, "BTCUSD", "sell", D("1"), D("10000"))
    batches = []
    ex.subscribe(batches.append)
    oid = ex.place_limit(alice, "BTCUSD", "buy", D("0.4"), D("10000"))
    (batch,) = batches
    kinds = [type(e).__name__ for e in batch]
    assert kinds == ["OrdersChanged", "OrdersChanged", "TradesExecuted", "TradesExecuted",
                     "BalancesChanged", "BalancesChanged", "PublicTradesAdded", "TickerChanged",
                     "BookChanged"]   # the best ask did not move: no PriceChanged
    mine = [e for e in batch if getattr(e, "wallet_id", None) == alice.wallet_id]
    assert mine[0].orders[0].id == oid and mine[0].orders[0].status == "Matched"
    assert {b.asset_id for b in mine[2].balances} == {"USD", "BTC"}
    book = next(e for e in batch if isinstance(e, ev.BookChanged))
    assert book.asks == ((D("10000"), D("0.6")),)
    public = next(e for e in batch if isinstance(e, ev.PublicTradesAdded))
    assert public.trades[0].side == "buy" and public.trades[0].volume == D("0.4")
    batches.clear()
    ex.cancel_all(alice)           # nothing changed: no events
    assert batches == []


def test_same_seed_same_commands_same_everything():
    def run():
        ex = make_exchange(seed=42)
        log = []
        ex.subscribe(lambda batch: log.append(repr(batch)))
        a, b = ex.account("alice"), ex.account("bob")
        ex.place_limit(b, "BTCUSD", "sell", D("1"), D("10000"))
        ex.clock.advance(10)
        ex.place_limit(a, "BTCUSD", "buy", D("0.5"), D("10000"))
        ex.place_bulk(b, "BTCUSD", [BulkItem("buy", D("1"), D("9000"))], True, "bothSides")
        ex.place_market(a, "BTCUSD", "sell", D("0.5"))
        return log, [o.view() for o in ex.history.orders.values()]
    assert run() == run()
    other = make_exchange(seed=43)
    assert other.ids.next() != make_exchange(seed=42).ids.next()
