"""Record the public market data of any Lykke-compatible gRPC endpoint, and read it back.

A recording is gzip-compressed JSON lines. The first line is a header
`{"recording": 1, "target", "pairs", "startedMs"}`; each further line is one message as
received, with `rt` (receive time, wall-clock epoch ms) and `st` (the server's timestamp, ms):

    {"kind": "book", "pair", "rt", "st", "bids": [[p, v], ...], "asks": [[p, v], ...]}
    {"kind": "trade", "pair", "rt", "st", "id", "side", "price", "volume"}
    {"kind": "price", "pair", "rt", "st", "bid", "ask"}

Decimals stay the strings the server sent (asks may be negative, as the API prints them). The
first message of each stream carries `"snapshot": true`: a book stream's is the whole book
(one entry per order, or per price), its later messages are level diffs (a volume of 0 removes
the price); a trade stream's first message is history, not live trades. See docs/recording.md.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import signal
import sys
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Callable

from .engine.clock import wall_now_ms

FORMAT = 1
BOOK, TRADE, PRICE = "book", "trade", "price"


def _ms(ts) -> int | float:
    """A protobuf Timestamp as epoch ms (an int when it is whole)."""
    ns = ts.seconds * 1_000_000_000 + ts.nanos
    return ns // 1_000_000 if ns % 1_000_000 == 0 else ns / 1_000_000


# --- recording --------------------------------------------------------------------------------
class Recorder:
    """Subscribes to the book and trade streams of each pair and the price stream, and writes
    every message to `out` until `stop()` or the duration ends.

    `on_message(line_dict)` is called after each write (tests use it to wait for a state).
    `now_ms` stamps the receive times (default: the wall clock, from engine/clock.py)."""

    def __init__(self, channel, pairs: list[str], out: str | Path, target: str = "",
                 on_message=None, now_ms: Callable[[], int] = wall_now_ms):
        from .proto import publicService_pb2_grpc as pbg
        self.stub = pbg.PublicServiceStub(channel)
        self.pairs = list(pairs)
        self.out = Path(out)
        self.target = target
        self.on_message = on_message
        self.now_ms = now_ms
        self.counts = {BOOK: 0, TRADE: 0, PRICE: 0}
        self.ready = asyncio.Event()        # every stream has delivered its first message
        self._first_seen: set = set()
        self._streams = 2 * len(self.pairs) + 1
        self._stop = asyncio.Event()
        self._file = None

    def stop(self) -> None:
        self._stop.set()

    async def run(self, duration: float | None = None) -> dict:
        """Record until stopped or `duration` seconds (wall) have passed; returns the counts.
        A stream that fails ends the recording with that error."""
        from .proto import publicService_pb2 as pb
        self._file = gzip.open(self.out, "wt", encoding="utf-8", newline="\n")
        try:
            self._write({"recording": FORMAT, "target": self.target, "pairs": self.pairs,
                         "startedMs": self.now_ms()})
            calls = [(BOOK, p, self.stub.GetOrderbookUpdates(
                         pb.OrderbookUpdatesRequest(assetPairId=p))) for p in self.pairs]
            calls += [(TRADE, p, self.stub.GetPublicTradeUpdates(
                          pb.PublicTradesUpdatesRequest(assetPairId=p))) for p in self.pairs]
            calls.append((PRICE, "", self.stub.GetPriceUpdates(
                pb.PriceUpdatesRequest(assetPairIds=self.pairs))))
            tasks = [asyncio.ensure_future(self._read(kind, pair, call))
                     for kind, pair, call in calls]
            stopper = asyncio.ensure_future(self._stop.wait())
            try:
                done, _ = await asyncio.wait([*tasks, stopper], timeout=duration,
                                             return_when=asyncio.FIRST_COMPLETED)
            finally:
                for _, _, call in calls:
                    call.cancel()
                stopper.cancel()
                results = await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                if task is not stopper and task.exception() is not None:
                    raise task.exception()
            for r in results:
                if isinstance(r, Exception) and not isinstance(r, asyncio.CancelledError):
                    raise r
        finally:
            self._file.close()
        return dict(self.counts)

    async def _read(self, kind: str, pair: str, call) -> None:
        import grpc
        try:
            async for msg in call:
                rt = self.now_ms()
                first = (kind, pair) not in self._first_seen
                if first:
                    self._first_seen.add((kind, pair))
                for line in _lines(kind, msg, rt):
                    if first:
                        line["snapshot"] = True
                    self._write(line)
                    self.counts[kind] += 1
                    if self.on_message is not None:
                        self.on_message(line)
                if first and len(self._first_seen) == self._streams:
                    self.ready.set()
        except grpc.aio.AioRpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                raise

    def _write(self, obj: dict) -> None:
        self._file.write(json.dumps(obj, separators=(",", ":")) + "\n")


def _lines(kind: str, msg, rt: int) -> list[dict]:
    """The recording lines of one stream message (a trade update holds several trades)."""
    if kind == BOOK:
        return [{"kind": BOOK, "pair": msg.assetPairId, "rt": rt, "st": _ms(msg.timestamp),
                 "bids": [[x.p, x.v] for x in msg.bids],
                 "asks": [[x.p, x.v] for x in msg.asks]}]
    if kind == TRADE:
        return [{"kind": TRADE, "pair": t.assetPairId, "rt": rt, "st": _ms(t.dateTime),
                 "id": t.id, "side": t.side.lower(), "price": t.price, "volume": t.volume}
                for t in msg.trades]
    return [{"kind": PRICE, "pair": msg.assetPairId, "rt": rt, "st": _ms(msg.timestamp),
             "bid": msg.bid, "ask": msg.ask}]


def open_channel(target: str, ca_file: str | None = None, tls: bool = False):
    """An aio channel: plain, or TLS trusting `ca_file` (or the system's roots)."""
    import grpc
    if ca_file is None and not tls:
        return grpc.aio.insecure_channel(target)
    roots = Path(ca_file).read_bytes() if ca_file else None
    return grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(roots))


