"""Prices (best bid/ask) and 24-hour tickers, derived from the books and the trades.

The ticker's window keeps the trades of the last 24 h; `highs` / `lows` keep the trades that
can still become the window's maximum / minimum price (each later trade is lower / higher),
so high and low are their first entries (the earliest of equal prices, as max() and min()
would pick) and a ticker costs the same however many trades the window holds. New trades wait
in `pending` until a ticker is asked for: the window only changes there, in the same order.
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal

from .events import Ticker
from .numbers import ZERO
from .orders import fast_new

DAY_MS = 24 * 3600 * 1000
_ticker = fast_new(Ticker)


class PairMarket:
    __slots__ = ("pair_id", "bid", "ask", "price_ts", "window", "highs", "lows", "volume_base",
                 "volume_quote", "last_trade_ts", "pending")

    def __init__(self, pair_id: str):
        self.pair_id = pair_id
        self.bid = ZERO
        self.ask = ZERO
        self.price_ts: int | None = None
        self.window: deque[tuple[int, Decimal, Decimal, Decimal]] = deque()  # ts, price, base, quote
        self.highs: deque[tuple[int, Decimal, Decimal, Decimal]] = deque()
        self.lows: deque[tuple[int, Decimal, Decimal, Decimal]] = deque()
        self.volume_base = ZERO
        self.volume_quote = ZERO
        self.last_trade_ts: int | None = None
        self.pending: list[tuple[int, Decimal, Decimal, Decimal]] = []    # not yet in the window

    def set_prices(self, bid: Decimal, ask: Decimal, now: int) -> bool:
        """Record the top of book; True if it changed."""
        if bid == self.bid and ask == self.ask and self.price_ts is not None:
            return False
        self.bid, self.ask, self.price_ts = bid, ask, now
        return True

    def add_trade(self, ts: int, price: Decimal, base: Decimal, quote: Decimal) -> None:
        """Kept aside until a ticker is asked for (the window only changes in ticker())."""
        self.pending.append((ts, price, base, quote))
        self.last_trade_ts = ts

    def _take_pending(self) -> None:
        window, highs, lows = self.window, self.highs, self.lows
        for entry in self.pending:
            price = entry[1]
            window.append(entry)
            while highs and highs[-1][1] < price:
                highs.pop()
            highs.append(entry)
            while lows and lows[-1][1] > price:
                lows.pop()
            lows.append(entry)
            self.volume_base += entry[2]
            self.volume_quote += entry[3]
        self.pending = []

    def _expire(self, now: int) -> None:
        cutoff = now - DAY_MS
        window = self.window
        while window and window[0][0] <= cutoff:
            _, _, base, quote = window.popleft()
            self.volume_base -= base
            self.volume_quote -= quote
        for extremes in (self.highs, self.lows):
            while extremes and extremes[0][0] <= cutoff:
                extremes.popleft()

    def ticker(self, now: int) -> Ticker:
        if self.pending:
            self._take_pending()
        self._expire(now)
        window = self.window
        if not window:
            return _ticker(self.pair_id, ZERO, ZERO, 0.0, ZERO, ZERO, ZERO,
                           self.last_trade_ts if self.last_trade_ts is not None else now)
        open_price, last = window[0][1], window[-1][1]
        change = float((last - open_price) / open_price) if open_price else 0.0
        return _ticker(self.pair_id, self.volume_base, self.volume_quote, change, last,
                       self.highs[0][1], self.lows[0][1], self.last_trade_ts)
