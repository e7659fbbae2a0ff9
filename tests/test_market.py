"""Simulated participants: the market maker, random taker flow, replay of recorded data."""
from decimal import Decimal as D

import pytest

from mock_lykke.market.data import load_rows
from mock_lykke.scenario import ScenarioError
from test_scenario_support import START, example, world

MAKER = """
market:
  - {kind: marketMaker, account: market, assetPairId: BTCUSD, mid: "10000", spread: "0.002",
     levels: 3, levelVolume: "0.5", volatility: "%s", skew: "%s", every: 1s}
"""


def _commands(c):
    seen = []
    c.exchange.recorders.append(lambda name, args: seen.append((c.now(), name, args)))
    return seen


def test_market_maker_quotes_at_load_and_requotes_with_one_bulk_per_interval():
    c = world(MAKER % ("0.001", "0"))
    book = c.exchange.books["BTCUSD"]
    assert book.entries("buy") == [(D("9990"), D("0.5")), (D("9980"), D("0.5")),
                                   (D("9970"), D("0.5"))]
    assert book.entries("sell") == [(D("10010"), D("0.5")), (D("10020"), D("0.5")),
                                    (D("10030"), D("0.5"))]
    seen = _commands(c)
    c.advance("10s")
    assert [(t - START, name) for t, name, _ in seen] == [(i * 1000, "place_bulk")
                                                          for i in range(1, 11)]
    assert all(a["cancel_previous"] and a["cancel_mode"] == "bothSides" for _, _, a in seen)
    market = c.exchange.account("market").wallet_id
    assert len(c.exchange.history.active_orders(market)) == 6    # the old quotes are gone
    assert book.best("buy") != D("9990")                        # the mid walked


def test_market_maker_walk_is_seeded():
    def mids(seed):
        c = world(MAKER % ("0.001", "0"), seed=seed)
        out = []
        for _ in range(5):
            c.advance("1s")
            out.append(c.market()[0]["mid"])
        return out
    assert mids(1) == mids(1) != mids(2)


def test_fills_move_inventory_and_skew_the_quotes():
    c = world(MAKER % ("0", "0.01"))
    book = c.exchange.books["BTCUSD"]
    before = (book.best("buy"), book.best("sell"))
    c.place_market("trader", "BTCUSD", "buy", "1.5")          # the maker sells all its asks
    c.advance("1s")
    maker = c.market()[0]
    assert D(maker["inventory"]) == D("-1.5")                  # short: quotes move up
    after = (book.best("buy"), book.best("sell"))
    assert after[0] > before[0] and after[1] > before[1]
    assert after == (D("10089.9"), D("10110.1"))               # 1 % up at full inventory


def test_taker_flow_at_seeded_random_intervals_and_sizes():
    c = world(MAKER % ("0", "0") + """\
  - {kind: taker, account: trader, assetPairId: BTCUSD, every: [2s, 4s], volume: ["0.01", "0.2"]}
""")
    seen = _commands(c)
    c.advance("1m")
    markets = [(t, a) for t, name, a in seen if name == "place_market"]
    assert 14 <= len(markets) <= 31
    times = [START] + [t for t, _ in markets]
    assert all(2000 <= b - a <= 4000 for a, b in zip(times, times[1:]))
    assert all(D("0.01") <= a["volume"] <= D("0.2") for _, a in markets)
    assert {a["side"] for _, a in markets} == {"buy", "sell"}
    again = world(MAKER % ("0", "0") + """\
  - {kind: taker, account: trader, assetPairId: BTCUSD, every: [2s, 4s], volume: ["0.01", "0.2"]}
""")
    seen2 = _commands(again)
    again.advance("1m")
    assert seen2 == seen


