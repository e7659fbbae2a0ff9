"""One pair's order book: price levels in price-time priority, one entry per order.

Each side keeps a dict price -> Level and the sorted list of its prices (bisect), so the best
level is an end of that list. The (price, volume) entries of a level and of a whole side are
kept once built, until that level or side changes (events carry the whole book). A level
lists its orders in time priority; leaving the book only counts the order out (`live`), and
the entry is dropped later, once it reaches the front or once gone entries outnumber live
ones. An entry is gone when its order is no longer active (cancelled, replaced or matched):
every removal changes the order's status with it.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from decimal import Decimal
from typing import Iterator

from .orders import ACTIVE, BUY, Order


class Level:
    __slots__ = ("price", "orders", "head", "live", "cache")

    def __init__(self, price: Decimal):
        self.price = price          # the first order's price (its scale is what the book shows)
        self.orders: list[Order] = []
        self.head = 0               # orders before it are gone
        self.live = 0
        self.cache: tuple | None = None

    def entries(self) -> tuple:
        if self.cache is None:
            price, orders = self.price, self.orders
            if self.head:
                orders = orders[self.head:]
            self.cache = tuple([(price, o.remaining) for o in orders if o.status in ACTIVE])
        return self.cache

    def first(self) -> Order:
        orders, i = self.orders, self.head
        while orders[i].status not in ACTIVE:
            i += 1
        if i > 32 and 2 * i > len(orders):
            del orders[:i]
            i = 0
        self.head = i
        return orders[i]

    def active(self) -> Iterator[Order]:
        orders = self.orders
        for i in range(self.head, len(orders)):
            order = orders[i]
            if order.status in ACTIVE:
                yield order

    def compact(self, leaving: Order) -> None:
        self.orders = [o for o in self.active() if o is not leaving]
        self.head = 0


class Side:
    __slots__ = ("levels", "prices", "descending", "cache")

    def __init__(self, descending: bool):
        self.levels: dict[Decimal, Level] = {}
        self.prices: list[Decimal] = []     # ascending; each is its level's own price object
        self.descending = descending        # bids: the best price is the last one
        self.cache: tuple | None = None

    def entries(self) -> tuple:
        if self.cache is None:
            out: list = []
            levels = self.levels
            for price in reversed(self.prices) if self.descending else self.prices:
                level = levels[price]
                out += level.cache if level.cache is not None else level.entries()
            self.cache = tuple(out)
        return self.cache

    def __len__(self) -> int:
        return len(self.prices)

    def in_order(self) -> Iterator[Level]:
        levels = self.levels
        prices = reversed(self.prices) if self.descending else self.prices
        for price in prices:
            yield levels[price]


class Book:
    __slots__ = ("pair_id", "bids", "asks", "bid_ts", "ask_ts")

    def __init__(self, pair_id: str):
        self.pair_id = pair_id
        self.bids = Side(descending=True)
        self.asks = Side(descending=False)
        self.bid_ts: int | None = None
        self.ask_ts: int | None = None

    def _side(self, side: str) -> Side:
        return self.bids if side == BUY else self.asks

    def add(self, order: Order) -> None:
        s = self.bids if order.side == BUY else self.asks
        level = s.levels.get(order.price)
        if level is None:
            level = s.levels[order.price] = Level(order.price)
            insort(s.prices, order.price)
        level.orders.append(order)
        level.live += 1
        level.cache = s.cache = None

    def remove(self, order: Order) -> None:
        s = self.bids if order.side == BUY else self.asks
        level = s.levels[order.price]
        level.live -= 1
        level.cache = s.cache = None
        if not level.live:
            del s.levels[level.price]
            prices = s.prices
            del prices[bisect_left(prices, level.price)]
        elif len(level.orders) - level.head > 2 * level.live + 16:
            level.compact(order)

    def changed(self, order: Order) -> None:
        """A resting order's remaining volume changed (a partial fill)."""
        s = self.bids if order.side == BUY else self.asks
        s.levels[order.price].cache = s.cache = None

    @property
    def timestamp(self) -> int | None:
        stamps = [t for t in (self.bid_ts, self.ask_ts) if t is not None]
        return max(stamps) if stamps else None

    def best(self, side: str) -> Decimal | None:
        """The best price (the level's: its first order's price), or None."""
        if side == BUY:
            prices = self.bids.prices
            return prices[-1] if prices else None
        prices = self.asks.prices
        return prices[0] if prices else None

    def entries(self, side: str, depth: int = 0) -> list[tuple[Decimal, Decimal]]:
        """Per-order (price, remaining) entries, best first, time priority within a price."""
        out: list[tuple[Decimal, Decimal]] = []
        for level in self._side(side).in_order():
            price = level.price
            for order in level.active():
                out.append((price, order.remaining))
                if depth and len(out) >= depth:
                    return out
        return out

    def side_entries(self, side: str) -> tuple[tuple[Decimal, Decimal], ...]:
        """All of entries(side), as a tuple (kept until the side changes)."""
        return self._side(side).entries()

    def orders(self, side: str) -> Iterator[Order]:
        for level in self._side(side).in_order():
            yield from level.active()

    def __len__(self) -> int:
        return sum(level.live for level in self.bids.levels.values()) + sum(
            level.live for level in self.asks.levels.values())
