"""`mock-lykke record`: a recording of the mock's own market, replayed inside the mock."""
import asyncio
import gzip
import json
import random
from collections import Counter
from decimal import Decimal as D

import grpc
import pytest

from mock_lykke import recorder
from mock_lykke.engine.clock import VirtualClock
from mock_lykke.market.replay import Replay
from mock_lykke.scenario import build_mock, load_file
from mock_lykke.scenario.build import setup_exchange
from mock_lykke.server import MockServer
from test_scenario_support import SCENARIOS

PAIR = "BTCUSD"
REPLAY_WORLD = {
    "assets": [{"assetId": "BTC", "accuracy": 8}, {"assetId": "USD", "accuracy": 2}],
    "assetPairs": [{"assetPairId": PAIR, "baseAssetId": "BTC", "quoteAssetId": "USD",
                    "priceAccuracy": 3}],
    "accounts": [{"name": "books", "apiKey": "k",
                  "balances": {"BTC": "100000", "USD": "10000000000"}}]}


def aggregate(entries) -> dict:
    out = {}
    for price, volume in entries:
        out[price] = out.get(price, D(0)) + volume
    return out


def source_book(ex) -> tuple[dict, dict]:
    book = ex.orderbook(PAIR)
    return aggregate(book.bids), aggregate(book.asks)


def recorded_states(path) -> list[tuple[dict, dict]]:
    """Each book state of the recording, rebuilt here from the raw messages (not with the
    recorder's reader): a snapshot sets the book, a diff sets or (volume 0) removes levels."""
    states, bids, asks = [], {}, {}
    with gzip.open(path, "rt") as f:
        for line in list(f)[1:]:
            msg = json.loads(line)
            if msg["kind"] != "book" or msg["pair"] != PAIR:
                continue
            if msg.get("snapshot"):
                bids, asks = aggregate((D(p), abs(D(v))) for p, v in msg["bids"]), \
                    aggregate((D(p), abs(D(v))) for p, v in msg["asks"])
            else:
                for side, levels in ((bids, msg["bids"]), (asks, msg["asks"])):
                    for p, v in levels:
                        if D(v) == 0:
                            side.pop(D(p), None)
                        else:
                            side[D(p)] = abs(D(v))
            states.append((dict(bids), dict(asks)))
    return states


def replay_recording(path):
    """Play a recording through a Replay participant on a fresh engine; the book after each
    replayed book state, and the engine."""
    ex = setup_exchange(REPLAY_WORLD, VirtualClock(0), 1)
    p = Replay(ex, {"kind": "replay", "account": "books", "assetPairId": PAIR,
                    "file": str(path)}, random.Random(1))
    seen = []
    play = p.play

    def play_and_look(row):
        play(row)
        if not row.is_trade:
            seen.append(source_book(ex))
    p.play = play_and_look
    p.start()
    ex.clock.advance(p.rows[-1].t + 1)
    assert p.stats["rejected"] == 0, p.last_error
    return seen, ex


async def record_the_mock(tmp_path, seconds: int, tls=None, stamp=False):
    """Record the market-maker scenario (virtual clock, advanced a second at a time) until
    the recording has caught up with each step; returns the file and the source engine."""
    mock = build_mock(load_file(SCENARIOS / "market-maker.yaml"))
    c = mock.controller
    state = recorder.BookState()
    live_trades = []
    caught_up = asyncio.Event()
    target = {}

    def check():
        if (state.bids, state.asks) == target.get("book") and \
                len(live_trades) == target.get("trades"):
            caught_up.set()

    def on_message(line):
        if line["kind"] == "book" and line["pair"] == PAIR:
            state.apply(line)
        if line["kind"] == "trade" and not line.get("snapshot"):
            live_trades.append(line)
        check()

    out = tmp_path / "rec.jsonl.gz"
    async with MockServer(mock, tls=tls) as server:
        creds = grpc.ssl_channel_credentials(tls.ca_pem) if tls else None
        channel = (grpc.aio.secure_channel(server.grpc_target, creds) if tls
                   else grpc.aio.insecure_channel(server.grpc_target))
        async with channel:
            extra = {"now_ms": c.now} if stamp else {}
            rec = recorder.Recorder(channel, [PAIR], out, server.grpc_target, on_message,
                                    **extra)
            task = asyncio.ensure_future(rec.run())
            await asyncio.wait_for(rec.ready.wait(), 30)
            before = len(c.exchange.public_trades(PAIR, 0, 10_000))
            for _ in range(seconds):
                c.advance("1s")
                caught_up.clear()
                target["book"] = source_book(c.exchange)
                target["trades"] = len(c.exchange.public_trades(PAIR, 0, 10_000)) - before
                check()
                await asyncio.wait_for(caught_up.wait(), 30)
            rec.stop()
            counts = await task
    return out, c.exchange, counts, before


async def test_a_recording_of_the_mock_replays_every_recorded_book_state_exactly(tmp_path):
    path, source, counts, before = await record_the_mock(tmp_path, 30)
    assert counts["book"] > 30 and counts["trade"] > 5 and counts["price"] > 10
    states = recorded_states(path)
    assert states[-1] == source_book(source)          # the recording ends where the mock is
    seen, ex = replay_recording(path)
    assert seen == states                             # after every replayed book message
    # and the recorded trades were printed again, at their prices and volumes
    made = source.public_trades(PAIR, 0, 10_000)
    made = made[:len(made) - before]
    replayed = ex.public_trades(PAIR, 0, 10_000)
    assert made and _volumes(replayed) == _volumes(made)