def test_limit_taker_crosses_the_book_and_cancels_what_is_left():
    c = world((MAKER % ("0", "0")).replace("every: 1s", "every: 1h") + """\
  - {kind: taker, account: trader, assetPairId: BTCUSD, every: 1s, volume: "2",
     orderType: limit, slippage: "0.0015"}
""")
    seen = _commands(c)
    c.advance("5s")
    limits = [a for _, name, a in seen if name == "place_limit"]
    taker = c.market()[1]
    cancels = sum(1 for _, name, _ in seen if name == "cancel_order")
    assert len(limits) == taker["commands"] - cancels and len(limits) >= 3
    first = limits[0]    # through the best price by 0.15 %: 10010 -> 10025.015, 9990 -> 9975.015
    assert first["price"] == (D("10025.015") if first["side"] == "buy" else D("9975.015"))
    assert all(a["price"] > D("10010") if a["side"] == "buy" else a["price"] < D("9990")
               for a in limits)
    orders = c.exchange.history.orders
    trader = c.exchange.account("trader").wallet_id
    active = c.exchange.history.active_orders(trader)
    ids = [o.id for o in sorted(orders.values(), key=lambda o: o.seq) if o.wallet_id == trader]
    assert [o.id for o in active] in ([], ids[-1:])          # only the latest may rest
    assert all(orders[i].status in ("Matched", "Cancelled") for i in ids[:-1])
    assert any(name == "cancel_order" for _, name, _ in seen)


def test_replay_plays_books_and_trades_through_the_engine():
    c = example("replay.yaml")
    book = c.exchange.books["BTCUSD"]
    assert book.entries("sell")[0] == (D("10010"), D("1"))    # the first snapshot, at load
    c.advance("1s")
    assert book.best("buy") == D("9995") and book.best("sell") == D("10012")
    public = c.exchange.public_trades("BTCUSD", 0, 100)
    assert [(t.timestamp - START, t.side, t.price, t.volume) for t in reversed(public)] == [
        (500, "buy", D("10010"), D("0.25")), (900, "sell", D("9990"), D("0.1"))]
    c.advance("5s")
    assert len(c.exchange.public_trades("BTCUSD", 0, 100)) == 6
    assert [p["played"] for p in c.market()] == [5, 6]
    tape = c.exchange.account("tape").wallet_id
    assert c.exchange.history.active_orders(tape) == []       # nothing left resting


def test_a_recorded_trade_fills_your_orders_priced_through_it():
    c = example("replay.yaml")
    c.advance("400ms")
    order_id = c.place_limit("trader", "BTCUSD", "sell", "0.2", "10005")  # below 10010
    c.advance("100ms")                                        # the buy at 10010 takes it
    order = c.exchange.history.orders[order_id]
    assert (order.status, order.last_trade) == ("Matched", START + 500)


def test_data_files_rebase_times_and_accept_csv_and_jsonl(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("t,side,price,volume\n1000,buy,1,2\n1500,SELL,1.5,0.1\n")
    rows = load_rows(csv)
    assert [(r.t, r.side, r.price, r.volume) for r in rows] == [
        (0, "buy", D("1"), D("2")), (500, "sell", D("1.5"), D("0.1"))]
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text('# comment\n{"t": "2026-01-01T00:00:01Z", "bids": [[1, 2]], "asks": []}\n'
                     '\n{"t": "2026-01-01T00:00:03Z", "asks": [["2.5", "-3"]]}\n')
    rows = load_rows(jsonl)
    assert [(r.line, r.t, r.bids, r.asks) for r in rows] == [
        (2, 0, ((D(1), D(2)),), ()), (4, 2000, (), ((D("2.5"), D(3)),))]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"t": 5, "side": "buy", "price": 1, "volume": 1}\n{"t": 4, "side": "buy", '
                   '"price": 1, "volume": 1}\n{"t": 6, "bids": [1]}\n')
    with pytest.raises(ScenarioError) as e:
        load_rows(bad)
    assert [(p.line, p.message) for p in e.value.problems] == [
        (2, "time goes back"), (3, "`bids` entries must be [price, volume]")]
