"""The only source of time: epoch milliseconds, virtual or real, plus timers on that time.

`VirtualClock` moves only when told (`advance`), running every timer due on the way in
time order. `RealtimeClock` follows the wall clock, optionally scaled; its timers are run by
whoever drives it (the server's loop calls `run_due()`).
"""
from __future__ import annotations

import heapq
import itertools
import time
from datetime import datetime, timezone
from typing import Callable


def parse_time(value) -> int:
    """Epoch ms from an int (ms), a datetime or an ISO-8601 string."""
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


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

    def now(self) -> int:
        raise NotImplementedError

    def call_at(self, at_ms: int, fn: Callable[[], None]) -> Timer:
        timer = Timer(at_ms, next(self._seq), fn)
        heapq.heappush(self._timers, timer)
        return timer

    def call_later(self, delay_ms: int, fn: Callable[[], None]) -> Timer:
        return self.call_at(self.now() + delay_ms, fn)

    def next_due(self) -> int | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].at if self._timers else None

    def _pop_due(self, until: int) -> Timer | None:
        at = self.next_due()
        if at is None or at > until:
            return None
        return heapq.heappop(self._timers)


class VirtualClock(Clock):
    mode = "virtual"

    def __init__(self, start_ms: int = DEFAULT_START):
        super().__init__(start_ms)
        self._now = start_ms

    def now(self) -> int:
        return self._now

    def advance(self, ms: int) -> int:
        """Move time forward by ms, running every timer due on the way; returns timers run."""
        if ms < 0:
            raise ValueError("the clock cannot go back")
        return self.advance_to(self._now + ms)

    def advance_to(self, target_ms: int) -> int:
        ran = 0
        while (timer := self._pop_due(target_ms)) is not None:
            self._now = max(self._now, timer.at)
            timer.fn()
            ran += 1
        self._now = max(self._now, target_ms)
        return ran


class RealtimeClock(Clock):
    """Wall-clock time from start_ms, scaled by speed (2.0 = twice as fast)."""
    mode = "realtime"

    def __init__(self, start_ms: int | None = None, speed: float = 1.0):
        wall = time.time_ns() // 1_000_000
        super().__init__(wall if start_ms is None else start_ms)
        self.speed = speed
        self._wall0 = time.monotonic_ns()

    def now(self) -> int:
        elapsed = (time.monotonic_ns() - self._wall0) / 1_000_000
        return self.start_ms + int(elapsed * self.speed)

    def run_due(self) -> int:
        now, ran = self.now(), 0
        while (timer := self._pop_due(now)) is not None:
            timer.fn()
            ran += 1
        return ran

    def wall_delay(self, at_ms: int) -> float:
        """Seconds of wall time until clock time at_ms."""
        return max(0.0, (at_ms - self.now()) / 1000 / self.speed)
