"""Virtual time: the default scenario's market (3 market makers requoting every 500 ms, 3
takers) run for a stretch of virtual time with its journal on, then that journal replayed
into a fresh engine.

Three counts, each per CPU second of the engine (time.process_time, so a busy machine does not
skew them): a "command" is one journal entry (a bulk requote of ten orders is one command);
an "event" is one engine event as the fronts receive it (OrdersChanged, TradesExecuted,
BalancesChanged, PublicTradesAdded, TickerChanged, BookChanged, PriceChanged; a listener is
attached, so all of them are built); a "change" is one record a client would see: an order
update, a trade row, a balance row, a public trade, a ticker, a book or a price."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from mock_lykke.journal import apply_entry, read_journal
from mock_lykke.journal import _setup as setup_from_header
from mock_lykke.scenario import build_mock, default_scenario


class Counter:
    """A listener counting events and changes."""

    def __init__(self):
        self.events = self.changes = 0

    def __call__(self, batch: list) -> None:
        self.events += len(batch)
        for e in batch:
            items = getattr(e, "orders", None) or getattr(e, "trades", None) or getattr(
                e, "balances", None)
            self.changes += len(items) if items else 1


def simulate(minutes: float, path: Path) -> dict:
    """The market in virtual time, journaled to path; events/s of the simulation itself."""
    mock = build_mock(default_scenario(), clock_mode="virtual", journal_path=path)
    c = mock.controller
    counter = Counter()
    c.exchange.subscribe(counter)
    t0 = time.process_time()
    c.advance(int(minutes * 60_000))
    cpu = time.process_time() - t0
    c.journal.close(c.now())
    return {"simulate_virtual_minutes": minutes, "simulate_events": counter.events,
            "simulate_events_per_s": round(counter.events / cpu),
            "simulate_changes_per_s": round(counter.changes / cpu),
            "simulate_speedup_vs_realtime": round(minutes * 60 / cpu)}


def replay(path: Path) -> dict:
    header, entries = read_journal(path)
    ex = setup_from_header(header, int(header["clock"]["start"]))
    counter = Counter()
    ex.subscribe(counter)
    t0 = time.process_time()
    for entry in entries:
        nxt = apply_entry(ex, header, entry)
        if nxt is not ex:                       # a reset: follow the new engine
            ex = nxt
            ex.subscribe(counter)
    cpu = time.process_time() - t0
    commands = sum(1 for e in entries if e["cmd"] != "clock")
    return {"replay_commands": commands, "replay_events": counter.events,
            "replay_changes": counter.changes,
            "replay_commands_per_s": round(commands / cpu),
            "replay_events_per_s": round(counter.events / cpu),
            "replay_changes_per_s": round(counter.changes / cpu)}


def measure(minutes: float = 30) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.jsonl"
        out = simulate(minutes, path)
        out.update(replay(path))
    return out


if __name__ == "__main__":
    import json
    print(json.dumps(measure(), indent=2))