async def list_pairs(channel) -> list[str]:
    from google.protobuf.empty_pb2 import Empty
    from .proto import publicService_pb2_grpc as pbg
    resp = await pbg.PublicServiceStub(channel).GetAssetPairs(Empty())
    return [p.assetPairId for p in resp.payload]


async def record(target: str, out: str | Path, pairs: list[str] | None = None,
                 duration: float | None = None, ca_file: str | None = None, tls: bool = False,
                 connect_timeout: float = 10.0) -> dict:
    """Record `pairs` (default: every listed pair) from `target` into `out`."""
    async with open_channel(target, ca_file, tls) as channel:
        await asyncio.wait_for(channel.channel_ready(), connect_timeout)
        pairs = pairs or await list_pairs(channel)
        if not pairs:
            raise ValueError(f"{target} lists no asset pairs")
        recorder = Recorder(channel, pairs, out, target)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, recorder.stop)
            except (NotImplementedError, RuntimeError):
                pass
        return await recorder.run(duration)


# --- reading ----------------------------------------------------------------------------------
def read_recording(path: str | Path):
    """(header, iterator of (line number, message)). A recording cut short (the recorder was
    killed) reads up to its last complete line."""
    f = gzip.open(path, "rt", encoding="utf-8")
    try:
        first = f.readline()
        header = json.loads(first) if first.strip() else None
    except (OSError, EOFError, zlib.error, json.JSONDecodeError, UnicodeDecodeError) as e:
        f.close()
        raise ValueError(f"not a recording: {e}") from None
    if not isinstance(header, dict) or header.get("recording") != FORMAT:
        f.close()
        raise ValueError(f"not a mock-lykke recording (format {FORMAT})")

    def messages():
        with f:
            n = 1
            try:
                for text in f:
                    n += 1
                    if text.endswith("\n"):
                        yield n, json.loads(text, parse_float=Decimal)
            except (EOFError, zlib.error):
                return
    return header, messages()


def _dec(text) -> Decimal:
    return Decimal(str(text))


class BookState:
    """One pair's book as the stream shows it: {price: volume} per side (asks positive)."""

    def __init__(self):
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def apply(self, msg: dict) -> None:
        if msg.get("snapshot"):
            self.bids, self.asks = {}, {}
            for book, levels in ((self.bids, msg["bids"]), (self.asks, msg["asks"])):
                for p, v in levels:
                    p = _dec(p)
                    book[p] = book.get(p, Decimal(0)) + abs(_dec(v))
            return
        for book, levels in ((self.bids, msg["bids"]), (self.asks, msg["asks"])):
            for p, v in levels:
                p, v = _dec(p), abs(_dec(v))
                if v:
                    book[p] = v
                else:
                    book.pop(p, None)

    def levels(self) -> tuple[tuple, tuple]:
        """(bids best first, asks best first) as ((price, volume), ...)."""
        return (tuple(sorted(self.bids.items(), reverse=True)),
                tuple(sorted(self.asks.items())))


