"""Record and replay of every accepted command, with its clock time.

A journal is JSON lines. The first line is a header: the scenario (its set-up: assets, pairs,
accounts, quirks), the seed and the clock's start. Each further line is one entry
`{"n": 1, "t": <clock ms>, "cmd": "place_limit", "args": {...}}`, decimals as strings:
- engine commands as `exchange.recorders` report them (client requests, resting orders,
  market participants and timeline steps alike), the account given by name;
- `set_account` / `set_quirks`: control changes outside the engine's commands;
- `clock`: the clock reached t (after an advance, and at the end; in lockstep mode each step,
  with the stream counts of that moment);
- `reset`: the world was rebuilt from the scenario, the clock at args.startMs;
- notes, written when a dry-run tracks what happens (`call`, `order`, `fill`, `reject`,
  `closed`, `balance`, `price`), and always for the control changes that are no engine state
  (`latency`: the rules; `fault`: one added or removed, or all cleared): not replayed. A
  command that came from a tracked API call carries the call's id as `"call"` beside `args`.
  docs/dryrun.md has the details.

Replaying the entries in order on a fresh engine with the same seed, the virtual clock set to
each entry's time, regenerates the same ids and so the exact same state.

Write-ahead: an entry is written to the OS inside the command that makes it, after the
command's checks and before its first change, so before any reply to that command leaves; a
line that cannot be written raises JournalWriteError and the command is not done (the file is
cut back to its last whole line; the next command tries again). A line that cannot be UTF-8 (a lone surrogate from a
request) is written with \\uXXXX escapes, which read back as the same string. Reading takes
the complete part of a journal whose last line was cut off mid-write, with a JournalWarning.
"""
from __future__ import annotations

import errno
import json
import logging
import sys
import warnings
from collections import deque
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from .engine import ApiError, Exchange
from .engine.clock import VirtualClock
from .engine.numbers import fmt_plain
from .engine.orders import BulkItem
from .scenario.build import set_flags, setup_exchange

FORMAT = 1
ENGINE_COMMANDS = ("place_limit", "place_market", "place_bulk", "cancel_order", "cancel_all",
                   "set_balance", "deposit", "create_withdrawal", "create_deposit_addresses")
DECIMAL_ARGS = ("volume", "price", "amount")
log = logging.getLogger(__name__)
NOTES = frozenset({"call", "order", "fill", "reject", "closed", "balance", "price", "latency",
                   "fault"})


class ReplayError(Exception):
    """A journal that does not replay (corrupt, or from an incompatible engine)."""


class JournalWriteError(OSError):
    """A journal line could not be written: the command it is for was not done."""


class JournalWarning(UserWarning):
    """A journal was read without its last line, which was cut off mid-write (a crash)."""


