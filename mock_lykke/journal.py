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
  `closed`, `balance`, `price`, `latency`): not replayed. A command that came from a tracked
  API call carries the call's id as `"call"` beside `args`. docs/dryrun.md has the details.

Replaying the entries in order on a fresh engine with the same seed, the virtual clock set to
each entry's time, regenerates the same ids and so the exact same state.
"""
from __future__ import annotations

import json
from collections import deque
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
NOTES = frozenset({"call", "order", "fill", "reject", "closed", "balance", "price", "latency"})


class ReplayError(Exception):
    """A journal that does not replay (corrupt, or from an incompatible engine)."""


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
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Journal:
    """Entries in memory (the last `keep`) and, with a path, in a JSONL file."""

    def __init__(self, path: str | Path | None = None, keep: int = 10_000):
        self.path = Path(path) if path else None
        self._file = (open(self.path, "w", encoding="utf-8", newline="\n")
                      if self.path else None)
        self.header: dict | None = None
        self.entries: deque = deque(maxlen=keep)
        self.count = 0
        self.last_t: int | None = None

    def _write(self, obj: dict) -> None:
        if self._file is not None:
            self._file.write(dumps(obj) + "\n")
            self._file.flush()

    def write_header(self, header: dict) -> None:
        self.header = {"journal": FORMAT, **header}
        self._write(self.header)

    def record(self, t: int, cmd: str, args: dict, call: int | None = None) -> None:
        self.count += 1
        entry = {"n": self.count, "t": t, "cmd": cmd, "args": encode(args)}
        if call is not None:
            entry["call"] = call
        self.entries.append(entry)
        self.last_t = t
        self._write(entry)

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


def read_journal(path: str | Path) -> tuple[dict, list[dict]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ReplayError(f"{path}: empty journal")
    try:
        header = json.loads(lines[0])
        entries = [json.loads(line) for line in lines[1:] if line.strip()]
    except json.JSONDecodeError as e:
        raise ReplayError(f"{path}: not a journal ({e})") from None
    if not isinstance(header, dict) or header.get("journal") != FORMAT:
        raise ReplayError(f"{path}: not a mock-lykke journal (format {FORMAT})")
    return header, entries


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
