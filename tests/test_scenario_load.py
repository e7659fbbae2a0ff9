"""Loading scenarios: the examples, the embedded default, the schema, and bad files (every
problem at once, each with file:line and key path)."""
import json
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from mock_lykke.scenario import (ScenarioError, build_exchange, build_mock, check_file,
                                 default_scenario, from_dict, load_file, load_text)
from mock_lykke.scenario.loader import jsonable
from mock_lykke.scenario.schema import scenario_schema
from mock_lykke.scenario.source import parse_yaml
from test_scenario_support import BASIC, SCENARIOS, example

EXAMPLES = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def test_there_are_examples_for_each_feature():
    assert {"basic.yaml", "market-maker.yaml", "faults.yaml", "replay.yaml", "quirks-off.yaml",
            "reference-data.yaml", "full.yaml"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_loads_and_runs_two_minutes_without_warnings(name):
    assert check_file(SCENARIOS / name) == []
    c = example(name)
    c.advance("2m")
    assert list(c.warnings) == []
    c.exchange.check_invariants()


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_satisfies_the_published_schema(name):
    data = load_file(SCENARIOS / name).to_json()
    Draft202012Validator(scenario_schema()).validate(data)


def test_default_scenario_is_a_realtime_market_with_demo_keys():
    sc = default_scenario()
    assert sc.clock_mode == "realtime"
    keys = {a["name"]: a["apiKey"] for a in sc.accounts()}
    assert keys["trader"] == (                            # JWT-shaped, as real keys
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJrZXktaWQiOiJjMzhmYjM3NS00MWQ1LTVkNTctODc"
        "zMC01ZWRhNzhkN2MxMmYiLCJ3YWxsZXQtaWQiOiI3YjU2ZGY2Yi0zMzVkLTRlNTktYjVjZS00MTZlNzQ"
        "4NTUyYzkiLCJjbGllbnQtaWQiOiJhMmViODA3Yy05MTA0LTRjMDEtYjc4Yy1mYWQ5OTdkYTAzZTIiLCJ"
        "hdWQiOiJoZnQtYXBpdjIubHlra2UuY29tIiwiZXhwIjo0MTAyNDQ0ODAwfQ.JxHfxEzQPKmPWCdvJ1Po"
        "KQvKsgMZQ1aaLb5n4i7Bnb4")
    c = build_mock(sc).controller
    assert c.exchange.clock.mode == "realtime"
    assert c.exchange.clock.now() == c.start_ms           # paused until the server starts
    pairs = {p.pair.pair_id for p in c.participants if p.kind == "marketMaker"}
    assert pairs == {"BTCUSD", "ETHUSD", "BTCEUR"}
    for pair_id in pairs:                                 # quoted from the first instant
        book = c.exchange.books[pair_id]
        assert len(book.entries("buy")) == 5 and len(book.entries("sell")) == 5


def test_default_scenario_is_read_once_and_each_call_gets_its_own_copy():
    first, second = default_scenario(), default_scenario()
    assert first is not second and first.data == second.data
    assert first.name == second.name == "<default scenario>"
    first.data["accounts"][0]["balances"].clear()         # a caller's change stays its own
    first.data["seed"] = 99
    third = default_scenario()
    assert third.data == second.data and third.data["accounts"][0]["balances"]
    assert third.seed == second.seed != 99


def test_to_json_is_a_fresh_copy_each_time():
    sc = load_file(SCENARIOS / "market-maker.yaml")
    first = sc.to_json()
    assert first == jsonable(sc.data) and first["seed"] == 42
    first["seed"] = 7
    first["accounts"].clear()
    again = sc.to_json()
    assert again == jsonable(sc.data) and again["seed"] == 42 and again["accounts"]


def test_yaml_values_stay_exact_and_unsurprising():
    src = parse_yaml("a: 0.10\nb: on\nc: no\nd: 2026-01-01T00:00:00Z\ne: true\nf: 3\n", "x")
    assert src.data == {"a": Decimal("0.10"), "b": "on", "c": "no",
                        "d": "2026-01-01T00:00:00Z", "e": True, "f": 3}
    assert str(src.data["a"]) == "0.10"


def test_unquoted_decimals_keep_their_exact_value():
    c = load_text(BASIC.replace('USD: "50000"', "USD: 50000.10"), "<t>")
    ex = build_exchange(c)
    assert ex.account("trader").balances["USD"].total == Decimal("50000.10")


BAD = """\
version: 1
seed: -1
clock: {start: "yesterday", mode: sometimes}
assets:
  - {assetId: BTC, accuracy: 8}
  - {assetId: USD, accuracy: 2}
  - {assetId: BTC, accuracy: 2}
assetPairs:
  - {assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USDT, priceAccuracy: 3}
  - {assetPairId: XY, baseAssetId: BTC, quoteAssetId: USD, priceAcuracy: 3}
accounts:
  - {name: trader, apiKey: k1, balances: {BTC: "1.123456789", USD: "abc", EUR: "5"}}
  - {name: trader, apiKey: k1}
orders:
  - {account: nobody, assetPairId: BTCUSD, side: buy, price: "1", volume: "1"}
market:
  - {kind: marketMaker, account: trader, assetPairId: BTCUSD, mid: "1", levelVolume: "1", every: soon}
  - {kind: oracle}
  - {kind: replay, account: trader, assetPairId: BTCUSD, file: nope.csv}
timeline:
  - {at: 30s, deposit: {account: trader, assetId: USD, amount: "1"}, cancelAll: {account: trader}}
  - {at: later, setMid: {assetPairId: BTCUSD, mid: "1"}}
faults:
  - {method: PlaceLimitOrdr, error: meNotEnoughFunds}
  - {route: "GET /api/balances", delay: 250ms}
  - {method: GetBalances, drop: true}
  - {method: PlaceLimitOrder}
quirks: {no-such-quirk: false}
extra: 1
"""


def test_a_bad_file_gets_every_problem_at_once_with_line_and_key_path(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(ScenarioError) as info:
        load_file(path)
    got = {(p.line, ".".join(map(str, p.path))) for p in info.value.problems}
    text = str(info.value)
    expected = {
        (2, "seed"), (3, "clock.mode"), (3, "clock.start"), (7, "assets.2.assetId"),
        (9, "assetPairs.0.quoteAssetId"), (10, "assetPairs.1"),
        (10, "assetPairs.1.priceAcuracy"), (12, "accounts.0.balances.USD"),
        (12, "accounts.0.balances.BTC"), (12, "accounts.0.balances.EUR"),
        (13, "accounts.1.name"), (13, "accounts.1.apiKey"), (15, "orders.0.account"),
        (17, "market.0.every"), (18, "market.1.kind"), (19, "market.2.file"),
        (21, "timeline.0"), (22, "timeline.1.at"), (24, "faults.0.method"),
        (25, "faults.1.route"), (26, "faults.2.drop"), (27, "faults.3"),
        (28, "quirks.no-such-quirk"), (29, "extra")}
    assert expected <= got, expected - got
    assert f"{path}:10: assetPairs[1].priceAcuracy: unknown key 'priceAcuracy' " \
           f"(did you mean 'priceAccuracy'?)" in text
    assert f"{path}:12: accounts[0].balances.BTC: 1.123456789 has more decimals than " \
           f"BTC's accuracy (8)" in text
    assert "Traceback" not in text


def test_resting_orders_that_would_fail_are_reported_by_line(tmp_path):
    path = tmp_path / "orders.yaml"
    path.write_text(BASIC + """\
orders:
  - {account: trader, assetPairId: BTCUSD, side: buy, price: "10000", volume: "4"}
  - {account: trader, assetPairId: BTCUSD, side: buy, price: "10000", volume: "5"}
  - {account: trader, assetPairId: BTCUSD, side: sell, price: "10.1234", volume: "1"}
  - {account: trader, assetPairId: BTCUSD, side: sell, price: "10", volume: "0.00001"}
""")
    problems = [str(p) for p in check_file(path)]
    n = BASIC.count("\n") + 2
    assert problems == [
        f"{path}:{n + 1}: orders[1]: this order would be rejected at load: "
        "Not enough funds (2006)",
        f"{path}:{n + 2}: orders[2]: this order would be rejected at load: "
        "Invalid price accuracy (2019)",
        f"{path}:{n + 3}: orders[3]: this order would be rejected at load: "
        "volume must be greater than 0.0001 (1101)"]


def test_bad_data_files_are_reported_with_their_own_lines(tmp_path):
    (tmp_path / "trades.csv").write_text("t,side,price,volume\n0,buy,1,1\n5,hold,1,1\n"
                                         "3,buy,1,1\n9,buy,-1,1\n")
    path = tmp_path / "s.yaml"
    path.write_text(BASIC + "market:\n  - {kind: replay, account: market, assetPairId: BTCUSD,"
                            " file: trades.csv}\n")
    problems = [str(p) for p in check_file(path)]
    data = tmp_path / "trades.csv"
    assert f"{data}:3: side must be buy or sell, got 'hold'" in problems
    assert f"{data}:5: price must be positive, got '-1'" in problems
    assert any(p.startswith(f"{path}:") and "bad data file" in p for p in problems)


def test_yaml_syntax_errors_duplicate_keys_and_empty_files(tmp_path):
    cases = {"syntax.yaml": ("a: [1,\nb: 2\n", "YAML:"),
             "dup.yaml": (BASIC + "seed: 8\n", "duplicate key 'seed'"),
             "empty.yaml": ("", "the file is empty"),
             "list.yaml": ("- 1\n", "a scenario is a mapping")}
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        problems = check_file(tmp_path / name)
        assert problems and message in str(problems[0]), (name, problems)
    assert "No such file" in str(check_file(tmp_path / "missing.yaml")[0])


def test_scenarios_given_as_dicts_are_validated_too():
    with pytest.raises(ScenarioError, match="missing required key 'assets'"):
        from_dict({"version": 1, "assetPairs": [], "accounts": []})
    sc = from_dict({"version": 1, "assets": [{"assetId": "X", "accuracy": 2}], "assetPairs": [],
                    "accounts": [{"name": "a", "apiKey": "k", "balances": {"X": 1.5}}]})
    assert build_exchange(sc).account("a").balances["X"].total == Decimal("1.5")


def test_the_schema_lists_modes_quirks_and_error_codes():
    schema = scenario_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["clock"]["properties"]["mode"]["enum"] == ["virtual", "realtime", "lockstep"]
    assert "negative-ask-volumes" in schema["$defs"]["quirks"]["properties"]
    assert "meNotEnoughFunds" in schema["$defs"]["errorCode"]["anyOf"][0]["enum"]
    json.dumps(schema)


def test_reference_data_extras_reach_the_engine():
    ex = example("reference-data.yaml").exchange
    btc = ex.reference.assets["BTC"]
    assert (btc.blockchain, btc.blockchain_integration_type, btc.multiplier_power,
            btc.cashout_minimal_amount, btc.sirius_blockchain_id) == (
        "bitcoin", "sirius", 8, 0.001, "bitcoin-main")
    assert ex.reference.pair("ETHUSD") is None and "ETHUSD" in ex.reference.pairs
    assert ex.reference.pair("OLDUSD") is None                # its base is not tradable
    assert ex.account("blocked").blocked and ex.account("kyc").kyc_required
    assert ex.account("dialogs").pending_dialogs
    assert ex.account("trader").deposit_state == "Active"


def test_participants_need_a_tradable_pair(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASIC.replace('minOppositeVolume: "1"}', 'minOppositeVolume: "1", '
                                  'disabled: true}') + """\
market:
  - {kind: marketMaker, account: market, assetPairId: BTCUSD, mid: "10000", levelVolume: "1"}
""")
    assert [p.message for p in check_file(path)] == [
        "asset pair 'BTCUSD' is not tradable (disabled, or one of its assets is not listed)"]


def test_quirks_off_switches_every_quirk_to_the_documented_behaviour():
    from mock_lykke.engine.quirks import QUIRKS
    quirks = example("quirks-off.yaml").quirks()
    assert set(quirks) == set(QUIRKS) and not any(quirks.values())


def test_basic_is_a_static_book_on_a_virtual_clock():
    c = example("basic.yaml")
    book = c.exchange.books["BTCUSD"]
    before = (book.entries("buy"), book.entries("sell"))
    assert before[1][0] == (Decimal("10010"), Decimal("1.5"))
    assert c.advance("1h")["timersRun"] == 0
    assert (book.entries("buy"), book.entries("sell")) == before
