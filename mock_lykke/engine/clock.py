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
follows the wall clock from its start time, scaled by `speed`. `LockstepClock` is virtual time
that the driver moves, as fast as possible, whenever the system is quiet (docs/dryrun.md).
A new mode is one more class registered in CLOCKS.
"""
from __future__ import annotations

import heapq
import itertools
import time
from datetime import datetime, timezone
from typing import Callable


MAX_TIME_MS = 253_402_300_799_999      # 9999-12-31T23:59:59.999Z, .NET's DateTime.MaxValue


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


_DAYS: dict[int, str] = {}                 # day number -> its date text (format_time)


def format_time(ms: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-01-01T00:00:00.000Z."""
    day, rest = divmod(ms, 86_400_000)
    date = _DAYS.get(day)
    if date is None:
        date = datetime.fromtimestamp(day * 86_400, tz=timezone.utc).strftime("%Y-%m-%d")
        if len(_DAYS) < 10_000:
            _DAYS[day] = date
    seconds, milli = divmod(rest, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{date}T{hours:02d}:{minutes:02d}:{seconds:02d}.{milli:03d}Z"


def wall_now_ms() -> int:
    """The wall clock's time in epoch ms: for starting a realtime clock 'now', and for what is
    stamped with real time (a recording's receive times). Nothing else reads the wall clock."""
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
    virtual_time = True          # latency legs wait on this clock's timers (else wall time)
    tracks_activity = False      # the fronts' enter()/leave() matter (lockstep)

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

    # --- pause / resume / speed (what a mode allows; others raise ClockError) ------------
    paused = False

    def pause(self) -> None:
        raise ClockError(f"the {self.mode} clock moves only on advance: nothing to pause")

    def resume(self) -> None:
        raise ClockError(f"the {self.mode} clock moves only on advance: nothing to resume")

    def set_speed(self, speed: float) -> None:
        raise ClockError(f"the {self.mode} clock has no speed (realtime only)")

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
        if target_ms > MAX_TIME_MS:
            raise ClockError("the clock cannot pass 9999-12-31T23:59:59.999Z (the end of "
                             ".NET's DateTime)")
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
    exactly its start time, and time flows from the moment the server is ready). `pause()`
    stops it where it is (start() does not move a paused clock), `resume()` lets it flow on
    from there; `set_speed()` changes the pace from now on (time never jumps)."""
    mode = "realtime"
    virtual_time = False

    def __init__(self, start_ms: int | None = None, speed: float = 1.0, *, paused: bool = False,
                 monotonic_ns: Callable[[], int] | None = None):
        super().__init__(wall_now_ms() if start_ms is None else start_ms)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._mono = monotonic_ns or time.monotonic_ns
        self._base = self.start_ms              # clock time at _wall0
        self._wall0: int | None = None if paused else self._mono()
        self.paused = False                     # by pause(), not by being created paused

    def now(self) -> int:
        if self._wall0 is None:
            return self._base
        elapsed = (self._mono() - self._wall0) / 1_000_000
        return self._base + int(elapsed * self.speed)

    def start(self) -> None:
        if self._wall0 is None and not self.paused:
            self._wall0 = self._mono()
            self._wake()

    def pause(self) -> None:
        if not self.paused:
            self._base, self._wall0, self.paused = self.now(), None, True
            self._wake()

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            self._wall0 = self._mono()
            self._wake()

    def set_speed(self, speed: float) -> None:
        if not speed > 0:
            raise ClockError("speed must be positive")
        if self._wall0 is not None:
            self._base, self._wall0 = self.now(), self._mono()
        self.speed = float(speed)
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
        return {**super().describe(), "speed": self.speed, "running": self._wall0 is not None,
                "paused": self.paused}


class LockstepClock(VirtualClock):
    """Virtual time that runs as fast as possible, but only while the system is quiet.

    The driver moves it to the next timer's time (all timers of that time run) when nothing is
    in flight (every enter() has had its leave(): no request being served, no stream message
    queued and not yet written) and there was no activity for `quiet_ms` of wall time (so a bot
    has time to react to what it was just sent). It is held at its start until the first
    enter() (the bot's first request), then waits `warmup_ms` of quiet before its first step.
    It never steps past `limit` (clock ms; None: no end), and calls `on_limit` once there.

    `probe` (optional: mock_lykke.probe) returns a token of activity the fronts cannot
    see (the bot's CPU use, the server's I/O threads); it is looked at when the window has
    passed, and a new token (or None) starts the window again. `on_step(from_ms, to_ms)` is
    called before each step's timers run."""
    mode = "lockstep"
    tracks_activity = True

    def __init__(self, start_ms: int = DEFAULT_START, quiet_ms: float = 5, warmup_ms: float = 200,
                 monotonic_ns: Callable[[], int] | None = None):
        super().__init__(start_ms)
        if quiet_ms < 0 or warmup_ms < 0:
            raise ValueError("quiet and warmup must not be negative")
        self.quiet_ms, self.warmup_ms = quiet_ms, warmup_ms
        self._mono = monotonic_ns or time.monotonic_ns
        self.busy = 0
        self.released = False
        self.steps = 0
        self.limit: int | None = None
        self.on_limit: Callable[[], None] | None = None
        self.on_step: Callable[[int, int], None] | None = None
        self.probe: Callable[[], object] | None = None
        self._last = self._mono()           # ns of the last activity
        self._token: object = None
        self._limit_told = False

    # --- activity -------------------------------------------------------------------
    def enter(self) -> None:
        self.busy += 1
        self._last = self._mono()
        self.released = True

    def leave(self) -> None:
        if self.busy:
            self.busy -= 1
        self._last = self._mono()
        if not self.busy:
            self._wake()

    def release(self) -> None:
        """Stop holding at the start without waiting for a first request."""
        if not self.released:
            self.released = True
            self._last = self._mono()
            self._wake()

    def quiet_left(self) -> float:
        """Wall ms of quiet still needed before the next step (0: quiet now)."""
        window = self.quiet_ms if self.steps else self.warmup_ms
        left = window - (self._mono() - self._last) / 1_000_000
        if left <= 0 and self.probe is not None:
            token = self.probe()
            if token is None or token != self._token:
                self._token = token
                self._last = self._mono()
                return window
        return max(0.0, left)

    # --- the driver interface ---------------------------------------------------------
    def _target(self) -> int | None:
        """The time of the next step, or None (no timer, or the limit is reached)."""
        at = self.next_due()
        if self.limit is not None and (at is None or at > self.limit):
            at = self.limit if self._now < self.limit else None
        return at

    def at_limit(self) -> bool:
        return self.limit is not None and self._target() is None and self._now >= self.limit

    def pause(self) -> None:
        """Hold the clock where it is (no step) until resume()."""
        self.paused = True

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            self._last = self._mono()
            self._wake()

    def _waiting(self) -> bool:
        """Whether there is something to do once quiet: a step, or telling the limit."""
        if self.busy or not self.released or self.paused:
            return False
        return self._target() is not None or (self.at_limit() and not self._limit_told)

    def run_due(self) -> int:
        if not self._waiting() or self.quiet_left() > 0:
            return 0
        target = self._target()
        if target is None:                  # at the limit, and quiet: the run is over
            self._limit_told = True
            if self.on_limit is not None:
                self.on_limit()
            return 0
        if self.on_step is not None:
            self.on_step(self._now, target)
        self.steps += 1
        return self.advance_to(target)

    def wait_hint(self) -> float | None:
        if not self._waiting():
            return None
        return self.quiet_left() / 1000

    def describe(self) -> dict:
        return {**super().describe(), "quiet": self.quiet_ms, "warmup": self.warmup_ms,
                "busy": self.busy, "released": self.released, "steps": self.steps,
                "limit": self.limit, "paused": self.paused}


# mode name -> factory(start_ms, speed, **options) of a clock that has not started yet;
# options: quiet / warmup (ms, lockstep)
CLOCKS: dict[str, Callable[..., Clock]] = {
    "virtual": lambda start_ms, speed, **_: VirtualClock(start_ms),
    "realtime": lambda start_ms, speed, **_: RealtimeClock(start_ms, speed, paused=True),
    "lockstep": lambda start_ms, speed, quiet=5, warmup=200, **_: LockstepClock(
        start_ms, quiet, warmup),
}


def make_clock(mode: str, start_ms: int, speed: float = 1.0, **options) -> Clock:
    """A clock of the given mode at start_ms, not started (see Clock.start)."""
    try:
        factory = CLOCKS[mode]
    except KeyError:
        raise ClockError(f"unknown clock mode {mode!r} (one of: {', '.join(CLOCKS)})") from None
    return factory(start_ms, speed, **options)
