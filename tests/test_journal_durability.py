"""The journal's guarantee: a command is in the journal before its answer leaves, or it did not
happen. Its line is written and flushed to the OS inside the engine command, so before the
front builds a reply; a line that cannot be written is never acknowledged and its command
changes nothing (the next one tries again); any string the
engine accepted can be written (lone surrogates as \\u escapes) and reads back the same; a last
line cut off mid-write is left out with a warning. (Stopping and killing a server under load:
test_reliability_kill.py.)"""
from __future__ import annotations

import errno
import json
import warnings
from decimal import Decimal

import aiohttp
import grpc
import pytest

from mock_lykke import cli
from mock_lykke.dryrun.explain import explain_main
from mock_lykke.dryrun.metrics import collect
from mock_lykke.engine.orders import BulkItem
from mock_lykke.engine.reference import Asset
from mock_lykke.journal import (Journal, JournalWarning, JournalWriteError, ReplayError,
                                read_journal, replay_file)
from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc as pvg
from mock_lykke.scenario import build_mock, load_file, load_text, snapshot_bytes
from mock_lykke.server import MockServer
from engine_world import make_exchange
from test_scenario_support import SCENARIOS

LONE = "\ud800"                 # a lone UTF-16 surrogate: no UTF-8 form
KEY = (("authorization", "Bearer trader-key"),)
WITHDRAWING = """
version: 1
seed: 3
assets:
  - {assetId: BTC, accuracy: 8, blockchainIntegrationType: sirius, blockchainDepositEnabled: true}
  - {assetId: USD, accuracy: 2}
assetPairs: [{assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}]
accounts: [{name: trader, apiKey: trader-key, balances: {BTC: "1", USD: "1000"}}]
"""


def _lines(path) -> list[dict]:
    """The journal's lines as another reader sees them (what reached the OS)."""
    with open(path, "rb") as f:
        return [json.loads(line) for line in f.read().splitlines()]


class BrokenFile:
    """A journal file on a full disk (which can still be cut back)."""

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass

    def seek(self, offset):
        pass

    def truncate(self):
        pass

    def close(self):
        pass


def test_a_recorded_line_has_reached_the_os_when_record_returns(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.write_header({"seed": 1})
    journal.record(5, "clock", {})
    assert _lines(path)[1] == {"n": 1, "t": 5, "cmd": "clock", "args": {}}


def test_an_entry_after_the_close_is_logged(tmp_path, caplog):
    journal = Journal(tmp_path / "j.jsonl")
    journal.write_header({"seed": 1})
    journal.close(5)
    journal.record(6, "clock", {})
    journal.record(7, "clock", {})
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'j.jsonl'} is closed: entry 2 and later ones are not in it"]


async def test_each_reply_finds_its_line_already_in_the_file(tmp_path):
    """Sequential orders on both fronts: when a reply arrives, its command's line is in the
    file as a separate reader sees it."""
    path = tmp_path / "j.jsonl"
    mock = build_mock(load_file(SCENARIOS / "basic.yaml"), journal_path=path)
    async with MockServer(mock) as server, aiohttp.ClientSession() as http, \
            grpc.aio.insecure_channel(server.grpc_target) as channel:
        stub = pvg.PrivateServiceStub(channel)
        for i in range(6):
            price = 200 + i
            if i % 2:
                reply = await stub.PlaceLimitOrder(pv.LimitOrderRequest(
                    assetPairId="BTCUSD", side=pv.buy, volume="0.01", price=str(price)),
                    metadata=KEY)
                assert not reply.HasField("error")
            else:
                async with http.post(server.rest_url + "/api/orders/limit",
                                     headers={"Authorization": "Bearer trader-key"},
                                     json={"assetPairId": "BTCUSD", "side": "buy",
                                           "volume": 0.01, "price": price}) as r:
                    assert r.status == 200
            last = _lines(path)[-1]
            assert (last["cmd"], last["args"]["price"]) == ("place_limit", str(price))


