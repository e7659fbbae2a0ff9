"""One running mock on one event loop: the Mock with its Controller, the MockServer, the
engine events seen so far, and the waits pending on them.

Everything here runs on the loop's thread; `call` brings a call from any other thread there
and returns its result. A wait is a condition re-checked after every batch of engine events
(and after every control call and reset); it ends a concurrent Future, so a blocking thread
and any event loop can both wait on it.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import deque
from typing import Callable

from ..scenario.controller import build_mock
from ..server import MockServer
from .options import Options, tls_material

EVENTS_KEPT = 10_000
CALL_TIMEOUT = 30.0           # a call marshalled to the loop thread; only a stuck loop hits it


class MockStopped(RuntimeError):
    """The mock stopped while something still waited on it."""


def _settle(future: concurrent.futures.Future, value=None, error: BaseException | None = None):
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)
    except concurrent.futures.InvalidStateError:      # cancelled meanwhile (a timeout)
        pass


class World:
    def __init__(self, options: Options):
        self.options = options
        self.scenario = options.scenario_model()            # cached: no file read per test
        self.tls = tls_material() if options.tls else None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread_id: int | None = None
        self.mock = self.controller = self.server = None
        self.api_keys: dict[str, str] = {}
        self.events: deque = deque(maxlen=EVENTS_KEPT)
        self.event_count = 0                                # events ever seen (index of next)
        self._waits: list = []
        self._recheck_due = False
        self._unsubscribe: Callable | None = None

    # --- start / stop (on the loop) ---------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.thread_id = threading.get_ident()
        o = self.options
        self.mock = build_mock(self.scenario, seed=o.seed, clock_mode=o.clock, speed=o.speed,
                               probe="in-process")   # lockstep: the test is the bot
        self.controller = self.mock.controller
        self.server = MockServer(self.mock, tls=self.tls, quick_start=True)
        self.api_keys = {a.name: a.api_key for a in self.mock.exchange.accounts.values()
                         if a.api_key}
        self._follow()
        self.mock.on_reset.append(self._on_reset)
        await self.server.start()

    async def stop(self) -> None:
        waits, self._waits = self._waits, []
        for _, future in waits:
            _settle(future, error=MockStopped("the mock stopped before the wait ended"))
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.server.stop()

    # --- calls from any thread ----------------------------------------------------------
    def on_loop_thread(self) -> bool:
        return threading.get_ident() == self.thread_id

    def call(self, fn: Callable, *args, **kwargs):
        """fn(*args, **kwargs) on the loop thread; then pending waits are re-checked."""
        if self.loop is None:
            raise RuntimeError("the mock is not running: use `with Lykke() as lykke:` "
                               "or `async with AsyncLykke() as lykke:`")
        if self.on_loop_thread():
            try:
                return fn(*args, **kwargs)
            finally:
                self.recheck_soon()
        future = concurrent.futures.Future()

        def run():
            try:
                _settle(future, fn(*args, **kwargs))
            except BaseException as e:
                _settle(future, error=e)
            finally:
                self.recheck_soon()
        self.loop.call_soon_threadsafe(run)
        return future.result(CALL_TIMEOUT)

    # --- events -------------------------------------------------------------------------
    def _follow(self) -> None:
        self._unsubscribe = self.mock.exchange.subscribe(self._on_events)

    def _on_events(self, events: list) -> None:
        self.events.extend(events)
        self.event_count += len(events)
        self.recheck_soon()

    def _on_reset(self) -> None:
        self._follow()              # the old exchange is gone with its listeners
        self.recheck_soon()

    def events_since(self, index: int) -> list:
        first = self.event_count - len(self.events)
        return list(self.events)[max(0, index - first):]

    def event_after(self, index: int, match: Callable) -> Callable:
        """A condition: the first event at or after `index` for which match(event) is true."""
        pos = index

        def check():
            nonlocal pos
            first = self.event_count - len(self.events)
            for i in range(max(pos, first), self.event_count):
                event = self.events[i - first]
                pos = i + 1
                if match(event):
                    return event
            return None
        return check

    # --- waits --------------------------------------------------------------------------
    def watch(self, condition: Callable) -> concurrent.futures.Future:
        """A Future that ends with condition()'s first truthy value (or its exception)."""
        future = concurrent.futures.Future()
        wait = (condition, future)
        if not self._try(wait):
            self._waits.append(wait)
        return future

    @staticmethod
    def _try(wait) -> bool:
        condition, future = wait
        if future.done():
            return True
        try:
            value = condition()
        except BaseException as e:
            _settle(future, error=e)
            return True
        if not value:
            return False
        _settle(future, value)
        return True

    def recheck_soon(self) -> None:
        """Re-check the waits once the current command is over (not inside the engine)."""
        if self._waits and not self._recheck_due:
            self._recheck_due = True
            self.loop.call_soon(self._recheck)

    def _recheck(self) -> None:
        self._recheck_due = False
        waits, self._waits = self._waits, []
        self._waits = [w for w in waits if not self._try(w)] + self._waits
