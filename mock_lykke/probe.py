"""Is anyone still busy? A probe of CPU activity for the lockstep clock (Linux /proc).

The lockstep clock moves on only after a quiet window with no activity. The fronts report
requests and stream messages (enter/leave); when the window has passed, the clock also asks
this probe about what the fronts cannot see. It looks at groups of threads, each judged by one
rule: busy when a thread is running or waiting for a CPU, or when the group used more than its
threshold of CPU time since the last look.

- the server's other threads (gRPC's I/O threads), threshold 0: a message the server has
  "written" may still be on its way to the socket;
- the bot's processes (its pid and descendants), threshold 0.2 ms: the bot is still reacting to
  what it was sent, even when that takes longer than the window; the runtime's own background
  wake-ups stay below the threshold;
- in-process (the pytest fixture: the test is the bot, in the mock's own process): the test's
  Python threads are judged like a bot; gRPC's threads (its C threads and its asyncio poller,
  shared by the test's clients and the server) like the server's. The mock's loop (the
  caller) is not looked at.

It returns a counter that grows with each activity seen (the clock compares tokens). Where
/proc is missing there is no probe, and the quiet window alone decides.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Callable

PROC = "/proc"
TREE_EVERY_NS = 500_000_000          # how often the task lists are looked up again
THRESHOLD_NS = 200_000               # bot CPU time since the last look that counts as activity
IDLE_SHARE = 0.02                    # ... over this share of a CPU since then (background work)


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


def other_threads() -> list[str]:
    """This process's threads but the caller's."""
    me = "/" + str(threading.get_native_id())
    return [t for t in _tasks("self") if not t.endswith(me)]


def _grpc_poller(thread: threading.Thread) -> bool:
    """gRPC asyncio's completion-queue poller (a Python thread doing the server's I/O)."""
    target = getattr(thread, "_target", None)
    return type(getattr(target, "__self__", None)).__name__ == "PollerCompletionQueue"


def python_threads() -> set[str]:
    """The task paths of this process's Python threads but the caller's and gRPC's poller:
    in-process, the test's own threads."""
    me = threading.get_native_id()
    return {f"{PROC}/self/task/{t.native_id}" for t in threading.enumerate()
            if t.native_id is not None and t.native_id != me and not _grpc_poller(t)}


def grpc_threads() -> list[str]:
    """In-process, the threads that are not the test's (gRPC's) but the caller's."""
    test = python_threads()
    return [t for t in other_threads() if t not in test]


class Threads:
    """A group of threads (listed again by the probe) and its rule."""

    def __init__(self, lister: Callable[[], list[str]], threshold_ns: int,
                 idle_share: float = 0.0):
        self.lister, self.threshold_ns, self.idle_share = lister, threshold_ns, idle_share
        self.tasks: list[str] = []
        self.cpu = -1                 # CPU ns at the last look that counted (-1: none yet)
        self.since = 0                # wall ns of that look

    def busy(self, now_ns: int) -> bool:
        running, cpu = False, 0
        for task in self.tasks:
            state = _state(task)
            if state is not None and state[0] == b"R":
                running = True
            cpu += _runtime(task)
        used = cpu - self.cpu
        allowed = self.threshold_ns + (now_ns - self.since) * self.idle_share
        if used > allowed or used < 0:               # < 0: a thread has gone
            first, self.cpu, self.since = self.cpu < 0, cpu, now_ns
            return running or not first
        return running


class ActivityProbe:
    """Call it from the clock's thread (the event loop): that thread is not looked at.
    `in_process`: the clients live in this process (see the module's text)."""

    def __init__(self, bot_pid: int | None = None, threshold_ns: int = THRESHOLD_NS, *,
                 in_process: bool = False):
        self.bot_pid = bot_pid
        self.epoch = 0
        self._listed = self._count = 0
        if in_process:
            self.groups = [
                Threads(grpc_threads, 0),
                Threads(lambda: sorted(python_threads()), threshold_ns, IDLE_SHARE)]
        else:
            self.groups = [Threads(other_threads, 0)]
        if bot_pid is not None:
            self.groups.append(Threads(
                lambda: [t for p in descendants(bot_pid) for t in _tasks(p)], threshold_ns,
                IDLE_SHARE))

    def __call__(self) -> int:
        now = time.monotonic_ns()
        if now - self._listed > TREE_EVERY_NS or threading.active_count() != self._count:
            self._count = threading.active_count()
            for group in self.groups:
                group.tasks = group.lister()
            self._listed = now
        busy = False
        for group in self.groups:
            busy = group.busy(now) or busy
        if busy:
            self.epoch += 1
        return self.epoch


def make_probe(bot_pid: int | None = None, *, in_process: bool = False) -> ActivityProbe | None:
    """A probe of this process (and of the bot's processes), or None where /proc cannot tell."""
    if not os.path.isfile(f"{PROC}/self/schedstat"):
        return None
    if bot_pid is not None and not os.path.isdir(f"{PROC}/{bot_pid}/task"):
        bot_pid = None
    return ActivityProbe(bot_pid, in_process=in_process)