async def test_a_command_whose_line_cannot_be_written_is_never_acknowledged(tmp_path):
    mock = build_mock(load_file(SCENARIOS / "basic.yaml"), journal_path=tmp_path / "j.jsonl")
    journal = mock.controller.journal
    async with MockServer(mock) as server, aiohttp.ClientSession() as http, \
            grpc.aio.insecure_channel(server.grpc_target) as channel:
        journal._file, working = BrokenFile(), journal._file
        before = snapshot_bytes(mock.exchange)
        async with http.post(server.rest_url + "/api/orders/limit",
                             headers={"Authorization": "Bearer trader-key"},
                             json={"assetPairId": "BTCUSD", "side": "buy", "volume": 0.01,
                                   "price": 200}) as r:
            assert r.status == 500
        with pytest.raises(grpc.aio.AioRpcError) as e:
            await pvg.PrivateServiceStub(channel).PlaceLimitOrder(pv.LimitOrderRequest(
                assetPairId="BTCUSD", side=pv.buy, volume="0.01", price="201"), metadata=KEY)
        assert e.value.code() == grpc.StatusCode.UNKNOWN
        assert snapshot_bytes(mock.exchange) == before      # and neither was done
        journal._file = working
    assert [e["cmd"] for e in journal.read(0)] == ["place_limit"] * 4     # the scenario's


def test_a_withdrawal_id_is_remembered_only_once_its_command_is_journaled(tmp_path):
    mock = build_mock(load_text(WITHDRAWING), journal_path=tmp_path / "j.jsonl")
    journal, ex = mock.controller.journal, mock.exchange
    trader = ex.account("trader")
    journal._file, working = BrokenFile(), journal._file
    with pytest.raises(OSError):
        ex.create_withdrawal(trader, "r1", "BTC", Decimal("0.1"), "addr")
    journal._file = working
    assert trader.withdrawal_requests == {}
    op = ex.create_withdrawal(trader, "r1", "BTC", Decimal("0.1"), "addr")
    assert trader.withdrawal_requests == {"r1": op}
    assert [e["cmd"] for e in journal.read(0)] == ["create_withdrawal"]


def test_lone_surrogates_are_written_as_escapes_and_replay_to_the_same_state(tmp_path):
    path = tmp_path / "j.jsonl"
    mock = build_mock(load_text(WITHDRAWING), journal_path=path)
    c, ex = mock.controller, mock.exchange
    c.place_limit("trader", "BTCUSD", "buy", "0.1", "100")
    c.place_bulk("trader", "BTCUSD", [{"side": "buy", "volume": "0.1", "price": "90",
                                       "oldId": LONE}])
    c.place_bulk("trader", LONE, [{"side": "buy", "volume": "0.1", "price": "80"}])
    op = ex.create_withdrawal(ex.account("trader"), "r" + LONE, "BTC", Decimal("0.1"),
                              LONE + "é")
    c.place_limit("trader", "BTCUSD", "buy", "0.1", "95")        # after them: ids still agree
    state = snapshot_bytes(ex)
    c.journal.close(c.now())

    raw = path.read_bytes()
    raw.decode("utf-8")                                          # the file is UTF-8
    assert b"\\ud800" in raw and b"\\u00e9" in raw               # that line is ASCII
    assert b'"price":"100"' in raw.splitlines()[1]               # the others are untouched
    header, replayed = replay_file(path)
    assert snapshot_bytes(replayed) == state
    _, entries = read_journal(path)
    withdrawal = next(e for e in entries if e["cmd"] == "create_withdrawal")
    assert withdrawal["args"]["address"] == LONE + "é"
    assert replayed.account("trader").withdrawal_requests == {"r" + LONE: op}


async def test_the_journal_route_answers_entries_holding_a_lone_surrogate(tmp_path):
    mock = build_mock(load_file(SCENARIOS / "basic.yaml"))
    mock.controller.place_bulk("trader", "BTCUSD", [{"side": "buy", "volume": "0.1",
                                                     "price": "90", "oldId": LONE}])
    async with MockServer(mock) as server, aiohttp.ClientSession() as http:
        async with http.get(server.rest_url + "/_mock/journal") as r:
            assert r.status == 200
            entries = (await r.json())["entries"]
    assert entries[-1]["args"]["items"][0]["oldId"] == LONE


