"""Large REST bodies the fast path refuses (issue 14): the longest time the mock's event
loop is held while one is answered, i.e. how long every other client of the server waits.

The server (MockServer, in this process's loop) has a ticker that wakes every millisecond
and keeps its longest lateness; a client thread posts one body to POST /api/orders/limit
and the figure is that lateness over the request (the body's own arrival does not hold the
loop: it is read in chunks). Median of --runs. Kinds, each about --sizes MB (30 is the
mock's body limit, so "30" is just under 30 000 000 bytes):

- unknown-numbers: a valid order with an unknown member holding an array of numbers
- unknown-objects: the same with an array of small objects
- bad-end: the numbers array with a syntax error at its end
- pretty-bad-end: the objects array pretty-printed (a line each), a syntax error at its end

    python -m bench.bodies [--sizes 1,10,30] [--runs 3]
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import statistics
import threading
import time

from .world import key, world

HEAD = '{"assetPairId":"BTCUSD","side":"buy","volume":0.001,"price":5000,"junk":'
LIMIT = 30_000_000


def body(kind: str, size: int) -> str:
    size = min(size, LIMIT - 100)
    if kind in ("unknown-numbers", "bad-end"):
        n = (size - len(HEAD)) // 2 - 2
        tail = "]}" if kind == "unknown-numbers" else ",x]}"
        return HEAD + "[" + "1," * n + "1" + tail
    if kind == "unknown-objects":
        n = (size - len(HEAD)) // 10 - 1
        return HEAD + "[" + ",".join(['{"a":"b"}'] * n) + "]}"
    n = (size - len(HEAD)) // 22 - 1          # pretty-bad-end: `  {\n    "a": "b"\n  },\n`
    text = json.dumps([{"a": "b"}] * n, indent=2)
    return HEAD + text[:-2] + ",\n  x\n]}"


def _post(port: int, text: str, answers: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/orders/limit", body=text.encode(), headers={
        "Authorization": f"Bearer {key(0)}", "Content-Type": "application/json"})
    r = conn.getresponse()
    answers.append((r.status, r.read()))
    conn.close()


async def _held_ms(port: int, text: str) -> tuple[float, int]:
    """The loop's longest lateness (ms) while `text` is posted, and the answer's status."""
    loop = asyncio.get_running_loop()
    longest, answers = [0.0], []
    done = asyncio.Event()

    async def ticker():
        while not done.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.001)
            longest[0] = max(longest[0], time.perf_counter() - t - 0.001)
    tick = asyncio.ensure_future(ticker())
    client = threading.Thread(target=lambda: (_post(port, text, answers),
                                              loop.call_soon_threadsafe(done.set)))
    client.start()
    await done.wait()
    await tick
    client.join()
    return longest[0] * 1000, answers[0][0]


async def measure(sizes=(1, 10, 30), runs: int = 3) -> dict:
    from mock_lykke.server import MockServer
    from mock_lykke.state import Mock
    server = MockServer(Mock(world(2)))
    await server.start()
    out: dict = {}
    try:
        for mb in sizes:
            for kind in ("unknown-numbers", "unknown-objects", "bad-end", "pretty-bad-end"):
                text = body(kind, mb * 1_000_000)
                held = []
                for _ in range(runs):
                    ms, status = await _held_ms(server.rest_port, text)
                    assert status == 400, status
                    held.append(ms)
                out[f"bodies_{kind.replace('-', '_')}_{mb}mb_loop_held_ms"] = round(
                    statistics.median(held))
    finally:
        await server.stop()
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bodies",
                                description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1,10,30")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args(argv)
    sizes = tuple(int(s) for s in a.sizes.split(","))
    print(json.dumps(asyncio.run(measure(sizes, a.runs)), indent=2))


if __name__ == "__main__":
    main()
