"""mock-lykke serve | validate | replay | schema."""
import asyncio
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace

import pytest

from mock_lykke import cli
from mock_lykke.journal import replay_file
from mock_lykke.scenario import build_mock, load_file
from mock_lykke.scenario.snapshot import snapshot
from test_scenario_support import SCENARIOS, START

HAVE_SERVER = importlib.util.find_spec("mock_lykke.server") is not None
DEMO_TRADER_KEY = (  # the default scenario's demo key of account "trader" (docs/tls.md)
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJrZXktaWQiOiJjMzhmYjM3NS00MWQ1LTVkNTctODczMC01ZWRhN"
    "zhkN2MxMmYiLCJ3YWxsZXQtaWQiOiI3YjU2ZGY2Yi0zMzVkLTRlNTktYjVjZS00MTZlNzQ4NTUyYzkiLCJjbGllbnQ"
    "taWQiOiJhMmViODA3Yy05MTA0LTRjMDEtYjc4Yy1mYWQ5OTdkYTAzZTIiLCJhdWQiOiJoZnQtYXBpdjIubHlra2UuY"
    "29tIiwiZXhwIjo0MTAyNDQ0ODAwfQ.JxHfxEzQPKmPWCdvJ1PoKQvKsgMZQ1aaLb5n4i7Bnb4")


