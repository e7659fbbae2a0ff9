"""The async loop that runs a clock's timers while the server serves (all modes alike: the
clock says what is due and how long to sleep; see engine/clock.py)."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from ..engine.clock import Clock

log = logging.getLogger("mock_lykke.clock")


class ClockDriver:
    def __init__(self, get_clock: Callable[[], Clock]):
        self._get_clock = get_clock       # read each turn: reset replaces the clock
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="clock")

    def kick(self) -> None:
        """Re-read the clock now (after a reset or any change of plan)."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            if self._wake is not None:
                self._wake.set()
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        # The loop also ends when stop() has let go of this task: on Python 3.11 `wait_for`
        # can swallow a cancellation that arrives as its wait ends, and the task ran on.
        me = asyncio.current_task()
        wake = self._wake
        while self._task is me:
            clock = self._get_clock()
            clock.wakeup = wake.set
            wake.clear()
            try:
                clock.run_due()
            except Exception:       # a failing timer must not stop the others
                log.exception("a clock timer failed")
            delay = clock.wait_hint()
            if delay is None:
                await wake.wait()
            elif delay > 0:
                try:
                    await asyncio.wait_for(wake.wait(), delay)
                except TimeoutError:
                    pass
            else:
                await asyncio.sleep(0)
