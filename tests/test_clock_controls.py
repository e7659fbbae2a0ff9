"""Pause, resume and speed: on the clocks, through the Controller and the control API."""
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from mock_lykke.api.control import add_control_routes
from mock_lykke.engine.clock import ClockError, LockstepClock, RealtimeClock, VirtualClock
from test_clock import START, FakeMonotonic
from test_scenario_support import world


def test_a_paused_realtime_clock_stands_still_and_resumes_where_it_stopped():
    mono = FakeMonotonic()
    clock = RealtimeClock(START, speed=2.0, paused=True, monotonic_ns=mono)
    clock.start()
    mono.move(100)
    assert clock.now() == START + 200
    clock.pause()
    mono.move(1000)
    clock.start()                           # a reset's or the server's start does not resume
    assert clock.now() == START + 200 and clock.wait_hint() is None
    clock.resume()
    mono.move(10)
    assert clock.now() == START + 220 and clock.describe()["paused"] is False


def test_a_new_speed_applies_from_now_on_without_a_jump():
    mono = FakeMonotonic()
    clock = RealtimeClock(START, speed=1.0, monotonic_ns=mono)
    mono.move(100)
    clock.set_speed(10)
    assert clock.now() == START + 100
    mono.move(100)
    assert clock.now() == START + 1100
    with pytest.raises(ClockError):
        clock.set_speed(0)
    assert clock.speed == 10


def test_a_paused_lockstep_clock_takes_no_step():
    mono = FakeMonotonic()
    clock = LockstepClock(START, quiet_ms=0, warmup_ms=0, monotonic_ns=mono)
    clock.call_at(START + 50, lambda: None)
    clock.release()
    clock.pause()
    assert clock.run_due() == 0 and clock.wait_hint() is None and clock.now() == START
    clock.resume()
    assert clock.run_due() == 1 and clock.now() == START + 50


def test_a_virtual_clock_has_nothing_to_pause_and_no_speed():
    clock = VirtualClock(START)
    for change in (clock.pause, clock.resume, lambda: clock.set_speed(2)):
        with pytest.raises(ClockError):
            change()


@pytest.fixture
async def realtime_api():
    c = world(clock_mode="realtime")
    app = web.Application()
    add_control_routes(app, c.mock)
    async with TestClient(TestServer(app)) as client:
        client.ctl = c
        yield client


async def test_the_control_api_pauses_resumes_and_sets_the_speed_and_journals_it(realtime_api):
    api, c = realtime_api, realtime_api.ctl
    c.exchange.clock.start()
    paused = await (await api.post("/_mock/clock/pause")).json()
    assert paused["paused"] is True
    assert (await (await api.get("/_mock/time")).json())["now"] == paused["now"]
    resp = await api.put("/_mock/clock/speed", json={"speed": 4})
    assert resp.status == 200 and (await resp.json())["speed"] == 4.0
    resumed = await (await api.post("/_mock/clock/resume")).json()
    assert resumed["paused"] is False and c.exchange.clock.speed == 4.0
    notes = [e["args"] for e in c.journal.read() if e["cmd"] == "clock"]
    assert notes[-3:] == [{"paused": True}, {"speed": 4.0}, {"paused": False}]
    bad = await api.put("/_mock/clock/speed", json={"speed": "fast"})
    assert bad.status == 400 and "speed" in (await bad.json())["error"]
    c.reset()                               # the scenario's speed again
    assert c.exchange.clock.speed == 1.0


async def test_pausing_a_virtual_clock_is_a_clear_error():
    c = world()
    app = web.Application()
    add_control_routes(app, c.mock)
    async with TestClient(TestServer(app)) as api:
        resp = await api.post("/_mock/clock/pause")
        assert resp.status == 400 and "advance" in (await resp.json())["error"]
        assert not [e for e in c.journal.read() if e["cmd"] == "clock"]
