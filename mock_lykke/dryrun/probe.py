"""Is anyone still busy? A probe of CPU activity for the lockstep clock (Linux /proc).

The lockstep clock moves on only after a quiet window with no activity. The fronts report
requests and stream messages (enter/leave); when the window has passed, the clock also asks
this probe about what the fronts cannot see:

- the bot's processes (its pid and descendants): a thread running or waiting for a CPU, or
  more than `threshold` of CPU time used since the last look (the bot is still reacting to
  what it was sent, even when that takes longer than the window); the runtime's own
  background wake-ups stay below the threshold;
- this process's other threads (gRPC's I/O threads): a message the server has "written" may
  still be on its way to the socket.

It returns a counter that grows with each activity seen (the clock compares tokens). Where
/proc is missing there is no probe, and the quiet window alone decides.
"""
from __future__ import annotations

import os
import threading
import time

PROC = "/proc"
TREE_EVERY_NS = 500_000_000          # how often the task lists are looked up again
THRESHOLD_NS = 200_000               # bot CPU time since the last look that counts as activity


def _read(path: str) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return b""
    try:
        return os.read(fd, 1024)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _state(task: str) -> tuple[bytes, int] | None:
    """(state, parent pid) of a process or thread, None if it is gone."""
    text = _read(task + "/stat")
    if not text:
        return None
    fields = text[text.rfind(b")") + 2:].split()
    return fields[0], int(fields[1])


def _runtime(task: str) -> int:
    text = _read(task + "/schedstat")
    return int(text.split()[0]) if text else 0


def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    children: dict[int, list[int]] = {}
    for name in os.listdir(PROC):
        if name.isdigit():
            state = _state(f"{PROC}/{name}")
            if state is not None:
                children.setdefault(state[1], []).append(int(name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _tasks(pid: int | str) -> list[str]:
    try:
        return [f"{PROC}/{pid}/task/{t}" for t in os.listdir(f"{PROC}/{pid}/task")]
    except OSError:
        return []


class ActivityProbe:
    """Call it from the clock's thread (the event loop): that thread is not looked at."""

    def __init__(self, bot_pid: int | None = None, threshold_ns: int = THRESHOLD_NS):
        self.bot_pid = bot_pid
        self.threshold_ns = threshold_ns
        self.epoch = 0
        self._own_cpu = -1
        self._bot_cpu = -1
        self._own: list[str] = []
        self._bot: list[str] = []
        self._listed = 0

    def _list(self) -> None:
        me = str(threading.get_native_id())
        self._own = [t for t in _tasks("self") if not t.endswith("/" + me)]
        self._bot = ([t for p in descendants(self.bot_pid) for t in _tasks(p)]
                     if self.bot_pid is not None else [])
        self._listed = time.monotonic_ns()

    def __call__(self) -> int:
        if time.monotonic_ns() - self._listed > TREE_EVERY_NS:
            self._list()
        busy = False
        own = 0
        for task in self._own:
            state = _state(task)
            if state is not None and state[0] == b"R":
                busy = True
            own += _runtime(task)
        if own != self._own_cpu:
            busy = self._own_cpu >= 0 or busy
            self._own_cpu = own
        bot = 0
        for task in self._bot:
            state = _state(task)
            if state is not None and state[0] == b"R":
                busy = True
            bot += _runtime(task)
        if bot - self._bot_cpu > self.threshold_ns or bot < self._bot_cpu:
            busy = busy or self._bot_cpu >= 0
            self._bot_cpu = bot
        if busy:
            self.epoch += 1
        return self.epoch


def make_probe(bot_pid: int | None = None) -> ActivityProbe | None:
    """A probe of this process (and of the bot's processes), or None where /proc cannot tell."""
    if not os.path.isfile(f"{PROC}/self/schedstat"):
        return None
    if bot_pid is not None and not os.path.isdir(f"{PROC}/{bot_pid}/task"):
        bot_pid = None
    return ActivityProbe(bot_pid)
