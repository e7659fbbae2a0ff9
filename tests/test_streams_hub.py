"""The stream hub without the network: order-book diffs (§13.3), sharing, keep-alive runs,
bounded queues."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings, strategies as st

from mock_lykke.api import convert_grpc as convert
from mock_lykke.api.streams import KEEPALIVE_MS, StreamHub
from mock_lykke.engine.errors import ApiError
from mock_lykke.proto import publicService_pb2 as pb
from mock_lykke.state import Mock
from test_grpc_support import D, make_exchange


def drain(sub) -> list[bytes]:
    """What is queued for a subscriber (no keep-alive runs in these tests)."""
    out = list(sub.items)
    sub.items.clear()
    return out


def book_of(ex, pair_id):
    b = ex.orderbook(pair_id)
    return convert.aggregate(b.bids), convert.aggregate(b.asks)


def apply(book, msg: pb.Orderbook):
    """Apply a snapshot or a diff to an aggregated {price: volume} book (asks positive)."""
    bids, asks = book
    for side, levels in ((bids, msg.bids), (asks, msg.asks)):
        for lv in levels:
            price, volume = Decimal(lv.p), abs(Decimal(lv.v))
            if volume:
                side[price] = volume
            else:
                side.pop(price, None)


# --- the algorithm ----------------------------------------------------------------------------
def test_diff_matches_the_real_servers_example():
    old_asks = {D("152.65475"): D("0.44286435"), D("153.16139"): D("0.01574865"),
                D("154.30132"): D("0.04724595")}
    new_asks = {D("152.65475"): D("0.44286435"), D("153.16139"): D("0.01574865"),
                D("151.30132"): D("0.05")}
    old_bids = {D("50.0"): D("0.1"), D("49.49336"): D("0.101596"), D("48.35343"): D("0.304788")}
    new_bids = {D("50.0"): D("0.04"), D("49.12345"): D("0.2"), D("48.35343"): D("0.304788")}
    msg = convert.book_diff("X", 0, old_bids, old_asks, new_bids, new_asks, True)
    assert [(lv.p, lv.v) for lv in msg.asks] == [("151.30132", "-0.05"), ("154.30132", "0")]
    assert [(lv.p, lv.v) for lv in msg.bids] == [("50.0", "0.04"), ("49.49336", "0"),
                                                 ("49.12345", "0.2")]


def test_two_orders_at_a_price_are_one_level_with_the_total():
    ex = make_exchange()
    market = ex.account("market")
    hub = StreamHub(Mock(ex))
    sub = hub.open_orderbooks("ETHUSD", [])
    drain(sub)
    ex.place_limit(market, "ETHUSD", "sell", D("50"), D("2010"))
    ex.place_limit(market, "ETHUSD", "sell", D("50"), D("2010"))
    msgs = [pb.Orderbook.FromString(d) for d in drain(sub)]
    assert [(lv.p, lv.v) for lv in msgs[-1].asks] == [("2010", "-100")]
    assert not msgs[-1].bids


ops = st.lists(st.one_of(
    st.tuples(st.just("limit"), st.sampled_from(["trader", "market"]),
              st.sampled_from(["buy", "sell"]), st.integers(9985, 10015),
              st.sampled_from(["0.1", "0.25", "0.5", "1"])),
    st.tuples(st.just("market"), st.sampled_from(["buy", "sell"]),
              st.sampled_from(["0.1", "0.3", "1"])),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
), max_size=25)


@settings(max_examples=60, deadline=None)
@given(ops=ops, multi_quirk=st.booleans())
def test_diffs_applied_to_the_snapshot_rebuild_the_engine_book(ops, multi_quirk):
    ex = make_exchange()
    ex.quirks.update({"orderbook-multi-pair-diff": multi_quirk})
    hub = StreamHub(Mock(ex))
    sub = hub.open_orderbooks("BTCUSD", [])
    other = hub.open_orderbooks("", [])                 # all pairs, same pair's updates
    local = ({}, {})
    for data in drain(sub):
        apply(local, pb.Orderbook.FromString(data))
    drain(other)
    placed: list[str] = []
    for op in ops:
        try:
            if op[0] == "limit":
                _, who, side, price, volume = op
                placed.append(ex.place_limit(ex.account(who), "BTCUSD", side, D(volume), D(price)))
            elif op[0] == "market":
                ex.place_market(ex.account("market"), "BTCUSD", op[1], D(op[2]))
            elif placed:
                order = ex.history.orders[placed[op[1] % len(placed)]]
                ex.cancel_order(ex.accounts[order.wallet_id], order.id)
        except ApiError:
            continue
        for data in drain(sub):
            msg = pb.Orderbook.FromString(data)
            assert msg.assetPairId == "BTCUSD"
            assert [Decimal(lv.p) for lv in msg.asks] == sorted(Decimal(lv.p) for lv in msg.asks)
            assert [Decimal(lv.p) for lv in msg.bids] == sorted(
                (Decimal(lv.p) for lv in msg.bids), reverse=True)
            assert all(Decimal(lv.v) <= 0 for lv in msg.asks)
            apply(local, msg)
        assert local == book_of(ex, "BTCUSD")
        drain(other)
    ex.check_invariants()


# --- multi-pair subscriptions ---------------------------------------------------------------------
def _levels(msg):
    return [(lv.p, lv.v) for lv in msg.bids], [(lv.p, lv.v) for lv in msg.asks]


def test_multi_pair_diff_against_last_book_sent_quirk():
    """quirk orderbook-multi-pair-diff: `last` is per subscriber, not per pair"""
    ex = make_exchange()
    market = ex.account("market")
    sub = StreamHub(Mock(ex)).open_orderbooks("", ["BTCUSD", "ETHUSD"])
    snap = [pb.Orderbook.FromString(d) for d in drain(sub)]
    assert [m.assetPairId for m in snap] == ["BTCUSD", "ETHUSD"]
    ex.place_limit(market, "BTCUSD", "buy", D("1"), D("9000"))
    (msg,) = [pb.Orderbook.FromString(d) for d in drain(sub)]
    assert msg.assetPairId == "BTCUSD"
    # diffed against ETHUSD's book: ETHUSD prices removed, every BTCUSD level "new"
    assert _levels(msg) == ([("9990", "2"), ("9000", "1"), ("1998", "0")],
                            [("2002", "0"), ("10010", "-1.5")])
    ex.place_limit(market, "BTCUSD", "buy", D("1"), D("8000"))
    (msg,) = [pb.Orderbook.FromString(d) for d in drain(sub)]
    assert _levels(msg) == ([("8000", "1")], [])        # same pair twice: a true diff


def test_multi_pair_diff_per_pair_when_quirk_off():
    ex = make_exchange()
    ex.quirks.update({"orderbook-multi-pair-diff": False})
    market = ex.account("market")
    sub = StreamHub(Mock(ex)).open_orderbooks("", ["BTCUSD", "ETHUSD"])
    drain(sub)
    ex.place_limit(market, "BTCUSD", "buy", D("1"), D("9000"))
    (msg,) = [pb.Orderbook.FromString(d) for d in drain(sub)]
    assert _levels(msg) == ([("9000", "1")], [])


# --- fan-out ---------------------------------------------------------------------------------------
def test_one_message_per_event_shared_by_subscribers():
    ex = make_exchange()
    hub = StreamHub(Mock(ex))
    books = [hub.open_orderbooks("BTCUSD", []) for _ in range(5)]
    prices = [hub.open_prices([]) for _ in range(5)]
    trades = [hub.open_public_trades("btcusd") for _ in range(3)]
    for sub in books + prices + trades:
        drain(sub)
    ex.place_market(ex.account("trader"), "BTCUSD", "buy", D("1.5"))    # takes the best ask
    for group in (books, prices, trades):
        queued = [drain(sub) for sub in group]
        assert all(len(q) == 1 for q in queued)
        assert all(q[0] is queued[0][0] for q in queued)    # the very same bytes


def test_private_streams_see_only_their_wallet():
    ex = make_exchange()
    hub = StreamHub(Mock(ex))
    trader, market = ex.account("trader"), ex.account("market")
    mine = [hub.open_trades(trader), hub.open_orders(trader), hub.open_balances(trader)]
    theirs = [hub.open_trades(market), hub.open_orders(market), hub.open_balances(market)]
    for sub in mine + theirs:
        drain(sub)
    ex.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9000"))
    assert [len(drain(s)) for s in mine] == [0, 1, 1]
    assert [len(drain(s)) for s in theirs] == [0, 0, 0]


def test_hub_lets_go_of_the_exchange_when_idle():
    ex = make_exchange()
    hub = StreamHub(Mock(ex))
    sub = hub.open_prices([])
    assert len(ex.listeners) == 1 and ex.clock.pending() == 1
    hub.remove(sub)
    assert not ex.listeners and ex.clock.pending() == 0


# --- bounded queues and keep-alive runs --------------------------------------------------------
def test_a_full_queue_drops_the_subscriber_not_the_engine():
    ex = make_exchange()
    hub = StreamHub(Mock(ex), queue_limit=3)
    slow = hub.open_orderbooks("BTCUSD", [])            # snapshot does not count
    market = ex.account("market")
    for i in range(3):
        ex.place_limit(market, "BTCUSD", "buy", D("0.1"), D(9000 + i))
    assert not slow.overflowed and len(slow.items) == 4
    ex.place_limit(market, "BTCUSD", "buy", D("0.1"), D(8000))
    assert slow.overflowed and not slow.items and hub.count() == 0
    assert not ex.listeners


def test_keepalives_coalesce_into_a_bounded_run():
    ex = make_exchange()
    hub = StreamHub(Mock(ex), queue_limit=10)
    sub = hub.open_orderbooks("", ["ETHUSD", "BTCUSD"])
    drain(sub)
    start = ex.clock.now()
    ex.clock.advance(24 * 3600 * 1000)                 # 2880 keep-alives, nobody reading
    assert len(sub.items) == 1 and not sub.overflowed
    run = sub.items[0]
    assert run.count == sub.limit == 12                 # 10 + the 2 snapshot messages
    assert run.first == start + 24 * 3600 * 1000 - 11 * KEEPALIVE_MS    # the latest ones


async def test_keepalive_messages_from_a_run():
    ex = make_exchange()
    hub = StreamHub(Mock(ex))
    sub = hub.open_orderbooks("", ["ETHUSD", "BTCUSD"])
    drain(sub)
    ex.clock.advance(3 * KEEPALIVE_MS)
    msgs = [pb.Orderbook.FromString(await sub.next()) for _ in range(3)]
    assert [m.assetPairId for m in msgs] == ["BTCUSD"] * 3
    assert [m.timestamp.ToMilliseconds() for m in msgs] == [
        ex.clock.start_ms + KEEPALIVE_MS * i for i in (1, 2, 3)]
    assert not any(m.bids or m.asks for m in msgs)
    assert not sub.items
