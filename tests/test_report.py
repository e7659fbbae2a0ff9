"""The dry-run report from a journal alone: summary.json, orders.csv, fills.csv, report.html."""
import csv
import json
import sys
from decimal import Decimal as D

import pytest

from mock_lykke.dryrun.metrics import collect
from mock_lykke.dryrun.report import ReportError, write_report
from mock_lykke.journal import ReplayError
from mock_lykke.engine.orders import BulkItem
from mock_lykke.scenario import build_mock, load_file, load_text
from test_scenario_support import SCENARIOS

WORLD = """
version: 1
seed: 5
clock: {start: "2026-01-01T00:00:00Z", mode: virtual}
assets:
  - {assetId: BTC, accuracy: 8}
  - {assetId: USD, accuracy: 2}
assetPairs:
  - {assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}
accounts:
  - {name: trader, apiKey: t, balances: {BTC: "1", USD: "10000"},
     fees: {maker: "0", taker: "0.001"}}
  - {name: market, apiKey: m, balances: {BTC: "100", USD: "1000000"}}
"""


def scripted_journal(path, deposit=False, track=None):
    """A few commands with known fills; the trader buys 0.2 at market, then sells 0.1 as a
    maker behind 0.05 of the market's. `track`: write the dry-run notes too."""
    c = build_mock(load_text(WORLD), journal_path=path, track=track).controller
    c.place_limit("market", "BTCUSD", "buy", "0.5", "9990")
    c.place_limit("market", "BTCUSD", "sell", "0.5", "10010")       # mid 10000
    c.advance("1s")
    c.place_market("trader", "BTCUSD", "buy", "0.2")                # taker at 10010
    c.advance("1s")
    if deposit:
        c.deposit("trader", "USD", "1000")
        c.set_balance("trader", "BTC", "2.1998")                    # 1 BTC more
    c.cancel_all("market")
    c.place_limit("market", "BTCUSD", "buy", "0.5", "10090")
    c.place_limit("market", "BTCUSD", "sell", "0.5", "10110")       # mid 10100
    c.place_limit("market", "BTCUSD", "sell", "0.05", "10105")      # mid 10097.5
    c.advance("1s")
    order_id = c.place_limit("trader", "BTCUSD", "sell", "0.1", "10105")   # 0.05 ahead
    c.advance("1s")
    c.place_market("market", "BTCUSD", "buy", "0.15")               # fills 0.05, then ours
    c.advance("1s")
    c.journal.close(c.now())
    return order_id


@pytest.fixture
def journal(tmp_path):
    path = tmp_path / "journal.jsonl"
    scripted_journal(path)
    return path


