"""The cyclic garbage collector paused around work that makes many containers it need not walk."""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def no_gc():
    """Pause the cyclic collector for the block (e.g. a C JSON decode of millions of values,
    or a report keeping hundreds of thousands of rows: its passes would walk them all again
    and again). It is switched back on only if it was on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