def test_validate_ok_and_bad(tmp_path, capsys):
    assert cli.main(["validate", str(SCENARIOS / "basic.yaml")]) == 0
    assert capsys.readouterr().out.strip().endswith("basic.yaml: ok")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\nassets: []\nassetPairs: []\naccounts: []\nfoo: 1\n")
    assert cli.main(["validate", str(bad), str(SCENARIOS / "basic.yaml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{bad}:1: version: must be 1", f"{bad}:5: foo: unknown key 'foo'"]


def test_serve_with_a_bad_scenario_exits_2_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    assert cli.main(["serve", "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "missing required key 'assets'" in err and "Traceback" not in err


def test_bad_command_lines_exit_2():
    with pytest.raises(SystemExit) as e:
        cli.main(["serve", "--clock", "sometimes"])
    assert e.value.code == 2


def test_schema_prints_the_json_schema(capsys):
    assert cli.main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "mock-lykke scenario"
    assert schema["properties"]["clock"]["properties"]["mode"]["enum"] == ["virtual", "realtime", "lockstep"]


def test_replay_prints_the_state_of_the_journal(tmp_path, capsys):
    path = tmp_path / "j.jsonl"
    c = build_mock(load_file(SCENARIOS / "market-maker.yaml"), journal_path=path).controller
    c.advance("20s")
    c.place_limit("trader", "BTCUSD", "sell", "0.1", "9000")
    c.journal.close(c.now())
    out = tmp_path / "state.json"
    assert cli.main(["replay", str(path), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(json.dumps(snapshot(c.exchange)))
    assert cli.main(["replay", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["now"] == START + 20_000
    (tmp_path / "bad.jsonl").write_text("nope\n")
    assert cli.main(["replay", str(tmp_path / "bad.jsonl")]) == 2


class FakeServer:
    """MockServer's interface, without sockets."""
    started = stopped = False

    def __init__(self, mock, host, grpc_port, rest_port):
        self.mock = mock
        self.grpc_target = f"{host}:{grpc_port or 50051}"
        self.rest_url = f"http://{host}:{rest_port or 8080}"

    async def start(self):
        FakeServer.started = True
        for hook in self.mock.on_start:
            await hook()
        os.kill(os.getpid(), signal.SIGTERM)        # as if an operator stopped it

    async def stop(self):
        for hook in self.mock.on_stop + self.mock.on_closed:
            await hook()
        FakeServer.stopped = True


def test_run_server_prints_endpoints_writes_the_ready_file_and_stops_on_sigterm(tmp_path,
                                                                             capsys):
    ready = tmp_path / "ready.json"
    journal = tmp_path / "j.jsonl"
    mock = build_mock(load_file(SCENARIOS / "basic.yaml"), journal_path=journal)
    args = SimpleNamespace(host="127.0.0.1", grpc_port=0, rest_port=0, ready_file=str(ready))
    assert asyncio.run(cli.run_server(mock, args, FakeServer)) == 0
    assert FakeServer.started and FakeServer.stopped
    info = json.loads(ready.read_text())
    assert info == {"grpc": "127.0.0.1:50051", "rest": "http://127.0.0.1:8080",
                    "accounts": [{"name": "trader", "apiKey": "trader-key"},
                                 {"name": "book", "apiKey": "book-key"}]}
    out = capsys.readouterr().out
    assert "gRPC   127.0.0.1:50051" in out and "trader  trader-key" in out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temp left
    assert replay_file(journal)[1].clock.now() == START      # the journal was closed


def test_write_atomic_replaces_the_file(tmp_path):
    target = tmp_path / "f.json"
    target.write_text("old")
    cli.write_atomic(target, "new")
    assert target.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def _serve(tmp_path, *extra):
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_lykke.cli", "serve", "--grpc-port", "0", "--rest-port", "0",
         "--ready-file", str(ready), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:                  # blocks until the server prints it is ready
        lines.append(line)
        if line.startswith("    "):           # the accounts follow the ready line
            break
    return proc, ready, "".join(lines)


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


@pytest.mark.skipif(not HAVE_SERVER, reason="mock_lykke.server (the gRPC helper's) not there yet")
def test_serve_default_scenario_has_a_moving_market_within_a_second(tmp_path):
    proc, ready, out = _serve(tmp_path)
    try:
        assert "mock-lykke ready" in out and DEMO_TRADER_KEY in out
        info = json.loads(ready.read_text())
        assert info["grpc"].startswith("127.0.0.1:") and info["rest"].startswith("http://")
        assert {"name": "trader", "apiKey": DEMO_TRADER_KEY} in info["accounts"]
        rest = info["rest"]
        assert _get(rest + "/_mock/health")["serving"] is True
        start = _get(rest + "/_mock/time")["start"]
        deadline = time.monotonic() + 5       # bounded: the market requotes every 500 ms
        moved = []
        while time.monotonic() < deadline and not moved:
            entries = _get(rest + "/_mock/journal")["entries"]
            moved = [e for e in entries if e["cmd"] == "place_bulk" and e["t"] > start]
        assert moved and moved[0]["t"] - start <= 1000
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.skipif(not HAVE_SERVER, reason="mock_lykke.server (the gRPC helper's) not there yet")
def test_replay_serve_serves_the_rebuilt_state_and_stops_on_sigint(tmp_path):
    path = tmp_path / "j.jsonl"
    c = build_mock(load_file(SCENARIOS / "basic.yaml"), journal_path=path).controller
    order_id = c.place_limit("trader", "BTCUSD", "buy", "0.1", "9000")
    c.advance("5s")
    c.journal.close(c.now())
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_lykke.cli", "replay", str(path), "--serve", "--grpc-port",
         "0", "--rest-port", "0", "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("    "):
                break
        rest = json.loads(ready.read_text())["rest"]
        state = _get(rest + "/_mock/state")
        assert state["now"] == START + 5000
        assert order_id in [o["id"] for o in state["orders"]]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_serve_quiet_and_warmup_must_be_durations(capsys):
    assert cli.main(["serve", "--clock", "lockstep", "--quiet", "soon"]) == 2
    assert "--quiet: 'soon' is not a duration" in capsys.readouterr().err
    assert cli.main(["serve", "--clock", "lockstep", "--warmup", "5"]) == 2


@pytest.mark.skipif(not HAVE_SERVER, reason="mock_lykke.server (the gRPC helper's) not there yet")
def test_serve_lockstep_takes_its_quiet_window_and_warmup_from_the_command_line(tmp_path):
    journal = tmp_path / "j.jsonl"
    proc, ready, out = _serve(tmp_path, "--scenario", str(SCENARIOS / "basic.yaml"), "--clock",
                              "lockstep", "--quiet", "7ms", "--warmup", "1.5s", "--journal",
                              str(journal))
    try:
        assert "clock  lockstep (quiet 7ms, warm-up 1500ms)" in out
        clock = _get(json.loads(ready.read_text())["rest"] + "/_mock/health")["clock"]
        assert (clock["mode"], clock["quiet"], clock["warmup"]) == ("lockstep", 7, 1500)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    header = json.loads(journal.read_text().splitlines()[0])
    assert header["clock"]["quiet"] == 7 and header["clock"]["warmup"] == 1500


def test_serve_notes_that_quiet_does_nothing_on_other_clocks(tmp_path):
    proc, _, out = _serve(tmp_path, "--clock", "virtual", "--quiet", "7ms")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert "--quiet / --warmup have no effect on the virtual clock" in err
