"""bench/noise.py: the bench servers drop grpc.aio's known CancelledError traceback from
their stderr, and only that."""
from __future__ import annotations

import io
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.noise import QuietStderr  # noqa: E402

NOISE = ('Traceback (most recent call last):\n'
         '  File "src/python/grpcio/grpc/_cython/_cygrpc/aio/server.pyx.pxi", line 812, '
         'in grpc._cython.cygrpc._schedule_rpc_coro\n'
         'asyncio.exceptions.CancelledError\n')


def written(*chunks: str) -> str:
    out = io.StringIO()
    quiet = QuietStderr(out)
    for chunk in chunks:
        quiet.write(chunk)
    return out.getvalue()


def test_the_known_traceback_is_dropped_as_print_exc_writes_it():
    lines = NOISE.splitlines(keepends=True)
    assert written("figure 1\n", *lines, *lines, "figure 2\n") == "figure 1\nfigure 2\n"


def test_every_other_traceback_passes_whole():
    try:
        raise ValueError("a real problem")
    except ValueError:
        text = traceback.format_exc()
    assert written(*text.splitlines(keepends=True)) == text
    other_frame = NOISE.replace("_schedule_rpc_coro", "_handle_rpc")
    assert written(other_frame) == other_frame
    other_error = NOISE.replace("CancelledError", "CancelledError: why")
    assert written(other_error) == other_error
    log = "E1204 17:23:07 add_port.cc:83] Failed to add port\n"
    assert written(log, NOISE, "Traceback (most recent call last)?\n") == \
        log + "Traceback (most recent call last)?\n"