def rows(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_summary_pnl_equals_the_hand_computed_value(journal, tmp_path):
    s = write_report(journal, tmp_path / "out", html=False)
    assert s == json.loads((tmp_path / "out" / "summary.json").read_text())
    # by hand: the first mid is 10000, so the start is 1 BTC x 10000 + 10000 USD
    start = D("1") * D("10000") + D("10000")
    btc = D("1") + D("0.2") - D("0.0002") - D("0.1")     # bought 0.2 (fee 0.1 %), sold 0.1
    usd = D("10000") - D("0.2") * D("10010") + D("0.1") * D("10105")
    end = btc * D("10100") + usd                          # marked to the last mid
    assert (btc, usd, end) == (D("1.0998"), D("9008.50"), D("20116.48"))
    assert D(s["equityChange"]) == end - start == D("116.48")
    assert D(s["fees"]) == D("0.0002") * D("10100")       # the BTC fee, at the last mid
    assert D(s["equityChangeBeforeFees"]) == D("118.50")
    # what trading changed, at the last mid: 0.0998 BTC more, 991.50 USD less
    assert D(s["tradingPnl"]) == D("0.0998") * D("10100") - D("991.50") == D("16.48")
    assert (s["account"], s["valuationAsset"], D(s["equityStart"])) == ("trader", "USD", start)
    assert D(s["turnover"]) == D("2002") + D("1010.5")
    assert D(s["makerShare"]) == (D("1010.5") / D("3012.5")).quantize(D("1e-10"))
    assert D(s["fillRatio"]) == 1 and (s["orders"], s["fills"], s["rejected"]) == (2, 2, 0)
    # slippage against the mid at arrival: paid 10 over 10000 on 0.2, got 7.5 over 10097.5
    assert D(s["slippage"]) == (D("10010") - D("10000")) * D("0.2") \
        - (D("10105") - D("10097.5")) * D("0.1") == D("1.25")
    assert s["maxInventory"] == {"BTC": "0.1998", "USD": "2002"}
    assert s["finalInventory"] == {"BTC": "0.0998", "USD": "-991.5"}
    # the lowest point: right after the buy, 1.1998 BTC x 10000 + 7998 USD
    assert D(s["maxDrawdown"]) == start - (D("1.1998") * D("10000") + D("7998")) == D("4")


def test_money_moved_in_or_out_is_neither_profit_nor_inventory(tmp_path):
    scripted_journal(tmp_path / "journal.jsonl", deposit=True)
    s = write_report(tmp_path / "journal.jsonl", tmp_path, html=False)
    assert D(s["flows"]) == D("1000") + D("1") * D("10000")      # at the mid of the time
    # the extra BTC gains what the mid gains after it came in; the USD earns nothing
    assert D(s["equityChange"]) == D("116.48") + D("1") * (D("10100") - D("10000"))
    assert (s["maxInventory"], s["finalInventory"]) == (
        {"BTC": "0.1998", "USD": "2002"}, {"BTC": "0.0998", "USD": "-991.5"})


@pytest.mark.parametrize("deposit", [False, True])
def test_a_dry_run_journal_gives_the_same_report_from_its_notes_alone(tmp_path, deposit):
    journal = tmp_path / "journal.jsonl"
    scripted_journal(journal, deposit=deposit, track=["trader"])
    notes = collect(journal, "trader")
    replayed = collect(journal, "trader", source="replay")
    assert (notes.source, replayed.source) == ("notes", "replay")
    assert notes.summary() == replayed.summary()
    assert notes.order_rows() == replayed.order_rows() and notes.fills == replayed.fills
    assert list(notes.eq_net) == list(replayed.eq_net) and notes.inv == replayed.inv


def test_notes_and_replay_agree_on_a_moving_market(tmp_path):
    """A bot quoting inside the spread and crossing it, on the market-maker scenario."""
    journal = tmp_path / "journal.jsonl"
    mock = build_mock(load_file(SCENARIOS / "market-maker.yaml"), journal_path=journal,
                      track=["trader"])
    c, size, tick = mock.controller, D("0.01"), D("0.001")
    for i in range(600):
        c.advance(100)
        ex = mock.exchange
        bid, ask = ex.books["BTCUSD"].best("buy"), ex.books["BTCUSD"].best("sell")
        items = [BulkItem("buy", size, bid + tick), BulkItem("sell", size, ask - tick)]
        ex.place_bulk(ex.account("trader"), "BTCUSD", items, cancel_previous=True,
                      cancel_mode="bothSides")
        if i % 2:
            c.place_market("trader", "BTCUSD", "buy" if i % 4 == 1 else "sell", "0.01")
    c.journal.close(c.now())
    notes, replayed = collect(journal), collect(journal, source="replay")
    assert notes.summary() == replayed.summary() and notes.summary()["fills"] > 300
    assert notes.order_rows() == replayed.order_rows() and notes.fills == replayed.fills
    assert list(notes.eq_net) == list(replayed.eq_net)


def test_the_tables_list_every_order_and_fill_of_the_account(journal, tmp_path):
    write_report(journal, tmp_path, html=False)
    orders = rows(tmp_path / "orders.csv")
    assert [(o["type"], o["side"], o["price"], o["volume"], o["filled"], o["status"],
             o["queueAhead"], o["arrivalMid"]) for o in orders] == [
        ("Market", "buy", "10010", "0.2", "0.2", "Matched", "", "10000"),
        ("Limit", "sell", "10105", "0.1", "0.1", "Matched", "0.05", "10097.5")]
    fills = rows(tmp_path / "fills.csv")
    assert [(f["role"], f["side"], f["price"], f["volume"], f["quoteVolume"], f["fee"],
             f["feeAsset"], f["queueAhead"], f["slippage"]) for f in fills] == [
        ("Taker", "buy", "10010", "0.2", "2002", "0.0002", "BTC", "", "2"),
        ("Maker", "sell", "10105", "0.1", "1010.5", "", "", "0.05", "-0.75")]
    assert fills[1]["order"] == orders[1]["id"]


def test_the_report_is_a_function_of_the_journal(journal, tmp_path):
    pytest.importorskip("plotly")
    first = write_report(journal, tmp_path / "a")
    copy = tmp_path / "elsewhere.jsonl"
    copy.write_bytes(journal.read_bytes())
    assert write_report(copy, tmp_path / "b") == first
    for name in ("summary.json", "orders.csv", "fills.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    html_a = (tmp_path / "a" / "report.html").read_text().replace("journal.jsonl", "X")
    html_b = (tmp_path / "b" / "report.html").read_text().replace("elsewhere.jsonl", "X")
    assert html_a == html_b


def test_dry_run_notes_add_rejections_and_the_latency_applied(journal, tmp_path):
    lines = journal.read_text().splitlines()
    out = []
    for line in lines:
        entry = json.loads(line)
        args = entry.get("args") or {}
        if entry.get("cmd") == "place_limit" and args.get("account") == "trader":
            entry["call"] = 7
            out.append(json.dumps(entry))
            t = entry["t"]
            out.append(json.dumps({"n": 0, "t": t + 40, "cmd": "call", "args": {
                "id": 7, "via": "grpc", "method": "PlaceLimitOrder", "account": "trader",
                "arrived": t - 1500, "engine": t, "latency": {"request": 1500, "response": 40},
                "result": "ok"}}))
            out.append(json.dumps({"n": 0, "t": t, "cmd": "reject", "args": {
                "account": "trader", "command": "place_limit", "pair": "BTCUSD", "side": "buy",
                "price": "10000", "volume": "5", "order": None, "code": 2006,
                "codeName": "meNotEnoughFunds", "message": "Not enough funds", "call": 8}}))
            out.append(json.dumps({"n": 0, "t": t, "cmd": "somethingNew", "args": {}}))
        else:
            out.append(line)
    journal.write_text("\n".join(out) + "\n")
    s = write_report(journal, tmp_path, html=False)
    assert (s["orders"], s["rejected"]) == (2, 1)
    orders = rows(tmp_path / "orders.csv")
    rejected = [o for o in orders if o["status"] == "Rejected"]
    assert [(o["side"], o["price"], o["volume"], o["rejectReason"], o["call"])
            for o in rejected] == [("buy", "10000", "5", "Not enough funds (2006)", "8")]
    limit = next(o for o in orders if o["type"] == "Limit" and o["status"] == "Matched")
    assert (limit["latencyRequestMs"], limit["latencyResponseMs"], limit["call"]) == (
        "1500", "40", "7")
    # it arrived 1.5 s before the engine ran it: the mid then was still 10000
    assert limit["arrivalMid"] == "10000"


def test_the_account_and_valuation_can_be_chosen(journal, tmp_path):
    s = write_report(journal, tmp_path, account="market", valuation="BTC", html=False)
    assert (s["account"], s["valuationAsset"]) == ("market", "BTC")
    # the market sold 0.2 for 2002 and bought back 0.1 of it for 1010.5 (and 0.05 from itself)
    start = D("100") + D("1000000") / D("10000")
    end = D("99.9") + D("1000991.5") / D("10100")
    assert abs(D(s["equityChange"]) - (end - start)) <= D("1e-12")
    with pytest.raises(ReplayError, match="no account 'nobody'"):
        write_report(journal, tmp_path, account="nobody", html=False)


def test_without_the_report_extra_the_html_fails_clearly_after_json_and_csv(
        journal, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "plotly", None)
    with pytest.raises(ReportError, match=r"pip install 'mock-lykke\[report\]'"):
        write_report(journal, tmp_path)
    assert (tmp_path / "summary.json").exists() and (tmp_path / "fills.csv").exists()


def test_the_command_line(journal, tmp_path, capsys):
    from mock_lykke.cli import main
    assert main(["report", str(journal), "--out", str(tmp_path / "r"), "--no-html"]) == 0
    assert ("trading PnL +16.48 USD, fills 2 (equity change +116.48 USD)"
            in capsys.readouterr().out)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"not": "a journal"}\n')
    assert main(["report", str(bad), "--out", str(tmp_path / "r2")]) == 2
    assert "not a mock-lykke journal" in capsys.readouterr().err


def _parquet_rows(path):
    import pyarrow.parquet as pq
    return pq.read_table(path).to_pylist()


def _same(csv_row: dict, parquet_row: dict, decimals: set) -> None:
    """A Parquet row holds the CSV row's values, typed: exact decimals, UTC times."""
    from mock_lykke.engine.clock import format_time
    for name, text in csv_row.items():
        value = parquet_row[name]
        if name == "time":
            assert format_time(int(value.timestamp() * 1000)) == text
        elif value is None:
            assert text == ""
        elif name in decimals:
            assert value == D(text), name
        else:
            assert str(value) == text, name


def test_the_tables_as_parquet_hold_the_csv_values_typed_and_exact(journal, tmp_path):
    pytest.importorskip("pyarrow")
    from mock_lykke.dryrun.tables import FILL_DECIMALS, ORDER_DECIMALS
    write_report(journal, tmp_path, html=False, parquet=True)
    for name, decimals in (("orders", ORDER_DECIMALS), ("fills", FILL_DECIMALS)):
        csv_rows, table = rows(tmp_path / f"{name}.csv"), _parquet_rows(tmp_path /
                                                                       f"{name}.parquet")
        assert len(table) == len(csv_rows) == 2
        for a, b in zip(csv_rows, table):
            _same(a, b, decimals)
    import pyarrow.parquet as pq
    schema = pq.read_schema(tmp_path / "fills.parquet")
    assert str(schema.field("price").type) == "decimal128(5, 0)"
    assert str(schema.field("slippage").type) == "decimal128(3, 2)"       # -0.75
    assert str(schema.field("time").type) == "timestamp[ms, tz=UTC]"


def test_parquet_without_pyarrow_fails_clearly_after_json_and_csv(journal, tmp_path,
                                                                  monkeypatch, capsys):
    from mock_lykke.cli import main
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ReportError, match=r"pip install 'mock-lykke\[parquet\]'"):
        write_report(journal, tmp_path, html=False, parquet=True)
    assert (tmp_path / "orders.csv").exists() and not (tmp_path / "orders.parquet").exists()
    assert main(["report", str(journal), "--out", str(tmp_path), "--no-html",
                 "--parquet"]) == 2
    assert "mock-lykke[parquet]" in capsys.readouterr().err


def test_the_command_line_writes_parquet_on_request(journal, tmp_path):
    pytest.importorskip("pyarrow")
    from mock_lykke.cli import main
    assert main(["report", str(journal), "--out", str(tmp_path), "--no-html"]) == 0
    assert not (tmp_path / "fills.parquet").exists()
    assert main(["report", str(journal), "--out", str(tmp_path), "--no-html",
                 "--parquet"]) == 0
    assert len(_parquet_rows(tmp_path / "fills.parquet")) == 2
