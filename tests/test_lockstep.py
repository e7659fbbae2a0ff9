"""The lockstep clock: virtual time that moves by itself while nothing is in flight and the
system has been quiet for a window of wall time; streams and calls report their work to it."""
import asyncio
import threading
from decimal import Decimal

import aiohttp
import grpc
import pytest
import yaml

from mock_lykke.api.streams import StreamHub
from mock_lykke.engine.clock import CLOCKS, LockstepClock, make_clock
from mock_lykke.journal import read_journal
from mock_lykke.proto import privateService_pb2 as pv
from mock_lykke.proto import publicService_pb2 as pb, publicService_pb2_grpc as pbg
from mock_lykke.scenario import build_mock, load_text
from mock_lykke.scenario.driver import ClockDriver
from mock_lykke.server import MockServer
from mock_lykke.testing import Lykke
from dryrun_support import BOTS, START, cli_dryrun



class FakeMonotonic:
    def __init__(self):
        self.ns = 5_000_000_000

    def __call__(self):
        return self.ns

    def move(self, ms):
        self.ns += int(ms * 1_000_000)


def lockstep(quiet=5, warmup=20):
    mono = FakeMonotonic()
    return LockstepClock(START, quiet, warmup, monotonic_ns=mono), mono


def test_it_is_held_at_the_start_until_the_first_request():
    clock, mono = lockstep()
    seen = []
    clock.call_at(START + 1000, lambda: seen.append(clock.now()))
    mono.move(1000)
    assert clock.run_due() == 0 and clock.wait_hint() is None and clock.now() == START
    clock.enter()                                 # the bot's first request
    clock.leave()
    assert clock.wait_hint() == pytest.approx(0.020)   # the warm-up window
    mono.move(19)
    assert clock.run_due() == 0
    mono.move(1)
    assert clock.run_due() == 1 and seen == [START + 1000]


def test_it_steps_timer_by_timer_only_when_quiet_and_idle():
    clock, mono = lockstep()
    clock.release()
    steps = []
    clock.on_step = lambda a, b: steps.append((a, b))
    for at in (10, 10, 30):
        clock.call_at(START + at, lambda: None)
    mono.move(20)
    assert clock.run_due() == 2 and clock.now() == START + 10      # both timers of that time
    clock.enter()                                 # a message queued, not yet written
    mono.move(100)
    assert clock.run_due() == 0 and clock.wait_hint() is None
    clock.leave()
    assert clock.wait_hint() == pytest.approx(0.005)
    mono.move(4)
    assert clock.run_due() == 0
    mono.move(1)
    assert clock.run_due() == 1 and clock.now() == START + 30
    assert steps == [(START, START + 10), (START + 10, START + 30)]
    assert clock.run_due() == 0 and clock.wait_hint() is None      # no timer left


def test_a_request_in_the_window_starts_it_again():
    clock, mono = lockstep()
    clock.release()
    clock.call_at(START + 10, lambda: None)
    mono.move(20)
    clock.call_at(START + 20, lambda: None)
    clock.run_due()
    mono.move(3)
    clock.enter()
    clock.leave()                                 # answered at once, but it was activity
    mono.move(3)
    assert clock.run_due() == 0
    mono.move(2)
    assert clock.run_due() == 1


def test_it_stops_at_its_limit_once_quiet_and_says_so():
    clock, mono = lockstep()
    clock.release()
    ended = []
    clock.limit = START + 25
    clock.on_limit = lambda: ended.append(clock.now())
    clock.call_at(START + 10, lambda: None)
    clock.call_at(START + 40, lambda: None)
    mono.move(20)
    clock.run_due()
    assert clock.now() == START + 10
    mono.move(5)
    clock.run_due()                               # no timer before the limit: go to it
    assert clock.now() == START + 25 and ended == []
    clock.enter()
    clock.leave()
    mono.move(4)
    clock.run_due()
    assert ended == []                            # the bot may still be reacting
    mono.move(1)
    clock.run_due()
    assert ended == [START + 25] and clock.at_limit()
    mono.move(100)
    assert clock.run_due() == 0 and clock.wait_hint() is None and ended == [START + 25]


def test_a_probe_that_sees_activity_keeps_the_window_open():
    clock, mono = lockstep()
    clock.release()
    clock.call_at(START + 10, lambda: None)
    tokens = iter([1, 2, 2])
    clock.probe = lambda: next(tokens)
    mono.move(20)
    assert clock.run_due() == 0                   # token 1: new, the window starts again
    mono.move(20)
    assert clock.run_due() == 0                   # token 2: still busy
    mono.move(19)
    assert clock.run_due() == 0
    mono.move(1)
    assert clock.run_due() == 1                   # unchanged for a whole (warm-up) window


def test_it_is_one_more_clock_mode():
    assert "lockstep" in CLOCKS
    clock = make_clock("lockstep", START, 1.0, quiet=7, warmup=3)
    assert isinstance(clock, LockstepClock) and (clock.quiet_ms, clock.warmup_ms) == (7, 3)
    assert clock.tracks_activity and clock.virtual_time
    assert clock.advance(50) == 0 and clock.now() == START + 50   # still advances on command


