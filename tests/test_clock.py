"""The clock modes: virtual time on command, realtime (scaled, startable), the driver."""
import asyncio

import pytest

from mock_lykke.engine.clock import (CLOCKS, ClockError, RealtimeClock, VirtualClock,
                                     format_time, make_clock, parse_time)
from mock_lykke.scenario.driver import ClockDriver

START = 1_767_225_600_000


class FakeMonotonic:
    def __init__(self):
        self.ns = 1_000_000_000

    def __call__(self):
        return self.ns

    def move(self, ms):
        self.ns += ms * 1_000_000


def test_virtual_clock_runs_timers_in_time_then_creation_order():
    clock = VirtualClock(START)
    seen = []
    clock.call_at(START + 20, lambda: seen.append(("b", clock.now())))
    clock.call_at(START + 10, lambda: seen.append(("a", clock.now())))
    clock.call_at(START + 20, lambda: seen.append(("c", clock.now())))
    assert clock.advance(15) == 1
    assert seen == [("a", START + 10)] and clock.now() == START + 15
    clock.advance(100)
    assert seen == [("a", START + 10), ("b", START + 20), ("c", START + 20)]
    assert clock.now() == START + 115


def test_virtual_clock_runs_timers_that_timers_schedule_inside_the_window():
    clock = VirtualClock(START)
    seen = []

    def tick():
        seen.append(clock.now())
        clock.call_later(10, tick)

    clock.call_at(START, tick)
    assert clock.advance(35) == 4
    assert seen == [START, START + 10, START + 20, START + 30]


def test_virtual_clock_never_goes_back_and_ignores_the_driver():
    clock = VirtualClock(START)
    with pytest.raises(ClockError):
        clock.advance(-1)
    clock.advance(10)
    with pytest.raises(ClockError):
        clock.advance_to(START)
    clock.call_at(START, lambda: None)           # due, but only advance() runs timers
    assert clock.run_due() == 0 and clock.wait_hint() is None
    assert clock.advance(0) == 1


def test_cancelled_timers_do_not_run():
    clock = VirtualClock(START)
    seen = []
    timer = clock.call_at(START + 5, lambda: seen.append(1))
    timer.cancel()
    assert clock.next_due() is None and clock.advance(10) == 0 and seen == []


def test_realtime_clock_created_paused_starts_on_start_and_scales():
    mono = FakeMonotonic()
    clock = RealtimeClock(START, speed=10, paused=True, monotonic_ns=mono)
    mono.move(500)
    assert clock.now() == START               # paused: the scenario is set up at its start
    clock.start()
    mono.move(100)
    assert clock.now() == START + 1000        # 100 ms wall x 10
    with pytest.raises(ClockError):
        clock.advance(1)


def test_realtime_clock_runs_due_timers_and_tells_how_long_to_sleep():
    mono = FakeMonotonic()
    clock = RealtimeClock(START, speed=2, monotonic_ns=mono)
    seen = []
    woken = []
    clock.wakeup = lambda: woken.append(1)
    clock.call_at(START + 1000, lambda: seen.append(clock.now()))
    assert woken == [1]                       # a new earliest timer wakes the driver
    clock.call_at(START + 2000, lambda: None)
    assert woken == [1]
    assert clock.wait_hint() == pytest.approx(0.5)   # 1000 clock ms at x2
    assert clock.run_due() == 0
    mono.move(600)
    assert clock.run_due() == 1 and seen == [START + 1200]


def test_make_clock_knows_the_modes():
    assert set(CLOCKS) >= {"virtual", "realtime"}
    assert make_clock("virtual", START).now() == START
    realtime = make_clock("realtime", START, 3.0)
    assert realtime.now() == START and realtime.speed == 3.0   # not started yet
    with pytest.raises(ClockError, match="unknown clock mode"):
        make_clock("lockstep-someday", START)


def test_times_parse_and_format():
    assert parse_time("2026-01-01T00:00:00Z") == START
    assert parse_time(START) == START
    assert format_time(START + 1234) == "2026-01-01T00:00:01.234Z"


async def test_driver_runs_realtime_timers_and_follows_a_new_clock():
    clock = RealtimeClock(START, speed=1000, paused=True)
    current = {"clock": clock}
    driver = ClockDriver(lambda: current["clock"])
    fired = asyncio.Event()
    clock.call_at(START + 200, fired.set)     # 0.2 ms of wall time at x1000
    clock.start()
    driver.start()
    try:
        await asyncio.wait_for(fired.wait(), 2)
        second = RealtimeClock(START, speed=1000)
        fired2 = asyncio.Event()
        second.call_at(START + 100, fired2.set)
        current["clock"] = second
        driver.kick()
        await asyncio.wait_for(fired2.wait(), 2)
    finally:
        await driver.stop()
    assert not driver.running


async def test_driver_wakes_for_a_timer_added_while_it_sleeps():
    clock = RealtimeClock(START, speed=1)
    driver = ClockDriver(lambda: clock)
    driver.start()
    fired = asyncio.Event()
    try:
        await asyncio.sleep(0)                # the driver now waits with no timer at all
        clock.call_later(0, fired.set)
        await asyncio.wait_for(fired.wait(), 2)
    finally:
        await driver.stop()


class ToyLockstep(VirtualClock):
    """A sketch of the future lockstep mode, built only on the clock interface: when nothing
    is in flight, jump to the next timer at once; while something is, wait."""
    mode = "lockstep"

    def __init__(self, start_ms):
        super().__init__(start_ms)
        self.busy = 0

    def enter(self):
        self.busy += 1

    def leave(self):
        self.busy -= 1
        if not self.busy:
            self._wake()

    def run_due(self):
        at = self.next_due()
        if self.busy or at is None:
            return 0
        return self.advance_to(at)

    def wait_hint(self):
        return None if self.busy or self.next_due() is None else 0.0


async def test_a_lockstep_mode_needs_nothing_but_a_clock_class():
    clock = ToyLockstep(START)
    driver = ClockDriver(lambda: clock)
    done = asyncio.Event()
    seen = []

    def tick():
        seen.append(clock.now())
        if len(seen) == 3:
            clock.enter()                    # a request in flight: time must wait
            done.set()
        if len(seen) == 5:
            done.set()
        clock.call_later(60_000, tick)

    clock.call_at(START + 60_000, tick)
    driver.start()
    try:
        await asyncio.wait_for(done.wait(), 2)       # three virtual minutes, no wall time
        await asyncio.sleep(0)
        assert seen == [START + 60_000, START + 120_000, START + 180_000]
        done.clear()
        clock.leave()                                 # quiet again: time runs on
        await asyncio.wait_for(done.wait(), 2)
    finally:
        await driver.stop()
    assert seen[3:5] == [START + 240_000, START + 300_000]


async def test_stop_ends_the_driver_even_when_its_wait_ends_with_the_cancellation():
    # stop() wakes the driver and cancels it in one step: on Python 3.11 `wait_for` returns
    # normally when its wait ends with the cancellation, and a `while True` driver ran on for
    # ever (seen as dry-runs that never stopped)
    clock = RealtimeClock(start_ms=0, speed=1.0)
    clock.call_at(3_600_000, lambda: None)         # an hour away: the driver waits in wait_for
    driver = ClockDriver(lambda: clock)
    driver.start()
    task = driver._task
    for _ in range(3):
        await asyncio.sleep(0)
    stopping = asyncio.ensure_future(driver.stop())
    done, _ = await asyncio.wait({stopping}, timeout=10)     # a guard: it hung here before
    assert stopping in done and task.done()
