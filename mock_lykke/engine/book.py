"""One pair's order book: price levels in price-time priority, one entry per order."""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from sortedcontainers import SortedDict

from .orders import BUY, Order


class Book:
    __slots__ = ("pair_id", "bids", "asks", "bid_ts", "ask_ts")

    def __init__(self, pair_id: str):
        self.pair_id = pair_id
        # key: -price for bids, price for asks, so index 0 is always the best level
        self.bids: SortedDict = SortedDict()
        self.asks: SortedDict = SortedDict()
        self.bid_ts: int | None = None
        self.ask_ts: int | None = None

    def _side(self, side: str) -> SortedDict:
        return self.bids if side == BUY else self.asks

    @staticmethod
    def _key(side: str, price: Decimal) -> Decimal:
        return -price if side == BUY else price

    def add(self, order: Order) -> None:
        levels = self._side(order.side)
        key = self._key(order.side, order.price)
        level = levels.get(key)
        if level is None:
            level = levels[key] = {}
        level[order.id] = order

    def remove(self, order: Order) -> None:
        levels = self._side(order.side)
        key = self._key(order.side, order.price)
        level = levels[key]
        del level[order.id]
        if not level:
            del levels[key]

    def touch(self, side: str, now: int) -> None:
        if side == BUY:
            self.bid_ts = now
        else:
            self.ask_ts = now

    @property
    def timestamp(self) -> int | None:
        stamps = [t for t in (self.bid_ts, self.ask_ts) if t is not None]
        return max(stamps) if stamps else None

    def best(self, side: str) -> Decimal | None:
        levels = self._side(side)
        if not levels:
            return None
        key = levels.keys()[0]
        return -key if side == BUY else key

    def best_order(self, side: str) -> Order | None:
        """The resting order first in priority on side, or None."""
        levels = self._side(side)
        if not levels:
            return None
        return next(iter(levels.values()[0].values()))

    def entries(self, side: str, depth: int = 0) -> list[tuple[Decimal, Decimal]]:
        """Per-order (price, remaining) entries, best first, time priority within a price."""
        out: list[tuple[Decimal, Decimal]] = []
        for key, level in self._side(side).items():
            price = -key if side == BUY else key
            for order in level.values():
                out.append((price, order.remaining))
                if depth and len(out) >= depth:
                    return out
        return out

    def orders(self, side: str) -> Iterator[Order]:
        for level in self._side(side).values():
            yield from level.values()

    def __len__(self) -> int:
        return sum(len(level) for level in self.bids.values()) + sum(
            len(level) for level in self.asks.values())
