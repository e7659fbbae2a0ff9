"""The dry-run's figures have one definition and one name each: the runner's end line, the
progress line, `mock-lykke report` and summary.json agree; the report's cards name each figure,
put the bot's own result first and round it (money to the asset's accuracy, ratios to 3
significant digits)."""
import json
from decimal import Decimal as D

from mock_lykke.dryrun.figures import money, significant
from mock_lykke.dryrun.metrics import collect
from mock_lykke.dryrun.report import CARDS, _cards, headline
from mock_lykke.dryrun.run import Result, summary
from mock_lykke.journal import read_journal
from mock_lykke.scenario import build_mock, load_text

from test_report import WORLD


def test_rounding_for_people():
    assert significant("0.6470068868") == "0.647" and significant("-17.1846") == "-17.2"
    assert significant("1") == "1" and significant("0") == "0" and significant(None) == "n/a"
    assert significant("1234.5") == "1230" and significant("0.000123456") == "0.000123"
    assert money("-1.88776", 2) == "-1.89" and money("1978.25945", 2, signed=True) == "+1978.26"
    assert money("-0.001", 2, signed=True) == "0.00" and money("70000", 2) == "70000.00"
    assert money("0.123456789", 8) == "0.12345679" and money(None, 2) == "n/a"


def test_a_self_trade_is_two_fills_in_the_end_line_and_in_summary_json(tmp_path):
    path = tmp_path / "journal.jsonl"
    c = build_mock(load_text(WORLD), journal_path=path, track=["trader"]).controller
    c.place_limit("trader", "BTCUSD", "sell", "0.1", "10000")
    c.place_limit("trader", "BTCUSD", "buy", "0.1", "10000")        # trades with itself
    c.place_limit("market", "BTCUSD", "sell", "0.2", "10010")
    c.place_limit("trader", "BTCUSD", "buy", "0.2", "10010")        # and with the market
    c.advance("1s")
    assert c.tracker.fills == 2                                    # two matches: fill notes
    assert c.tracker.fill_rows == {"trader": 3}                     # three fills of its orders
    c.journal.close(c.now())
    s = collect(path, "trader").summary()
    assert s["fills"] == 3


def test_the_end_line_shows_the_summarys_figures_by_the_same_names(tmp_path):
    path = tmp_path / "journal.jsonl"
    c = build_mock(load_text(WORLD), journal_path=path, track=["trader"]).controller
    c.place_limit("market", "BTCUSD", "buy", "0.5", "9990")
    c.place_limit("market", "BTCUSD", "sell", "0.5", "10010")
    c.place_market("trader", "BTCUSD", "buy", "0.2")
    c.cancel_all("market")
    c.place_limit("market", "BTCUSD", "buy", "0.5", "10090")
    c.place_limit("market", "BTCUSD", "sell", "0.5", "10110")        # the market moved up
    c.journal.close(c.now())
    s = collect(path, "trader").summary()
    header, _ = read_journal(path)
    line = headline(s, header)
    assert line == (f"trading PnL {money(s['tradingPnl'], 2, True)} USD, fills 1 "
                    f"(equity change {money(s['equityChange'], 2, True)} USD)")
    assert D(s["equityChange"]) - D(s["tradingPnl"]) == D("1") * 100   # its 1 BTC, re-marked
    result = Result("end", None, path, None, 0, 60_000, 1.0, 1, 0, D("-99"), "USD",
                    summary=s, headline=line)
    assert f"; {line}, rejections 0" in summary(result)            # not the live estimate


def test_the_cards_put_the_bots_result_first_named_and_rounded():
    s = {"tradingPnl": "-29.11055", "fees": "0", "equityChange": "1978.25945",
         "equityChangeBeforeFees": "1978.25945", "turnover": "1099.2", "maxDrawdown": "797.2196",
         "slippage": "-1.88776", "slippageBps": "-17.1846", "fillRatio": "0.6470068868",
         "makerShare": "1", "orders": 17, "rejected": 0, "fills": 11,
         "maxInventory": {"BTC": "0.03"}}
    cards = _cards(s, places=2)
    assert cards[0] == ("trading PnL (after fees)", "-29.11", "neg")
    shown = {label: value for label, value, _ in cards}
    assert shown["equity change (with the market's move of the starting balances)"] == "+1978.26"
    assert shown["fill ratio"] == "0.647" and shown["slippage"] == "-1.89"
    assert shown["slippage (bps)"] == "-17.2" and shown["turnover"] == "1099.20"
    assert {key for _, key, _ in CARDS} <= set(s)


def test_summary_json_names_match_report_md():
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "report.md").read_text()
    s = json.loads(json.dumps(collect_keys()))
    for key in s:
        assert f"`{key}`" in doc, key
    assert "`pnl`" not in doc and "`pnlBeforeFees`" not in doc


def collect_keys() -> dict:
    from mock_lykke.dryrun.metrics import Metrics
    header = {"scenario": load_text(WORLD).data}
    return Metrics(header, "trader").summary()


def test_without_a_report_the_end_line_measures_the_journal(tmp_path):
    import io
    import sys
    from mock_lykke.dryrun.run import Options, dry_run
    from dryrun_support import WORLD as RUN_WORLD
    out = io.StringIO()
    opts = Options(scenario=str(RUN_WORLD), command=[sys.executable, "-c", "pass"],
                   journal=str(tmp_path / "j.jsonl"))
    assert dry_run(opts, out) == 0
    assert "; trading PnL 0.00 USD, fills 0 (equity change " in out.getvalue()
