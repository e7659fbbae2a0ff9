"""One background event loop per process, on its own thread: where the mocks of synchronous
code run (started on first use, reused by every later mock, stopped at exit)."""
from __future__ import annotations

import asyncio
import atexit
import threading


class LoopThread:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,),
                                       name="mock-lykke-loop", daemon=True)
        self.thread.start()
        started.wait()

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(started.set)
        self.loop.run_forever()

    def run(self, coro, timeout: float | None = None):
        """Run coro on the loop; block until it is done and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        if not self.thread.is_alive():
            return
        self.run(_cancel_tasks())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _cancel_tasks() -> None:
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not me]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


_shared: LoopThread | None = None
_lock = threading.Lock()


def shared_loop() -> LoopThread:
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = LoopThread()
    return _shared


def close_shared_loop() -> None:
    """Stop the background loop (the pytest plugin does it when the session ends)."""
    global _shared
    with _lock:
        loop, _shared = _shared, None
    if loop is not None:
        loop.close()


atexit.register(close_shared_loop)
