"""The dry-run's progress line (rich when installed, else a plain `\\r` line) and the trading
PnL it shows, live: the bot's balances now minus its balances at the start, both valued at
today's mids (summary.json's `tradingPnl`, less its correction for money moved in or out)."""
from __future__ import annotations

import sys
from decimal import Decimal

from ..engine.clock import format_time
from ..engine.numbers import ZERO


def mids(ex) -> dict[tuple[str, str], Decimal]:
    """(base, quote) -> mid of every pair with both sides quoted."""
    out = {}
    for pair_id, market in ex.markets.items():
        pair = ex.reference.pairs[pair_id]
        if market.bid and market.ask:
            out[(pair.base, pair.quote)] = (market.bid + market.ask) / 2
    return out


def value(amounts: dict[str, Decimal], currency: str, prices: dict) -> Decimal | None:
    """The amounts in `currency` through direct pairs; None if one cannot be valued."""
    total = ZERO
    for asset, amount in amounts.items():
        if not amount:
            continue
        if asset == currency:
            total += amount
        elif (asset, currency) in prices:
            total += amount * prices[(asset, currency)]
        elif (currency, asset) in prices:
            total += amount / prices[(currency, asset)]
        else:
            return None
    return total


def pnl(ex, account: str, initial: dict[str, Decimal], currency: str) -> Decimal | None:
    acc = ex.account(account)
    now = {a: b.total for a, b in acc.balances.items()}
    prices = mids(ex)
    a, b = value(now, currency, prices), value(initial, currency, prices)
    return None if a is None or b is None else a - b


def duration_text(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


def line(now: int, start: int, until: int | None, wall_s: float, events_per_s: float,
         fills: int, profit: Decimal | None, currency: str, waiting: bool) -> str:
    elapsed = now - start
    target = f"/{duration_text(until - start)}" if until is not None else ""
    speed = elapsed / 1000 / wall_s if wall_s > 0 else 0.0
    money = f"{profit:+.2f} {currency}" if profit is not None else "-"
    state = "  (waiting for the bot)" if waiting else ""
    return (f"dryrun {duration_text(elapsed)}{target} ({format_time(now)})  x{speed:,.0f}  "
            f"{events_per_s:,.0f} ev/s  fills {fills}  trading PnL {money}{state}")


class Progress:
    """One line, rewritten in place; silent when the stream is not a terminal (unless
    forced)."""

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = isatty if enabled is None else enabled
        self._live = None
        self._width = 0
        if self.enabled and isatty:
            try:
                from rich.console import Console
                from rich.live import Live
            except ImportError:
                pass
            else:
                self._live = Live(console=Console(file=self.stream), auto_refresh=False,
                                  transient=True)
                self._live.start()

    def update(self, text: str) -> None:
        if not self.enabled:
            return
        if self._live is not None:
            from rich.text import Text
            self._live.update(Text(text), refresh=True)
            return
        self._width = max(self._width, len(text))
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        elif self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