async def test_receive_times_come_from_the_given_clock(tmp_path):
    """By default the wall clock (engine/clock.py's reader); here the mock's virtual clock."""
    path, source, counts, _ = await record_the_mock(tmp_path, 5, stamp=True)
    with gzip.open(path, "rt") as f:
        header, *lines = [json.loads(line) for line in f]
    start = source.clock.start_ms
    assert header["startedMs"] == start
    assert {m["rt"] for m in lines} <= set(range(start, start + 5001, 1000))
    assert max(m["rt"] for m in lines) == start + 5000
    assert all(m["rt"] >= m["st"] for m in lines if not m.get("snapshot"))


def _volumes(trades) -> dict:
    out = {}
    for t in trades:
        out[(t.side, t.price)] = out.get((t.side, t.price), D(0)) + t.volume
    return out


async def test_recording_over_tls_trusts_the_given_ca(tmp_path):
    from mock_lykke.tls import make_tls
    tls = make_tls(directory=tmp_path)
    path, source, _, _ = await record_the_mock(tmp_path, 2, tls=tls)
    assert recorded_states(path)[-1] == source_book(source)
    header, _ = recorder.read_recording(path)
    assert header["pairs"] == [PAIR] and header["recording"] == 1


async def test_record_for_a_duration_with_a_ca_file(tmp_path):
    from mock_lykke.tls import make_tls
    tls = make_tls(directory=tmp_path)
    mock = build_mock(load_file(SCENARIOS / "market-maker.yaml"))
    out = tmp_path / "r.jsonl.gz"
    async with MockServer(mock, tls=tls) as server:
        counts = await recorder.record(server.grpc_target, out, None, 1.0, str(tls.ca_file))
    header, messages = recorder.read_recording(out)
    kinds = Counter(m["kind"] for _, m in messages)
    assert header["pairs"] == [PAIR] and counts["book"] >= 1
    assert kinds["book"] == counts["book"] and kinds["price"] >= 1
    with pytest.raises((grpc.aio.AioRpcError, asyncio.TimeoutError)):
        await recorder.record("127.0.0.1:1", out, [PAIR], 1.0, connect_timeout=0.5)


def test_the_shipped_sample_replays_every_recorded_state():
    path = SCENARIOS / "data" / "btcusd-recorded.jsonl.gz"
    states = recorded_states(path)
    seen, _ = replay_recording(path)
    assert len(states) > 50 and seen == states


def test_the_sample_scenario_runs_with_your_orders_in_the_replayed_book():
    c = build_mock(load_file(SCENARIOS / "replay-recorded.yaml")).controller
    c.advance("10s")
    book = c.exchange.books[PAIR]
    bid = book.best("buy")
    ahead = sum(o.remaining for o in book.orders("buy") if o.price == bid)
    mine = c.place_limit("trader", PAIR, "buy", "0.1", str(bid))
    queue = [o.id for o in book.orders("buy") if o.price == bid]
    assert ahead > 0 and queue[-1] == mine                  # behind the replayed volume
    c.advance("3m")
    tape = c.market()[0]
    assert (tape["rejected"], tape["played"]) == (0, tape["rows"])
    c.exchange.check_invariants()


def test_reading_rules_snapshot_first_then_trades_then_diffs_and_cut_files(tmp_path):
    lines = [{"recording": 1, "target": "x", "pairs": [PAIR], "startedMs": 0},
             {"kind": "book", "pair": PAIR, "rt": 1000, "st": 10, "snapshot": True,
              "bids": [["100", "1"], ["100", "2"]], "asks": [["101", "-1"]]},
             {"kind": "trade", "pair": PAIR, "rt": 1000, "st": 5, "snapshot": True, "id": "h",
              "side": "buy", "price": "101", "volume": "1"},
             {"kind": "book", "pair": PAIR, "rt": 1500, "st": 900,
              "bids": [["99", "4"]], "asks": [["101", "0"], ["102", "-2"]]},
             {"kind": "trade", "pair": PAIR, "rt": 1501, "st": 900, "id": "a",
              "side": "buy", "price": "101", "volume": "1"},
             {"kind": "price", "pair": PAIR, "rt": 1501, "st": 900, "bid": "100", "ask": "102"}]
    path = tmp_path / "r.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write("".join(json.dumps(x) + "\n" for x in lines))
    rows = recorder.recorded_rows(path, PAIR)
    # the history trade is skipped; the snapshot plays at about when it was received (st 400);
    # at st 900 the trade plays before the diff that already shows it
    assert [(r.t, r.is_trade) for r in rows] == [(0, False), (500, True), (500, False)]
    assert rows[0].bids == ((D(100), D(3)),) and rows[0].asks == ((D(101), D(1)),)
    assert rows[2].bids == ((D(100), D(3)), (D(99), D(4))) and rows[2].asks == ((D(102), D(2)),)
    data = path.read_bytes()
    (tmp_path / "cut.jsonl.gz").write_bytes(data[:len(data) - 30])   # the recorder was killed
    header, messages = recorder.read_recording(tmp_path / "cut.jsonl.gz")
    assert header["recording"] == 1 and len(list(messages)) <= len(lines) - 1
