"""Replayed books and trades with your own orders queued among them (docs/recording.md)."""
import json
from decimal import Decimal as D

from test_scenario_support import START, world

REPLAY = """
  - {name: books, apiKey: books-key, balances: {BTC: "1000", USD: "10000000"}}
market:
  - {kind: replay, account: books, assetPairId: BTCUSD, file: data.jsonl}
"""


def replay_world(tmp_path, rows: list[dict]):
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return world(REPLAY, base_dir=tmp_path)


def book(t, bids=(), asks=()):
    return {"t": t, "bids": [[str(p), str(v)] for p, v in bids],
            "asks": [[str(p), str(v)] for p, v in asks]}


def trade(t, side, price, volume):
    return {"t": t, "side": side, "price": str(price), "volume": str(volume)}


def level(c, side, price):
    """The level's orders in time order: (account name, remaining)."""
    ex = c.exchange
    names = {a.wallet_id: a.name for a in ex.accounts.values()}
    return [(names[o.wallet_id], o.remaining) for o in ex.books["BTCUSD"].orders(side)
            if o.price == D(price)]


def test_your_order_fills_only_after_the_replayed_volume_ahead_of_it(tmp_path):
    c = replay_world(tmp_path, [
        book(0, bids=[(100, 5)], asks=[(110, 5)]),
        trade(1000, "sell", 100, 3), book(1000, bids=[(100, 2)], asks=[(110, 5)]),
        book(2000, bids=[(100, 6)], asks=[(110, 5)]),        # 4 more join, behind you
        trade(3000, "sell", 100, 2),
        trade(4000, "sell", 100, "1.5"),
        book(5000, bids=[(100, "2.5")], asks=[(110, 5)])])
    mine = c.place_limit("trader", "BTCUSD", "buy", "1", "100")
    assert level(c, "buy", 100) == [("books", 5), ("trader", 1)]
    c.advance("1s")
    assert level(c, "buy", 100) == [("books", 2), ("trader", 1)]     # 3 of the 5 traded
    c.advance("1s")
    assert level(c, "buy", 100) == [("books", 2), ("trader", 1), ("books", 4)]
    c.advance("1s")                                                 # exactly what was ahead
    assert c.exchange.history.orders[mine].status == "Placed"
    c.advance("1s")
    order = c.exchange.history.orders[mine]
    assert (order.status, order.last_trade) == ("Matched", START + 4000)
    fill, = c.exchange.order_trades(c.account("trader"), mine)
    assert (fill.role, fill.price, fill.base_volume) == ("Maker", D(100), D(1))
    # the trade's other 0.5 went to the volume behind; the recording says 2.5 are left
    assert level(c, "buy", 100) == [("books", D("3.5"))]
    c.advance("1s")
    assert level(c, "buy", 100) == [("books", D("2.5"))]


def test_a_level_you_consumed_is_not_filled_again_by_the_next_replayed_trade(tmp_path):
    c = replay_world(tmp_path, [
        book(0, bids=[(100, 5)], asks=[(110, 2), (111, 5)]),
        book(1000, bids=[(100, 5)], asks=[(110, 2), (111, 5)]),     # the recording saw no bot
        trade(2000, "buy", 110, 2),                                 # its own buyer takes 110
        book(3000, bids=[(100, 5)], asks=[(111, 5)])])
    c.place_market("trader", "BTCUSD", "buy", "2")                  # you take the 110 level
    c.advance("1s")
    assert level(c, "sell", 110) == []                              # not put back
    assert c.market()[0]["taken"] == {"sell 110": "2"}
    mine = c.place_limit("trader", "BTCUSD", "buy", "1", "110")     # now bid at 110
    c.advance("1s")
    assert c.exchange.history.orders[mine].remaining == D(1)        # the recorded trade used
    assert len(c.exchange.public_trades("BTCUSD")) == 1             # up what you took: skipped
    assert c.market()[0]["skipped"] == 1 and c.market()[0]["taken"] == {}
    c.advance("1s")
    assert level(c, "sell", 111) == [("books", 5)] and level(c, "sell", 110) == []


def test_a_replayed_trade_at_your_level_stops_at_you_and_spares_the_volume_behind(tmp_path):
    c = replay_world(tmp_path, [
        book(0, asks=[(110, 1)]),
        book(1000, asks=[(110, 4)]),                                # 3 join behind you
        trade(2000, "buy", 110, 2),                                 # 1 ahead, then you
        book(2000, asks=[(110, 2)])])                               # the recorded remainder
    mine = c.place_limit("trader", "BTCUSD", "sell", "1", "110")
    c.advance("1s")
    assert level(c, "sell", 110) == [("books", 1), ("trader", 1), ("books", 3)]
    c.advance("1s")
    assert c.exchange.history.orders[mine].status == "Matched"
    # your fill took what the recording gave to the volume behind you: the level is not
    # filled twice, and the next snapshot trims the replayed volume to the recorded 2
    assert level(c, "sell", 110) == [("books", 2)]
    assert [t.volume for t in c.exchange.public_trades("BTCUSD")] == [D(1), D(1)]


def test_a_smaller_level_cancels_replayed_orders_newest_first_never_moving_you_up(tmp_path):
    c = replay_world(tmp_path, [
        book(0, bids=[(100, 5)]),
        book(1000, bids=[(100, 8)]),        # 3 join behind you
        book(2000, bids=[(100, 6)]),        # 2 leave: cut from the newest, re-placed behind
        book(3000, bids=[(100, 5)]),        # 1 leaves: the order of exactly that size
        book(4000, bids=[(100, 4)]),        # 1 leaves: it would cut the order ahead of you
        book(5000, bids=[(100, 7)]),        # 2 join: behind you, the level is 7 again
        book(6000, bids=[(100, 2)])])       # 5 leave: exactly the order ahead of you
    c.place_limit("trader", "BTCUSD", "buy", "1", "100")
    steps = [[("books", 5), ("trader", 1), ("books", 3)],
             [("books", 5), ("trader", 1), ("books", 1)],
             [("books", 5), ("trader", 1)],
             [("books", 5), ("trader", 1)],                 # held: you do not move ahead
             [("books", 5), ("trader", 1), ("books", 2)],
             [("trader", 1), ("books", 2)]]
    for want in steps:
        c.advance("1s")
        assert level(c, "buy", 100) == want
    c.exchange.check_invariants()


def test_without_orders_of_yours_every_snapshot_is_reproduced_level_by_level(tmp_path):
    rows = [book(0, bids=[(100, 5), (99, 1)], asks=[(110, 5)]),
            trade(500, "sell", 100, 2),
            book(600, bids=[(100, 3), (98, 2)], asks=[(109, 1), (110, 5)]),
            book(700, bids=[(101, "0.5"), (100, 1)], asks=[(110, 7)]),
            trade(800, "buy", 110, 7),
            book(800, bids=[(101, "0.5"), (100, 1)], asks=[])]
    c = replay_world(tmp_path, rows)
    books = c.exchange.books["BTCUSD"]
    for row in rows:
        c.advance(to=row["t"])
        if "bids" in row:
            want = ({D(p): D(v) for p, v in row["bids"]}, {D(p): D(v) for p, v in row["asks"]})
            got = ({}, {})
            for side, out in (("buy", got[0]), ("sell", got[1])):
                for price, volume in books.entries(side):
                    out[price] = out.get(price, D(0)) + volume
            assert got == want, row