async def test_the_driver_runs_it_to_its_limit_without_any_client():
    clock = LockstepClock(START, quiet_ms=0, warmup_ms=0)
    clock.limit = START + 3_600_000
    seen = []

    def tick():
        seen.append(clock.now())
        clock.call_later(60_000, tick)

    clock.call_at(START, tick)
    done = asyncio.Event()
    clock.on_limit = done.set
    driver = ClockDriver(lambda: clock)
    clock.release()
    driver.start()
    try:
        await asyncio.wait_for(done.wait(), 5)
    finally:
        await driver.stop()
    assert clock.now() == START + 3_600_000 and len(seen) == 61


# --- streams report their messages ------------------------------------------------------------
WORLD = """
version: 1
seed: 3
clock: {mode: lockstep, quiet: 0ms, warmup: 0ms, until: 10m}
assets: [{assetId: BTC, accuracy: 8}, {assetId: USD, accuracy: 2}]
assetPairs: [{assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}]
accounts:
  - {name: trader, apiKey: trader-key, balances: {BTC: "1", USD: "100000"}}
  - {name: market, apiKey: market-key, balances: {BTC: "100", USD: "1000000"}}
market:
  - {kind: marketMaker, account: market, assetPairId: BTCUSD, mid: "10000", levelVolume: "1",
     levels: 2, every: 30s}
"""


def test_each_queued_message_is_work_in_flight_until_written_or_dropped():
    mock = build_mock(load_text(WORLD))
    clock = mock.exchange.clock
    hub = StreamHub(mock)
    sub = hub.open_prices(["BTCUSD"])             # the snapshot: one message
    assert clock.busy == 1 and hub.stats.as_dict() == {"queued": 1, "sent": 0, "dropped": 0}
    mock.controller.place_limit("trader", "BTCUSD", "buy", "0.1", "9995")    # a new best bid
    assert clock.busy == 2 and sub.pending == 2
    sub.sent()
    assert clock.busy == 1 and hub.stats.sent == 1
    hub.remove(sub)                               # the call ended: what is left is dropped
    assert clock.busy == 0 and hub.stats.as_dict() == {"queued": 2, "sent": 1, "dropped": 1}
    sub.sent()                                    # late: counted once only
    assert clock.busy == 0 and hub.stats.sent == 1


def test_other_clocks_are_not_told_about_messages():
    mock = build_mock(load_text(WORLD.replace("mode: lockstep", "mode: virtual")))
    hub = StreamHub(mock)
    sub = hub.open_prices(["BTCUSD"])
    assert sub.clock is None and sub.pending == 0 and hub.stats.queued == 0


