"""The only source of time: epoch milliseconds, virtual or real, plus timers on that time.

Every clock has the same interface; what differs per mode stays inside its class:

- `now()`, `call_at(at, fn)`, `call_later(delay, fn)`, `next_due()`: time and timers. Timers
  run in (time, creation) order, and `now()` inside a timer is the timer's time (virtual) or
  later (realtime).
- `advance(ms)` / `advance_to(t)`: move time on command (virtual only; others raise ClockError).
- The driver interface, used by one async loop while the server runs (scenario/driver.py):
  `start()` once when serving begins, then repeatedly `run_due()` and sleep `wait_hint()`
  seconds of wall time (None: until `wakeup` is called, which the clock does whenever its plan
  changes, e.g. a new earliest timer).
- `enter()` / `leave()`: the fronts report work in flight (requests, queued stream messages).
  Virtual and realtime clocks ignore it; a lockstep clock advances only while nothing is.

`VirtualClock` moves only when told, running every timer due on the way. `RealtimeClock`
follows the wall clock from its start time, scaled by `speed`. A new mode (e.g. lockstep) is one
more class registered in CLOCKS.
"""
from __future__ import annotations

import heapq
import itertools
import time
from datetime import datetime, timezone
from typing import Callable


class ClockError(ValueError):
    """A time operation this clock's mode does not allow (e.g. advancing a realtime clock)."""


def parse_time(value) -> int:
    """Epoch ms from an int (ms), a datetime or an ISO-8601 string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


def format_time(ms: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-01-01T00:00:00.000Z."""
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def wall_now_ms() -> int:
    """The wall clock's time in epoch ms (only for starting a realtime clock 'now')."""
    return time.time_ns() // 1_000_000


DEFAULT_START = parse_time("2026-01-01T00:00:00Z")


class Timer:
    __slots__ = ("at", "seq", "fn", "cancelled")

    def __init__(self, at: int, seq: int, fn: Callable[[], None]):
        self.at, self.seq, self.fn, self.cancelled = at, seq, fn, False

    def __lt__(self, other: "Timer") -> bool:
        return (self.at, self.seq) < (other.at, other.seq)

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Base: a current time and a heap of timers, run in (time, creation) order."""
    mode = "virtual"

    def __init__(self, start_ms: int = DEFAULT_START):
        self.start_ms = start_ms
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        # set by the driver: called when the clock's plan changes (it re-reads wait_hint)
        self.wakeup: Callable[[], None] | None = None

    def now(self) -> int:
        raise NotImplementedError

    def call_at(self, at_ms: int, fn: Callable[[], None]) -> Timer:
        timer = Timer(at_ms, next(self._seq), fn)
        heapq.heappush(self._timers, timer)
        if self._timers[0] is timer:
            self._wake()
        return timer

    def call_later(self, delay_ms: int, fn: Callable[[], None]) -> Timer:
        return self.call_at(self.now() + delay_ms, fn)

    def next_due(self) -> int | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].at if self._timers else None

    def pending(self) -> int:
        """How many live timers are waiting."""
        return sum(1 for t in self._timers if not t.cancelled)

    def _pop_due(self, until: int) -> Timer | None:
        at = self.next_due()
        if at is None or at > until:
            return None
        return heapq.heappop(self._timers)

    def _wake(self) -> None:
        if self.wakeup is not None:
            self.wakeup()

    # --- time on command (virtual modes) --------------------------------------------
    def advance(self, ms: int) -> int:
        raise ClockError(f"the {self.mode} clock cannot be advanced")

    def advance_to(self, target_ms: int) -> int:
        raise ClockError(f"the {self.mode} clock cannot be advanced")

    # --- activity, reported by the fronts (only a lockstep mode needs it) -------------
    def enter(self) -> None:
        """Something time must wait for has begun: a request is in flight, or a stream
        message is queued. Pair each call with leave() on the same clock object."""

    def leave(self) -> None:
        """What enter() announced is done (the response sent, the message written)."""

    # --- the driver interface -------------------------------------------------------
    def start(self) -> None:
        """Serving begins (a realtime clock created paused starts to follow the wall clock)."""

    def run_due(self) -> int:
        """Run what this mode considers due now; returns how many timers ran."""
        return 0

    def wait_hint(self) -> float | None:
        """Wall seconds the driver may sleep before run_due() can have work; None = until
        woken."""
        return None

    def describe(self) -> dict:
        return {"mode": self.mode, "now": self.now(), "start": self.start_ms}


class VirtualClock(Clock):
    """Moves only on advance(); the driver never runs its timers (requests and timers then
    interleave only as the caller decides, so runs are reproducible)."""
    mode = "virtual"

    def __init__(self, start_ms: int = DEFAULT_START):
        super().__init__(start_ms)
        self._now = start_ms

    def now(self) -> int:
        return self._now

    def advance(self, ms: int) -> int:
        """Move time forward by ms, running every timer due on the way; returns timers run."""
        if ms < 0:
            raise ClockError("the clock cannot go back")
        return self.advance_to(self._now + ms)

    def advance_to(self, target_ms: int) -> int:
        if target_ms < self._now:
            raise ClockError("the clock cannot go back")
        ran = 0
        while (timer := self._pop_due(target_ms)) is not None:
            self._now = max(self._now, timer.at)
            timer.fn()
            ran += 1
        self._now = max(self._now, target_ms)
        return ran


class RealtimeClock(Clock):
    """Wall-clock time from start_ms, scaled by speed (2.0 = twice as fast).

    Created with paused=True it stays at start_ms until start() (the scenario is set up at
    exactly its start time, and time flows from the moment the server is ready)."""
    mode = "realtime"

    def __init__(self, start_ms: int | None = None, speed: float = 1.0, *, paused: bool = False,
                 monotonic_ns: Callable[[], int] | None = None):
        super().__init__(wall_now_ms() if start_ms is None else start_ms)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._mono = monotonic_ns or time.monotonic_ns
        self._wall0: int | None = None if paused else self._mono()

    def now(self) -> int:
        if self._wall0 is None:
            return self.start_ms
        elapsed = (self._mono() - self._wall0) / 1_000_000
        return self.start_ms + int(elapsed * self.speed)

    def start(self) -> None:
        if self._wall0 is None:
            self._wall0 = self._mono()
            self._wake()

    def run_due(self) -> int:
        if self._wall0 is None:
            return 0
        now, ran = self.now(), 0
        while (timer := self._pop_due(now)) is not None:
            timer.fn()
            ran += 1
        return ran

    def wait_hint(self) -> float | None:
        at = self.next_due()
        if at is None or self._wall0 is None:
            return None
        return self.wall_delay(at)

    def wall_delay(self, at_ms: int) -> float:
        """Seconds of wall time until clock time at_ms."""
        return max(0.0, (at_ms - self.now()) / 1000 / self.speed)

    def describe(self) -> dict:
        return {**super().describe(), "speed": self.speed, "running": self._wall0 is not None}


# mode name -> factory(start_ms, speed) of a clock that has not started yet
CLOCKS: dict[str, Callable[[int, float], Clock]] = {
    "virtual": lambda start_ms, speed: VirtualClock(start_ms),
    "realtime": lambda start_ms, speed: RealtimeClock(start_ms, speed, paused=True),
}


def make_clock(mode: str, start_ms: int, speed: float = 1.0) -> Clock:
    """A clock of the given mode at start_ms, not started (see Clock.start)."""
    try:
        factory = CLOCKS[mode]
    except KeyError:
        raise ClockError(f"unknown clock mode {mode!r} (one of: {', '.join(CLOCKS)})") from None
    return factory(start_ms, speed)
