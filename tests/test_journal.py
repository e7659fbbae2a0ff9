"""The journal: every accepted command with its clock time; replaying it rebuilds the exact
same state (compared as canonical bytes)."""
import json

import pytest

from mock_lykke.journal import Journal, ReplayError, read_journal, replay, replay_file
from mock_lykke.scenario import build_mock, load_file, snapshot_bytes
from test_scenario_support import SCENARIOS, START


def _run(path, name="market-maker.yaml"):
    mock = build_mock(load_file(SCENARIOS / name), journal_path=path)
    c = mock.controller
    c.advance("5s")
    c.place_limit("trader", "BTCUSD", "buy", "0.5", "10100")
    c.place_bulk("trader", "BTCUSD", [{"side": "sell", "volume": "0.1", "price": "10500"},
                                      {"side": "buy", "volume": "0.1", "price": "9000",
                                       "oldId": None}], True, "bothSides")
    c.advance("1m30s")
    c.set_account("trader", {"pendingDialogs": True})
    c.set_quirks({"negative-ask-volumes": False})
    c.deposit("trader", "USD", "12.5")
    c.set_balance("flow", "BTC", "60")
    c.advance("2s")
    return c


def test_replaying_a_journal_rebuilds_the_exact_state(tmp_path):
    path = tmp_path / "j.jsonl"
    c = _run(path)
    original = snapshot_bytes(c.exchange)
    c.journal.close(c.now())
    header, replayed = replay_file(path)
    assert snapshot_bytes(replayed) == original
    assert header["seed"] == 42 and header["clock"]["start"] == START


def test_the_same_run_writes_the_same_journal_bytes(tmp_path):
    for name in ("a", "b"):
        c = _run(tmp_path / f"{name}.jsonl")
        c.journal.close(c.now())
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_entries_carry_clock_time_and_decimals_as_strings(tmp_path):
    path = tmp_path / "j.jsonl"
    c = _run(path)
    c.journal.close(c.now())
    header, entries = read_journal(path)
    assert header["journal"] == 1 and header["scenario"]["accounts"][0]["name"] == "trader"
    first = entries[0]
    assert first == {"n": 1, "t": START, "cmd": "place_bulk", "args": first["args"]}
    assert first["args"]["items"][0]["volume"] == "0.5"
    limit = next(e for e in entries if e["cmd"] == "place_limit")
    assert limit["t"] == START + 5000 and limit["args"] == {
        "account": "trader", "pair_id": "BTCUSD", "side": "buy", "volume": "0.5",
        "price": "10100"}
    assert [e["n"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[-1]["t"] == c.now()                         # the journal ends at "now"
    for line in path.read_text().splitlines():
        json.loads(line)


def test_a_reset_inside_the_journal_replays(tmp_path):
    path = tmp_path / "j.jsonl"
    c = _run(path)
    c.reset()
    c.advance("3s")
    c.place_market("trader", "BTCUSD", "sell", "0.1")
    original = snapshot_bytes(c.exchange)
    c.journal.close(c.now())
    assert snapshot_bytes(replay_file(path)[1]) == original


@pytest.mark.parametrize("name", ["replay.yaml", "faults.yaml", "reference-data.yaml",
                                  "full.yaml"])
def test_journals_of_other_scenarios_replay(tmp_path, name):
    path = tmp_path / "j.jsonl"
    c = build_mock(load_file(SCENARIOS / name), journal_path=path).controller
    c.advance("2m")
    original = snapshot_bytes(c.exchange)
    c.journal.close(c.now())
    assert snapshot_bytes(replay_file(path)[1]) == original


def test_the_in_memory_journal_pages_by_entry_number():
    j = Journal(keep=3)
    for i in range(5):
        j.record(i, "clock", {})
    assert [e["n"] for e in j.read(0, 10)] == [3, 4, 5]      # only the last `keep`
    assert [e["n"] for e in j.read(3, 1)] == [4]


def test_a_broken_journal_is_an_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"not": "a journal"}\n')
    with pytest.raises(ReplayError, match="not a mock-lykke journal"):
        replay_file(bad)
    path = tmp_path / "j.jsonl"
    c = _run(path)
    c.journal.close(c.now())
    header, entries = read_journal(path)
    entries.insert(3, {"n": 0, "t": entries[3]["t"], "cmd": "cancel_order",
                       "args": {"account": "trader", "order_id": "nope"}})
    with pytest.raises(ReplayError, match="does not replay"):
        replay(header, entries)


def test_a_bulk_on_an_unknown_pair_replays():
    from test_scenario_support import world
    c = world()
    c.place_bulk("trader", "NOPE", [{"side": "buy", "volume": "1", "price": "1"}])
    c.place_limit("trader", "BTCUSD", "buy", "0.1", "100")
    replayed = replay(c.journal.header, c.journal.read(0, 1000))
    assert snapshot_bytes(replayed) == snapshot_bytes(c.exchange)