def recorded_rows(path: str | Path, pair_id: str | None = None):
    """The replay rows of a recording: every book state (after each book message) and every
    live trade of `pair_id` (all pairs if None), on the server's clock, rebased to the first.
    At equal times a snapshot plays first, then trades, then book diffs (a diff at time t
    already shows the trades of time t). Raises ScenarioError on a bad file."""
    from .market.data import Row
    from .scenario.source import Problem, ScenarioError
    path = Path(path)
    try:
        _header, messages = read_recording(path)
        keyed, states, first_live = [], {}, {}
        snapshots = {}
        for n, msg in messages:
            kind, pair = msg.get("kind"), msg.get("pair")
            if kind == PRICE or (pair_id is not None and pair != pair_id):
                continue
            if kind == TRADE:
                if msg.get("snapshot"):
                    continue            # history from before the recording
                side = str(msg["side"]).lower()
                if side not in ("buy", "sell"):
                    raise ValueError(f"line {n}: trade side {msg['side']!r}")
                row = Row(n, 0, side, _dec(msg["price"]), _dec(msg["volume"]))
                keyed.append([msg["st"], 1, n, row])
                first_live.setdefault(pair, (msg["st"], msg["rt"]))
            elif kind == BOOK:
                state = states.setdefault(pair, BookState())
                state.apply(msg)
                bids, asks = state.levels()
                entry = [msg["st"], 0 if msg.get("snapshot") else 2, n,
                         Row(n, 0, bids=bids, asks=asks)]
                keyed.append(entry)
                if msg.get("snapshot"):
                    snapshots[pair] = (entry, msg["rt"])
                else:
                    first_live.setdefault(pair, (msg["st"], msg["rt"]))
            else:
                raise ValueError(f"line {n}: unknown message kind {kind!r}")
    except (ValueError, KeyError, TypeError, ArithmeticError, OSError) as e:
        raise ScenarioError([Problem(str(path), 0, (), f"bad recording: {e}")]) from None
    # a snapshot's own time is the book's last change, maybe long before the recording:
    # play it at about the server time it was received instead
    for pair, (entry, rt) in snapshots.items():
        live = first_live.get(pair)
        if live is not None:
            entry[0] = min(max(entry[0], live[0] - (live[1] - rt)), live[0])
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    if not keyed:
        where = f" for {pair_id}" if pair_id else ""
        raise ScenarioError([Problem(str(path), 0, (), f"the recording has no data{where}")])
    t0 = keyed[0][0]
    out = []
    for t, _rank, _n, row in keyed:
        out.append(Row(row.line, int(t - t0), row.side, row.price, row.volume, row.bids,
                       row.asks))
    return out


# --- command line -----------------------------------------------------------------------------
def add_record_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "record", help="record an endpoint's public market data (books, trades, prices)",
        description="Subscribe to the public gRPC streams of a Lykke-compatible endpoint and "
                    "write every message, with server and receive timestamps, as JSONL.gz.")
    p.add_argument("--target", required=True, metavar="HOST:PORT", help="the gRPC endpoint")
    p.add_argument("--pairs", metavar="LIST", default="",
                   help="comma-separated asset pair ids (default: every listed pair)")
    p.add_argument("--duration", metavar="SECONDS", type=float,
                   help="stop after this many wall seconds (default: until Ctrl-C)")
    p.add_argument("--out", metavar="FILE", required=True, help="the recording (.jsonl.gz)")
    p.add_argument("--ca", metavar="FILE", help="TLS: trust this CA certificate (PEM)")
    p.add_argument("--tls", action="store_true", help="TLS with the system's trusted roots")
    p.set_defaults(run=cmd_record)
    return p


def cmd_record(args) -> int:
    pairs = [p.strip() for p in args.pairs.split(",") if p.strip()]
    try:
        counts = asyncio.run(record(args.target, args.out, pairs or None, args.duration,
                                    args.ca, args.tls))
    except (asyncio.TimeoutError, TimeoutError):
        print(f"mock-lykke record: cannot connect to {args.target}", file=sys.stderr)
        return 1
    except Exception as e:                  # grpc errors, files, bad pairs
        print(f"mock-lykke record: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"recorded {counts[BOOK]} book, {counts[TRADE]} trade and {counts[PRICE]} price "
          f"messages to {args.out}")
    return 0

