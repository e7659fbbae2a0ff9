"""Control changes that are no engine state land in the journal as entries replay skips:
`fault` (added, removed, cleared) beside `latency`; quirk switches are `set_quirks`, which
replay applies. Replay stays exact with them in the journal."""
import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from mock_lykke.api.control import add_control_routes
from mock_lykke.journal import NOTES, read_journal, replay_file
from mock_lykke.scenario import ControlError, snapshot_bytes
from test_scenario_support import START, example, world

FAULT = {"method": "PlaceLimitOrder", "error": "meNotEnoughFunds", "times": 1}


def _entries(c, cmd):
    return [(e["t"], e["args"]) for e in c.journal.entries if e["cmd"] == cmd]


def test_adding_removing_and_clearing_faults_is_journaled():
    c = world()
    c.advance("1s")
    first = c.add_fault(FAULT)["id"]
    c.advance("2s")
    second = c.add_fault({"route": "GET /api/balance", "delay": "2s", "probability": 0.5})["id"]
    c.remove_fault(first)
    c.clear_faults()
    assert _entries(c, "fault") == [
        (START + 1000, {"op": "add", "id": first, "fault": FAULT}),
        (START + 3000, {"op": "add", "id": second, "fault": {
            "route": "GET /api/balance", "delay": "2s", "probability": 0.5}}),
        (START + 3000, {"op": "remove", "id": first}),
        (START + 3000, {"op": "clear"})]
    assert "fault" in NOTES                 # replay skips it: faults are no engine state


def test_a_refused_fault_change_writes_nothing():
    c = world()
    before = c.journal.count
    for bad in ({"method": "NoSuchMethod", "error": "runtimeError"}, {"method": "IsAlive"}):
        with pytest.raises(ControlError):
            c.add_fault(bad)
    with pytest.raises(ControlError) as refused:
        c.remove_fault(99)
    assert refused.value.status == 404
    assert c.journal.count == before and c.faults_list() == []


async def test_the_control_api_journals_fault_latency_and_quirk_changes():
    c = example("market-maker.yaml")
    app = web.Application()
    add_control_routes(app, c.mock)
    async with TestClient(TestServer(app)) as client:
        async def call(method, path, body=None):
            resp = await client.request(method, "/_mock" + path, json=body)
            assert resp.status == 200, await resp.text()
            return await resp.json()

        added = await call("POST", "/faults", [FAULT, {"method": "Get*Updates", "on": "message",
                                                       "grpcStatus": "UNAVAILABLE"}])
        await call("DELETE", f"/faults/{added[0]['id']}")
        await call("DELETE", "/faults")
        await call("PUT", "/latency", [{"method": "PlaceLimitOrder", "request": "50ms"}])
        await call("PATCH", "/quirks", {"negative-ask-volumes": False})
    kinds = [(e["cmd"], e["args"].get("op")) for e in c.journal.entries
             if e["cmd"] in ("fault", "latency", "set_quirks")]
    assert kinds == [("fault", "add"), ("fault", "add"), ("fault", "remove"), ("fault", "clear"),
                     ("latency", None), ("set_quirks", None)]
    assert _entries(c, "latency")[0][1] == {"rules": [{"method": "PlaceLimitOrder",
                                                       "request": "50ms"}]}
    assert _entries(c, "set_quirks")[0][1] == {"quirks": {"negative-ask-volumes": False}}


def test_a_journal_with_fault_entries_replays_to_the_exact_state(tmp_path):
    path = tmp_path / "j.jsonl"
    c = example("market-maker.yaml", journal_path=path)
    c.advance("5s")
    fault = c.add_fault(FAULT)["id"]
    c.place_limit("trader", "BTCUSD", "buy", "0.5", "10100")
    c.advance("30s")
    c.remove_fault(fault)
    c.add_fault({"method": "CancelAllOrders", "grpcStatus": "UNAVAILABLE", "probability": 0.3})
    c.set_quirks({"negative-ask-volumes": False})
    c.deposit("trader", "USD", "12.5")
    c.clear_faults()
    c.advance("10s")
    original = snapshot_bytes(c.exchange)
    c.journal.close(c.now())
    _, entries = read_journal(path)
    assert [e["args"]["op"] for e in entries if e["cmd"] == "fault"] == [
        "add", "remove", "add", "clear"]
    _, replayed = replay_file(path)
    assert snapshot_bytes(replayed) == original


def test_a_run_without_fault_changes_writes_no_fault_entry(tmp_path):
    """A scenario's own faults are in the header; only changes while it runs are entries."""
    path = tmp_path / "j.jsonl"
    c = world("faults:\n  - {method: PlaceLimitOrder, error: meNotEnoughFunds}\n",
              journal_path=path)
    c.advance("3s")
    c.reset()
    c.journal.close(c.now())
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["scenario"]["faults"]
    assert not [line for line in lines[1:] if json.loads(line)["cmd"] == "fault"]