def encode(value):
    if isinstance(value, Decimal):
        return fmt_plain(value)
    if isinstance(value, BulkItem):
        return {"side": value.side, "volume": fmt_plain(value.volume),
                "price": fmt_plain(value.price), "oldId": value.old_id}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def dumps(obj) -> str:
    """Compact JSON that is always valid UTF-8: a string holding a lone surrogate (no UTF-8
    form) makes the whole text ASCII, with \\uXXXX escapes that read back as the same string."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(obj, separators=(",", ":"))
    return text


class Journal:
    """Entries in memory (the last `keep`) and, with a path, in a JSONL file."""

    def __init__(self, path: str | Path | None = None, keep: int = 10_000):
        self.path = Path(path) if path else None
        # unbuffered: each line goes to the OS in write(), and a failed one leaves no bytes
        # behind in a buffer to surface with the next line
        self._file = open(self.path, "wb", buffering=0) if self.path else None
        self._size = 0                  # bytes of whole lines in the file
        self.broken: str | None = None  # why the journal refuses every line (see _rewind)
        self.header: dict | None = None
        self.entries: deque = deque(maxlen=keep)
        self.count = 0
        self.last_t: int | None = None
        self._late = False

    def _write(self, obj: dict) -> None:
        """The line, handed to the OS before this returns (a kill -9 then keeps it). A write
        that fails raises JournalWriteError, the file cut back to its last whole line."""
        if self._file is not None:
            if self.broken is not None:
                raise JournalWriteError(f"command not done: the journal {self.path} is unusable "
                                        f"since a failed write ({self.broken}); reset the mock")
            data = (dumps(obj) + "\n").encode("utf-8")
            try:
                view = memoryview(data)
                while view:                         # (a raw file may take part of it)
                    n = self._file.write(view)
                    if not n:
                        raise OSError(errno.EIO, "the file took no bytes")
                    view = view[n:]
            except Exception as e:
                self._rewind(e)
                raise JournalWriteError(f"command not done: its journal line could not be "
                                        f"written to {self.path}: {e}") from e
            self._size += len(data)
        elif self.path is not None and not self._late:
            self._late = True           # (the server closes its fronts first: a bug if seen)
            log.warning("%s is closed: entry %s and later ones are not in it", self.path,
                        obj.get("n"))

    def _rewind(self, error: Exception) -> None:
        """Cut off what a failed write left (part of a line); if even that fails, the file's
        end is unknown and every later line is refused (appending could bury a broken line)."""
        try:
            self._file.seek(self._size)
            self._file.truncate()
        except Exception as e:
            self.broken = f"{error}; then cutting the file back failed: {e}"
            log.error("journal %s: %s; every later command is refused", self.path, self.broken)

    def write_header(self, header: dict) -> None:
        self.header = {"journal": FORMAT, **header}
        self._write(self.header)

    def record(self, t: int, cmd: str, args: dict, call: int | None = None) -> None:
        entry = {"n": self.count + 1, "t": t, "cmd": cmd, "args": encode(args)}
        if call is not None:
            entry["call"] = call
        self._write(entry)          # first: an entry that failed to write is nowhere
        self.count += 1
        self.entries.append(entry)
        self.last_t = t

    def clock(self, t: int) -> None:
        """Note that the clock reached t (skipped when nothing happened since)."""
        if self.last_t == t:
            return
        self.record(t, "clock", {})

    def read(self, since: int = 0, limit: int = 1000) -> list[dict]:
        """Entries with n > since, at most limit."""
        out = []
        for entry in self.entries:
            if entry["n"] > since:
                out.append(entry)
                if len(out) >= limit:
                    break
        return out

    def close(self, t: int | None = None) -> None:
        if t is not None:
            self.clock(t)
        if self._file is not None:
            self._file.close()
            self._file = None


# --- replay ----------------------------------------------------------------------------
def _decode_args(ex: Exchange, args: dict) -> dict:
    out = dict(args)
    if "account" in out:
        out["account"] = ex.account(out["account"])
    for key in DECIMAL_ARGS:
        if out.get(key) is not None:
            out[key] = Decimal(out[key])
    if "items" in out:
        out["items"] = [BulkItem(i["side"], Decimal(i["volume"]), Decimal(i["price"]),
                                 i.get("oldId")) for i in out["items"]]
    return out


def _setup(header: dict, start_ms: int) -> Exchange:
    return setup_exchange(header["scenario"], VirtualClock(start_ms), int(header["seed"]))


def apply_entry(ex: Exchange, header: dict, entry: dict) -> Exchange:
    """Apply one entry; returns the exchange to go on with (a new one after `reset`)."""
    cmd, args, t = entry["cmd"], entry.get("args") or {}, entry["t"]
    if cmd in NOTES:
        return ex
    if cmd == "reset":
        return _setup(header, int(args["startMs"]))
    if t > ex.clock.now():
        ex.clock.advance_to(t)
    if cmd == "clock":
        return ex
    if cmd in ENGINE_COMMANDS:
        try:
            getattr(ex, cmd)(**_decode_args(ex, args))
        except ApiError:
            if cmd != "create_withdrawal":    # the one command recorded before it may fail
                raise
    elif cmd == "set_account":
        set_flags(ex.account(args["account"]), args.get("flags") or {})
        if "depositState" in (args.get("flags") or {}):
            ex.account(args["account"]).deposit_state = args["flags"]["depositState"]
    elif cmd == "set_quirks":
        ex.quirks.update(args.get("quirks") or {})
    else:
        raise ReplayError(f"unknown journal command {cmd!r}")
    return ex


def cut_off(path, n: int, line: bytes) -> None:
    """Warn that line n, the last, is incomplete (cut off mid-write) and was left out."""
    shown = line[:60].decode("utf-8", "replace") + ("..." if len(line) > 60 else "")
    warnings.warn(JournalWarning(f"{path}:{n}: the last line is incomplete ({len(line)} bytes, "
                                 f"cut off mid-write): read without it: {shown}"),
                  stacklevel=3)


def _loads(path, n: int, line: bytes):
    try:
        return json.loads(line)
    except ValueError as e:           # (bad JSON, or bytes that are not UTF-8)
        raise ReplayError(f"{path}:{n}: not a journal ({e})") from None


def read_journal(path: str | Path) -> tuple[dict, list[dict]]:
    """(header, entries). A last line cut off mid-write (no newline after it, not JSON) is
    left out, with a JournalWarning; a bad line anywhere else is a ReplayError."""
    lines = Path(path).read_bytes().split(b"\n")
    tail = lines.pop()                  # what follows the last newline: b"" when complete
    if tail.strip():
        try:
            json.loads(tail)
            lines.append(tail)          # complete, only its newline is missing
        except ValueError:
            cut_off(path, len(lines) + 1, tail)
    if not lines or not lines[0].strip():
        raise ReplayError(f"{path}: empty journal")
    header = _loads(path, 1, lines[0])
    if not isinstance(header, dict) or header.get("journal") != FORMAT:
        raise ReplayError(f"{path}: not a mock-lykke journal (format {FORMAT})")
    try:
        entries = [json.loads(line) for line in lines[1:] if line.strip()]
    except ValueError:
        for n, line in enumerate(lines[1:], 2):
            if line.strip():
                _loads(path, n, line)
        raise
    return header, entries


@contextmanager
def warnings_printed(prog: str):
    """Inside, each JournalWarning is printed as it happens: `prog: warning: ...` on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", JournalWarning)
        show = warnings.showwarning

        def printed(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, JournalWarning):
                print(f"{prog}: warning: {message}", file=sys.stderr, flush=True)
            else:
                show(message, category, filename, lineno, file, line)
        warnings.showwarning = printed
        yield


def replay(header: dict, entries: list[dict]) -> Exchange:
    """The exchange that the journal's commands produce, on a virtual clock."""
    ex = _setup(header, int(header["clock"]["start"]))
    for entry in entries:
        try:
            ex = apply_entry(ex, header, entry)
        except (ApiError, KeyError, ValueError) as e:
            raise ReplayError(f"entry {entry.get('n')} ({entry.get('cmd')}) does not replay: "
                              f"{e!r}") from None
    return ex


def replay_file(path: str | Path) -> tuple[dict, Exchange]:
    header, entries = read_journal(path)
    return header, replay(header, entries)
