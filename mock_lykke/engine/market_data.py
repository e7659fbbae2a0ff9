"""Prices (best bid/ask) and 24-hour tickers, derived from the books and the trades."""
from __future__ import annotations

from collections import deque
from decimal import Decimal

from .events import Ticker
from .numbers import ZERO

DAY_MS = 24 * 3600 * 1000


class PairMarket:
    __slots__ = ("pair_id", "bid", "ask", "price_ts", "window", "volume_base", "volume_quote",
                 "last_trade_ts")

    def __init__(self, pair_id: str):
        self.pair_id = pair_id
        self.bid = ZERO
        self.ask = ZERO
        self.price_ts: int | None = None
        self.window: deque[tuple[int, Decimal, Decimal, Decimal]] = deque()  # ts, price, base, quote
        self.volume_base = ZERO
        self.volume_quote = ZERO
        self.last_trade_ts: int | None = None

    def set_prices(self, bid: Decimal, ask: Decimal, now: int) -> bool:
        """Record the top of book; True if it changed."""
        if bid == self.bid and ask == self.ask and self.price_ts is not None:
            return False
        self.bid, self.ask, self.price_ts = bid, ask, now
        return True

    def add_trade(self, ts: int, price: Decimal, base: Decimal, quote: Decimal) -> None:
        self.window.append((ts, price, base, quote))
        self.volume_base += base
        self.volume_quote += quote
        self.last_trade_ts = ts

    def _expire(self, now: int) -> None:
        cutoff = now - DAY_MS
        while self.window and self.window[0][0] <= cutoff:
            _, _, base, quote = self.window.popleft()
            self.volume_base -= base
            self.volume_quote -= quote

    def ticker(self, now: int) -> Ticker:
        self._expire(now)
        if not self.window:
            return Ticker(self.pair_id, ZERO, ZERO, 0.0, ZERO, ZERO, ZERO,
                          self.last_trade_ts if self.last_trade_ts is not None else now)
        prices = [p for _, p, _, _ in self.window]
        open_price, last = prices[0], prices[-1]
        change = float((last - open_price) / open_price) if open_price else 0.0
        return Ticker(self.pair_id, self.volume_base, self.volume_quote, change, last,
                      max(prices), min(prices), self.last_trade_ts)
