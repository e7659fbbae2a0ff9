"""One known line of noise, kept off the bench servers' stderr.

grpc.aio prints (traceback.print_exc, with nothing else said) a bare
`CancelledError` traceback from its own `_schedule_rpc_coro` when the task running a
servicer call ended cancelled: a call the client (or the server's stop) cancelled while
the process was too busy to unwind it first. Under the fan-out goal's load this happens to a
few dozen of the 100 streams in some runs, and says nothing about the figures. Everything
else written to stderr passes unchanged.
"""
from __future__ import annotations

import re
from typing import TextIO

HEADER = "Traceback (most recent call last):\n"
NOISE = re.compile(r'Traceback \(most recent call last\):\n'
                   r'  File "[^"\n]*_cygrpc/aio/server\.pyx\.pxi", line \d+, '
                   r'in grpc\._cython\.cygrpc\._schedule_rpc_coro\n'
                   r'(asyncio\.(exceptions\.)?)?CancelledError\n')


class QuietStderr:
    """A text stream over `out` that drops the NOISE traceback and passes the rest."""

    def __init__(self, out: TextIO):
        self._out = out
        self._held = ""                 # an unfinished traceback, held until it is whole

    def write(self, text: str) -> int:
        if not self._held and not text.startswith(HEADER):
            return self._out.write(text)
        self._held += text
        lines = self._held[len(HEADER):].splitlines(keepends=True)
        if self._held.endswith("\n") and any(not line.startswith(" ") for line in lines):
            # the exception's line: the traceback is whole
            held, self._held = self._held, ""
            if not NOISE.fullmatch(held):
                self._out.write(held)
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def __getattr__(self, name):
        return getattr(self._out, name)