# --- a last line cut off mid-write -----------------------------------------------------------
def _cut(tmp_path, keep: int):
    """A journal of a tracked run whose last line is cut after `keep` bytes, and the state
    of the complete part."""
    path = tmp_path / "j.jsonl"
    mock = build_mock(load_file(SCENARIOS / "basic.yaml"), journal_path=path, track=True)
    c = mock.controller
    order = c.place_limit("trader", "BTCUSD", "buy", "0.1", "9000")
    state = snapshot_bytes(c.exchange)
    c.place_limit("trader", "BTCUSD", "buy", "0.1", "9001")
    c.journal.close(c.now())
    lines = path.read_bytes().splitlines(keepends=True)
    last = next(i for i in range(len(lines) - 1, 0, -1)
                if json.loads(lines[i])["cmd"] == "place_limit")
    path.write_bytes(b"".join(lines[:last]) + lines[last][:keep])
    return path, order, state, last + 1


@pytest.mark.parametrize("keep", [1, 40, -2])
def test_replay_takes_the_complete_part_of_a_journal_cut_off_mid_write(tmp_path, keep):
    path, _, state, line = _cut(tmp_path, keep)
    with pytest.warns(JournalWarning, match=rf"j.jsonl:{line}: the last line is incomplete"):
        header, replayed = replay_file(path)
    assert snapshot_bytes(replayed) == state


