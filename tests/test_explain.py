"""Explanations: the journal notes why each fill and rejection happened, and
`mock-lykke explain JOURNAL ID` prints it."""
import json

import grpc

from mock_lykke.dryrun.cli import main as dryrun_cli
from mock_lykke.dryrun.explain import explain_main
from mock_lykke.journal import read_journal, replay_file
from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc as pvg
from mock_lykke.scenario import build_mock, load_text, snapshot_bytes
from mock_lykke.server import MockServer

START = 1_767_225_600_000
TRADER = (("authorization", "Bearer trader-key"),)
WORLD = """
version: 1
seed: 9
clock: {mode: lockstep, quiet: 0ms, warmup: 0ms}
assets: [{assetId: BTC, accuracy: 8}, {assetId: USD, accuracy: 2}]
assetPairs: [{assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}]
accounts:
  - {name: trader, apiKey: trader-key, balances: {BTC: "1", USD: "100000"}}
  - {name: market, apiKey: market-key, balances: {BTC: "100", USD: "1000000"},
     fees: {taker: "0.001"}}
orders:
  - {account: market, assetPairId: BTCUSD, side: sell, price: "10010", volume: "1"}
  - {account: market, assetPairId: BTCUSD, side: buy, price: "9990", volume: "1"}
latency:
  - {method: PlaceLimitOrder, request: 50ms, response: 5ms}
"""


def limit(volume, price):
    return pv.LimitOrderRequest(assetPairId="BTCUSD", side=pv.buy, volume=volume, price=price)


async def trade(path):
    """The trader: one order it cannot pay for, one that rests at the top and is filled by a
    market sell, one that queues behind the market's bid."""
    mock = build_mock(load_text(WORLD), journal_path=path, track=["trader"])
    c = mock.controller
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        priv = pvg.PrivateServiceStub(ch)
        refused = await priv.PlaceLimitOrder(limit("100", "9995"), metadata=TRADER)
        top = await priv.PlaceLimitOrder(limit("0.2", "9995"), metadata=TRADER)
        behind = await priv.PlaceLimitOrder(limit("0.1", "9990"), metadata=TRADER)
        c.place_market("market", "BTCUSD", "sell", "0.3")
        state = snapshot_bytes(c.exchange)
    assert refused.error.code == 2006
    return top.payload.orderId, behind.payload.orderId, state


async def test_the_journal_notes_why(tmp_path):
    path = tmp_path / "j.jsonl"
    top, behind, _ = await trade(path)
    header, entries = read_journal(path)
    assert header["track"] == {"accounts": ["trader"]}
    notes = {e["cmd"]: e for e in entries if e["cmd"] in ("reject", "fill")}
    reject = notes["reject"]["args"]
    assert notes["reject"]["t"] == START + 50                 # after the request leg
    assert reject["code"] == 2006 and reject["codeName"] == "meNotEnoughFunds"
    assert reject["rule"] == "funds: the order needs 999500 USD free, the account has 100000"
    assert reject["call"] == 1 and reject["order"] is None
    fill = notes["fill"]["args"]
    assert fill["maker"]["order"] == top and fill["maker"]["account"] == "trader"
    assert fill["taker"]["account"] == "market" and fill["taker"]["type"] == "Market"
    assert (fill["price"], fill["volume"], fill["taker"]["fee"]) == ("9995", "0.2", "2.00")
    # call 2 arrived when call 1 was answered (+55) and reached the engine 50 ms later
    assert fill["maker"]["since"] == START + 105 and fill["call"] is None
    entered = {e["args"]["order"]: e["args"] for e in entries if e["cmd"] == "order"}
    assert entered[top]["queueAhead"] == "0" and entered[top]["call"] == 2
    assert (entered[behind]["queueAhead"], entered[behind]["ordersAhead"]) == ("1", 1)
    calls = [e["args"] for e in entries if e["cmd"] == "call"]
    assert [(a["id"], a["result"], a["latency"]) for a in calls] == [
        (i, r, {"request": 50, "response": 5}) for i, r in
        ((1, "rejected"), (2, "ok"), (3, "ok"))]


async def test_explain_prints_the_reason_of_a_rejection_and_of_a_fill(tmp_path, capsys):
    path = tmp_path / "j.jsonl"
    top, behind, _ = await trade(path)

    assert explain_main(str(path), "#1") == 0
    out = capsys.readouterr().out
    assert "rejected place_limit  trader  BTCUSD buy 100 @ 9995" in out
    assert "error    2006 meNotEnoughFunds: Not enough funds (field volume)" in out
    assert "why      funds: the order needs 999500 USD free, the account has 100000" in out
    assert "latency  request 50 ms, response 5 ms; reached the engine at " \
           "2026-01-01T00:00:00.050Z" in out

    assert dryrun_cli(["explain", str(path), top[:8]]) == 0     # a unique start will do
    out = capsys.readouterr().out
    assert f"order {top}  trader  BTCUSD buy Limit 0.2 @ 9995" in out
    assert "at entry Placed, remaining 0.2; queue ahead 0 in 0 order(s) at 9995" in out
    assert "0.2 @ 9995 as maker, against the sell market order" in out
    assert "why: price-time priority: the taker's market sell met the best bid 9995" in out

    assert explain_main(str(path), behind) == 0
    assert "queue ahead 1 in 1 order(s) at 9990" in capsys.readouterr().out

    assert explain_main(str(path), None) == 0                 # the list
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 3 and listing[-1].startswith("#1 ")

    assert explain_main(str(path), top, as_json=True) == 0
    related = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["cmd"] for e in related] == ["order", "fill"]