async def test_a_client_streaming_through_a_lockstep_hour_sees_every_step():
    """An in-process client reads the price stream while the clock runs 10 minutes."""
    mock = build_mock(load_text(WORLD))
    clock = mock.exchange.clock
    done = asyncio.Event()
    clock.on_limit = done.set
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        stream = pbg.PublicServiceStub(ch).GetPriceUpdates(
            pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
        seen, grew = [], asyncio.Event()
        reader = asyncio.ensure_future(_read_all(stream, seen, grew))
        await asyncio.wait_for(done.wait(), 10)
        assert clock.now() == START + 600_000
        steps = [e for e in mock.controller.journal.entries
                 if e["cmd"] == "clock" and "queued" in e["args"]]
        while len(seen) < steps[-1]["args"]["sent"]:   # written is not yet read: let it read
            grew.clear()
            await asyncio.wait_for(grew.wait(), 10)
        stream.cancel()
        await reader
    assert len(steps) >= 20                      # requotes every 30 s, keep-alives
    for e in steps:
        a = e["args"]
        assert a["queued"] == a["sent"] + a["dropped"], e
    assert steps[-1]["args"]["queued"] >= 20 and len(seen) >= steps[-1]["args"]["sent"]


async def _read_all(stream, out: list, grew: asyncio.Event):
    try:
        async for msg in stream:
            out.append(msg)
            grew.set()
    except asyncio.CancelledError:
        pass
    except grpc.aio.AioRpcError:
        pass
    return out


# --- a bot in its own process -----------------------------------------------------------------
def dryrun(tmp_path, name, *args, until="1h"):
    journal = tmp_path / f"{name}.jsonl"
    _, err = cli_dryrun(journal, *args, until=until)
    return journal, err


def test_a_bot_trades_through_an_hour_in_a_small_fraction_of_it(tmp_path):
    journal, err = dryrun(tmp_path, "hour")        # (cli_dryrun's timeout is the guard)
    header, rows = read_journal(journal)
    assert header["clock"]["mode"] == "lockstep" and header["dryrun"]["account"] == "bot"
    steps = [e for e in rows if e["cmd"] == "clock" and "queued" in e["args"]]
    assert steps[-1]["t"] == START + 3_600_000 and len(steps) > 200
    queued = [s["args"]["queued"] for s in steps]
    assert queued == sorted(queued) and queued[-1] > 200
    for s in steps:                              # never a step past an undelivered message
        assert s["args"]["queued"] == s["args"]["sent"] + s["args"]["dropped"], s
    calls = [e for e in rows if e["cmd"] == "call" and e["args"]["account"] == "bot"]
    fills = [e for e in rows if e["cmd"] == "fill"]
    assert len(calls) > 100 and fills
    # the bot answers each price move at the time of that move: every step that moved the
    # bid has the bot's orders at the same clock time
    moves = {e["t"] for e in rows if e["cmd"] == "price"}
    placed = {e["t"] for e in rows if e["cmd"] == "place_limit" and e["args"]["account"] == "bot"}
    assert placed <= moves and len(placed) > 100


def test_the_same_bot_scenario_and_seed_in_two_processes_write_the_same_journal(tmp_path):
    reports = [tmp_path / "ra", tmp_path / "rb"]
    a, _ = dryrun(tmp_path, "a", "--report", str(reports[0]), until="10m")
    b, _ = dryrun(tmp_path, "b", "--report", str(reports[1]), until="10m")
    assert a.read_bytes() == b.read_bytes()
    summaries = [r / "summary.json" for r in reports]
    if all(s.exists() for s in summaries):
        assert summaries[0].read_bytes() == summaries[1].read_bytes()
    header, rows = read_journal(a)
    assert header["seed"] == 11 and any(e["cmd"] == "fill" for e in rows)


async def test_the_control_api_does_not_start_a_held_clock():
    mock = build_mock(load_text(WORLD))
    clock = mock.exchange.clock
    async with MockServer(mock) as server, aiohttp.ClientSession() as http:
        async with http.get(server.rest_url + "/_mock/health") as r:
            assert r.status == 200
        assert not clock.released and clock.now() == START
        async with http.get(server.rest_url + "/api/isalive") as r:
            assert r.status == 200
        assert clock.released


# --- the pytest fixture: the test is the bot, in the mock's own process ------------------------
def test_a_test_in_lockstep_gets_through_an_hour_and_the_clock_waits_for_its_reactions():
    """The fixture's CPU probe watches the test's threads (not the mock's loop): the clock
    moves on quickly, but never before the test has answered what it was sent."""
    world = yaml.safe_load((BOTS / "world.yaml").read_text())
    world["clock"]["quiet"] = "3ms"             # the probe, not the window, keeps the order
    end = START + 3_600_000
    with Lykke(scenario=world, clock="lockstep", timeout=120) as lykke:
        priv = lykke.private("bot")
        prices = lykke.public().GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
        answered = []                             # (price message time, order id)

        def bot():
            last = None
            try:
                for msg in prices:
                    if not msg.bid or msg == last:    # a keep-alive repeats the last price
                        continue
                    last = msg
                    placed = priv.PlaceLimitOrder(pv.LimitOrderRequest(
                        assetPairId="BTCUSD", side=pv.buy, volume="0.001",
                        price=str(Decimal(msg.bid) - 5)))
                    answered.append((msg.timestamp.ToMilliseconds(), placed.payload.orderId))
            except grpc.RpcError:                 # cancelled at the end
                pass

        thread = threading.Thread(target=bot, daemon=True)
        thread.start()
        # the market maker requotes at the hour too: the wait is re-checked then
        lykke.wait_for(lambda: lykke.exchange.clock.now() >= end)
        prices.cancel()
        thread.join(30)
        assert not thread.is_alive()
        assert lykke.now() == end
        steps = lykke.call(lambda: lykke.exchange.clock.steps)
        orders = {o.id: o for o in lykke.orders("bot")}
    assert steps > 200 and len(answered) > 100
    # every reaction entered the engine at the clock time of the message it answered
    assert [orders[oid].created for _, oid in answered] == [t for t, _ in answered]
    assert [t for t, _ in answered] == sorted(t for t, _ in answered)


def test_the_in_process_probe_tells_the_tests_threads_from_grpcs():
    from mock_lykke import probe
    if probe.make_probe() is None:
        pytest.skip("no /proc")
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        mine = probe.python_threads()
        assert f"/proc/self/task/{worker.native_id}" in mine                   # the test's
        assert f"/proc/self/task/{threading.get_native_id()}" not in mine      # the caller's
        assert not set(probe.grpc_threads()) & mine
        p = probe.make_probe(in_process=True)
        assert [g.threshold_ns for g in p.groups] == [0, probe.THRESHOLD_NS]
    finally:
        release.set()
        worker.join()


def test_the_fixture_gives_a_lockstep_clock_the_in_process_probe():
    with Lykke(clock="lockstep") as lykke:
        groups = lykke.call(lambda: [g.threshold_ns for g in lykke.exchange.clock.probe.groups])
        assert groups == [0, 200_000]
        lykke.reset()                                 # a new clock: the same probe
        groups = lykke.call(lambda: [g.threshold_ns for g in lykke.exchange.clock.probe.groups])
        assert groups == [0, 200_000]