def test_a_cut_off_last_line_is_said_by_replay_explain_and_report(tmp_path, capsys):
    path, order, state, line = _cut(tmp_path, 30)
    out = tmp_path / "state.json"
    assert cli.main(["replay", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"mock-lykke replay: warning: {path}:{line}: the last line is "
                          "incomplete (30 bytes, cut off mid-write): read without it: {")
    assert explain_main(str(path), order) == 0
    assert "mock-lykke explain: warning:" in capsys.readouterr().err
    assert cli.main(["report", str(path), "--out", str(tmp_path / "r"), "--no-html"]) == 0
    assert "mock-lykke report: warning:" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error", JournalWarning)
        with pytest.raises(JournalWarning):
            collect(path)


def test_a_bad_line_before_the_last_is_still_an_error(tmp_path):
    path, *_ = _cut(tmp_path, 30)
    lines = path.read_bytes().split(b"\n")[:-1]           # (without the cut-off tail)
    lines[2] = lines[2][:10]
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(ReplayError, match=r"j.jsonl:3: not a journal"):
        read_journal(path)
    complete = tmp_path / "complete.jsonl"               # a missing final newline is fine
    complete.write_bytes(b"\n".join(path.read_bytes().split(b"\n")[:2]))
    assert len(read_journal(complete)[1]) == 1
    mid_char = tmp_path / "mid-char.jsonl"               # cut inside a UTF-8 character
    mid_char.write_bytes(complete.read_bytes() + b'\n{"n":2,"t":0,"cmd":"x","args":{"a":"\xc3')
    with pytest.warns(JournalWarning, match="mid-char.jsonl:3: the last line is incomplete"):
        assert len(read_journal(mid_char)[1]) == 1


# --- or it did not happen: a command whose line fails changes nothing ------------------
def _world():
    """An exchange with resting orders on both sides, a journal on a full disk."""
    ex = make_exchange()
    ex.add_asset(Asset("SIR", "Sirius", "SIR", 8, blockchain_integration_type="sirius"))
    alice, bob = ex.account("alice"), ex.account("bob")
    ex.place_limit(alice, "BTCUSD", "sell", Decimal("1"), Decimal("100"))
    ex.place_limit(alice, "BTCUSD", "sell", Decimal("1"), Decimal("101"))
    resting = ex.place_limit(bob, "BTCUSD", "buy", Decimal("1"), Decimal("90"))
    ex.set_balance(alice, "SIR", Decimal("1"))
    journal = Journal()
    ex.recorders.append(lambda name, args: journal.record(ex.clock.now(), name, args))
    journal._file, journal.path = BrokenFile(), "full.jsonl"
    return ex, alice, bob, resting, journal


def _whole(ex) -> tuple:
    """Everything a command may change, events included."""
    tickers = [(t.pair_id, str(t.volume_base), str(t.high)) for t in ex.tickers()]
    return snapshot_bytes(ex), ex._seq, ex.ids.count, ex.ids._rng.getstate(), tickers


COMMANDS = {
    "limit resting": lambda ex, a, b, o: ex.place_limit(b, "BTCUSD", "buy", Decimal("1"),
                                                        Decimal("95")),
    "limit crossing": lambda ex, a, b, o: ex.place_limit(b, "BTCUSD", "buy", Decimal("1.5"),
                                                         Decimal("101")),
    "market": lambda ex, a, b, o: ex.place_market(b, "BTCUSD", "buy", Decimal("1.5")),
    "bulk": lambda ex, a, b, o: ex.place_bulk(b, "BTCUSD", [
        BulkItem("buy", Decimal("1"), Decimal("100.5")), BulkItem("buy", Decimal("1"),
                                                                  Decimal("-1")),
        BulkItem("sell", Decimal("0.5"), Decimal("120"))], cancel_previous=True),
    "bulk unknown pair": lambda ex, a, b, o: ex.place_bulk(
        b, "NOPE", [BulkItem("buy", Decimal("1"), Decimal("1"))]),
    "cancel": lambda ex, a, b, o: ex.cancel_order(b, o),
    "cancel all": lambda ex, a, b, o: ex.cancel_all(a),
    "set balance": lambda ex, a, b, o: ex.set_balance(a, "ETH", Decimal("7")),
    "deposit": lambda ex, a, b, o: ex.deposit(a, "USD", Decimal("5")),
    "deposit new asset": lambda ex, a, b, o: ex.deposit(a, "SIR", Decimal("5")),
    "withdrawal": lambda ex, a, b, o: ex.create_withdrawal(a, "r1", "SIR", Decimal("0.1"), "x"),
    "deposit addresses": lambda ex, a, b, o: ex.create_deposit_addresses(a),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_whose_line_cannot_be_written_changes_nothing(name):
    ex, alice, bob, resting, journal = _world()
    heard = []
    ex.subscribe(heard.append)
    before = _whole(ex)
    with pytest.raises(JournalWriteError, match="command not done"):
        COMMANDS[name](ex, alice, bob, resting)
    assert _whole(ex) == before
    assert heard == [] and journal.count == 0
    assert alice.deposit_state is None and alice.withdrawal_requests == {}
    ex.check_invariants()


def test_a_failed_write_is_cut_back_and_the_next_command_tries_again(tmp_path):
    """A disk that fills mid-line: the part written is cut off, the command is not done; once
    there is room the next command is journaled and the file replays to the live state."""
    mock = build_mock(load_text(WITHDRAWING), journal_path=tmp_path / "j.jsonl")
    journal, ex = mock.controller.journal, mock.exchange
    trader = ex.account("trader")
    real = journal._file

    class FillsUp:
        def write(self, data):
            real.write(bytes(data[:7]))              # part of the line, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(real, name)
    size, before = (tmp_path / "j.jsonl").stat().st_size, snapshot_bytes(ex)
    journal._file = FillsUp()
    with pytest.raises(JournalWriteError):
        ex.place_limit(trader, "BTCUSD", "buy", Decimal("0.01"), Decimal("200"))
    assert (tmp_path / "j.jsonl").stat().st_size == size and snapshot_bytes(ex) == before
    journal._file = real
    ex.place_limit(trader, "BTCUSD", "buy", Decimal("0.01"), Decimal("201"))
    journal.close(ex.clock.now())
    assert snapshot_bytes(replay_file(tmp_path / "j.jsonl")[1]) == snapshot_bytes(ex)


def test_a_journal_that_cannot_be_cut_back_refuses_every_later_command(tmp_path, caplog):
    mock = build_mock(load_text(WITHDRAWING), journal_path=tmp_path / "j.jsonl")
    journal, ex = mock.controller.journal, mock.exchange
    trader = ex.account("trader")

    class Stuck(BrokenFile):
        def truncate(self):
            raise OSError(errno.EIO, "Input/output error")
    journal._file, real = Stuck(), journal._file
    with pytest.raises(JournalWriteError):
        ex.deposit(trader, "USD", Decimal("1"))
    journal._file = real                        # even with a working file again
    before = snapshot_bytes(ex)
    with pytest.raises(JournalWriteError, match="unusable since a failed write"):
        ex.deposit(trader, "USD", Decimal("1"))
    assert snapshot_bytes(ex) == before
    assert "every later command is refused" in caplog.text


def test_a_control_change_whose_line_cannot_be_written_is_not_made(tmp_path):
    mock = build_mock(load_text(WITHDRAWING), journal_path=tmp_path / "j.jsonl")
    c, ex = mock.controller, mock.exchange
    journal = c.journal
    journal._file, working = BrokenFile(), journal._file
    quirks, before = ex.quirks.as_dict(), snapshot_bytes(ex)
    with pytest.raises(JournalWriteError):
        c.set_quirks({next(iter(quirks)): not next(iter(quirks.values()))})
    with pytest.raises(JournalWriteError):
        c.set_account("trader", {"blocked": True})
    journal._file = working
    assert ex.quirks.as_dict() == quirks and snapshot_bytes(ex) == before


def test_a_participant_step_whose_line_fails_is_not_done_and_the_market_goes_on(tmp_path):
    """Market participants' commands obey the same rule; the participant says why, and acts
    again at its next step: the file replays to the live state."""
    mock = build_mock(load_file(SCENARIOS / "market-maker.yaml"),
                      journal_path=tmp_path / "j.jsonl")
    c, journal = mock.controller, mock.controller.journal
    c.advance(ms=5000)
    journal._file, working = BrokenFile(), journal._file
    done, before = journal.count, snapshot_bytes(mock.exchange)
    with pytest.raises(JournalWriteError):      # the advance's own `clock` line, at the end
        c.advance(ms=5000)
    assert journal.count == done
    assert any("command not done" in (p.last_error or "") for p in c.participants)
    journal._file = working
    c.advance(ms=20000)
    assert journal.count > done and snapshot_bytes(mock.exchange) != before
    journal.close(mock.exchange.clock.now())
    assert snapshot_bytes(replay_file(tmp_path / "j.jsonl")[1]) == snapshot_bytes(mock.exchange)


def test_a_timeline_step_whose_line_fails_is_not_done_and_says_so(tmp_path):
    mock = build_mock(load_text(WITHDRAWING + """
timeline:
  - {at: 1s, deposit: {account: trader, assetId: USD, amount: "5"}}
  - {at: 2s, deposit: {account: trader, assetId: USD, amount: "7"}}
"""), journal_path=tmp_path / "j.jsonl")
    c, journal, ex = mock.controller, mock.controller.journal, mock.exchange
    journal._file, working = BrokenFile(), journal._file
    with pytest.raises(JournalWriteError):      # the advance's own `clock` line, at the end
        c.advance(ms=1500)
    assert ex.clock.now() == ex.clock.start_ms + 1500
    journal._file = working
    c.advance(ms=1000)
    assert ex.account("trader").balances["USD"].total == Decimal("1007")
    assert [w["message"] for w in c.warnings] == [
        f"timeline[0] (deposit at 1s): command not done: its journal line could not be written "
        f"to {tmp_path / 'j.jsonl'}: [Errno 28] No space left on device"]
    journal.close(ex.clock.now())
    assert snapshot_bytes(replay_file(tmp_path / "j.jsonl")[1]) == snapshot_bytes(ex)