async def test_unknown_ids_and_journals_without_notes_are_refused(tmp_path, capsys):
    path = tmp_path / "j.jsonl"
    await trade(path)
    assert explain_main(str(path), "nope") == 1
    plain = tmp_path / "plain.jsonl"
    c = build_mock(load_text(WORLD), journal_path=plain).controller
    c.journal.close(c.now())
    assert explain_main(str(plain), "#1") == 2
    assert "no explanations" in capsys.readouterr().err


async def test_a_journal_with_notes_still_replays_to_the_same_state(tmp_path):
    path = tmp_path / "j.jsonl"
    _, _, state = await trade(path)
    assert snapshot_bytes(replay_file(path)[1]) == state


REFUSING = """
version: 1
seed: 9
assets: [{assetId: BTC, accuracy: 8}, {assetId: USD, accuracy: 2}]
assetPairs: [{assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}]
accounts:
  - {name: trader, apiKey: trader-key, balances: {BTC: "1", USD: "100000"}}
  - {name: market, apiKey: market-key, balances: {BTC: "1", USD: "20000"}}
  - {name: poor, apiKey: poor-key, balances: {USD: "1000000"}}
orders:
  - {account: market, assetPairId: BTCUSD, side: buy, price: "9990", volume: "1"}
market:
  - {kind: marketMaker, account: poor, assetPairId: BTCUSD, mid: "10000", levels: 1,
     levelVolume: "0.5", every: 10s}
timeline:
  - {at: 1s, setBalance: {account: market, assetId: USD, amount: "100"}}
  - {at: 2s, marketOrder: {account: market, assetPairId: BTCUSD, side: buy, volume: "50"}}
"""


def test_refused_timeline_steps_and_participant_orders_are_noted_and_explained(tmp_path,
                                                                              capsys):
    path = tmp_path / "j.jsonl"
    c = build_mock(load_text(REFUSING), journal_path=path, track=["trader"]).controller
    c.advance("5s")
    c.journal.close(c.now())
    _, entries = read_journal(path)
    rejects = {e["args"]["source"]: e for e in entries if e["cmd"] == "reject"}
    assert set(rejects) == {"market[0] marketMaker:BTCUSD", "timeline[0] setBalance",
                            "timeline[1] marketOrder"}
    balance = rejects["timeline[0] setBalance"]
    assert balance["t"] == START + 1000 and balance["args"]["code"] is None
    assert "below the reserved" in balance["args"]["rule"]
    market = rejects["timeline[1] marketOrder"]["args"]
    assert (market["account"], market["command"], market["codeName"]) == (
        "market", "place_market", "meNoLiquidity")
    quote = rejects["market[0] marketMaker:BTCUSD"]["args"]
    assert (quote["account"], quote["side"], quote["codeName"]) == (
        "poor", "sell", "meNotEnoughFunds")
    assert c.tracker.rejections == 0                  # none of the tracked account's

    assert explain_main(str(path), None) == 0
    listing = capsys.readouterr().out
    assert "rejected place_market: meNoLiquidity (by timeline[1] marketOrder)" in listing
    n = balance["n"]
    assert f"n{n}  2026-01-01T00:00:01.000Z  rejected setBalance: refused" in listing
    assert explain_main(str(path), f"n{n}") == 0
    out = capsys.readouterr().out
    assert "by       the scenario's timeline[0] setBalance step" in out
    assert "error    refused before the engine: USD balance 100 is below the reserved" in out
    assert quote["order"] and explain_main(str(path), quote["order"]) == 0
    out = capsys.readouterr().out
    assert "by       the market participant market[0] marketMaker:BTCUSD" in out
    assert "why      funds: the order needs 0.5 BTC free, the account has 0" in out


async def test_an_order_filled_then_cancelled_too_late_is_explained_whole(tmp_path, capsys):
    """The refused cancel (2009) is part of the order's life, and the listing has one row
    per id: the cancel's row is its call's."""
    path = tmp_path / "j.jsonl"
    mock = build_mock(load_text(WORLD), journal_path=path, track=["trader"])
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        priv = pvg.PrivateServiceStub(ch)
        top = (await priv.PlaceLimitOrder(limit("0.2", "9995"), metadata=TRADER)).payload.orderId
        mock.controller.place_market("market", "BTCUSD", "sell", "0.2")
        refused = await priv.CancelOrder(pv.CancelOrderRequest(orderId=top), metadata=TRADER)
    assert refused.error.code == 2009

    assert explain_main(str(path), top) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"order {top}  trader  BTCUSD buy Limit 0.2 @ 9995")
    assert "0.2 @ 9995 as maker, against the sell market order" in out
    assert "  refused  2026-01-01T00:00:00.055Z cancel_order by call #2 CancelOrder: 2009 " \
           "meNotFound" in out
    assert f"why: cancel: {top} is not an active order of this account" in out

    assert explain_main(str(path), None) == 0
    rows = capsys.readouterr().out.splitlines()
    refs = [row.split()[0] for row in rows]
    assert refs == [top, "#2"] and f"rejected cancel_order of {top}: meNotFound" in rows[1]
    assert explain_main(str(path), "#2") == 0
    assert f"rejected cancel_order of order {top}  trader" in capsys.readouterr().out
