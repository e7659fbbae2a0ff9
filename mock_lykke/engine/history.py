"""Orders, trades, public trades and operations, with the real server's queries.

Per wallet, active orders are a list in creation order from which closed orders are dropped
lazily (an order is active by its status), and closed orders a list kept sorted by `seq`
(creation order: the clock never goes back, so this is also newest-first by creation time
when read backwards). Trades are appended in time order, as compact rows (see orders.py
`trade_of`); the Trade and PublicTrade objects are built only when a query asks for them.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import deque

from .orders import (ACTIVE, Operation, Order, OrderView, PublicTrade, Trade, public_trade_of,
                     trade_of)

PUBLIC_TRADES_KEPT = 10_000   # the real trades service keeps a bounded recent cache per pair


class _Active:
    """A wallet's active orders, oldest first; closed ones are skipped and dropped in bulk."""
    __slots__ = ("orders", "live")

    def __init__(self):
        self.orders: list[Order] = []
        self.live = 0

    def add(self, order: Order) -> None:
        self.orders.append(order)
        self.live += 1

    def closed_one(self) -> None:
        self.live -= 1
        if len(self.orders) > 2 * self.live + 16:
            self.orders = [o for o in self.orders if o.status in ACTIVE]

    def __iter__(self):
        for order in self.orders:
            if order.status in ACTIVE:
                yield order

    def newest_first(self):
        orders = self.orders
        for i in range(len(orders) - 1, -1, -1):
            order = orders[i]
            if order.status in ACTIVE:
                yield order


class _Closed:
    """A wallet's closed orders sorted by seq (parallel lists, so bisect compares ints)."""
    __slots__ = ("seqs", "orders")

    def __init__(self):
        self.seqs: list[int] = []
        self.orders: list[Order] = []

    def add(self, order: Order) -> None:
        seqs, seq = self.seqs, order.seq
        if not seqs or seqs[-1] < seq:
            seqs.append(seq)
            self.orders.append(order)
        else:
            i = bisect_right(seqs, seq)
            seqs.insert(i, seq)
            self.orders.insert(i, order)

    def newest_first(self):
        return reversed(self.orders)


class History:
    def __init__(self):
        self.orders: dict[str, Order] = {}
        self._active: dict[str, _Active] = {}
        self._closed: dict[str, _Closed] = {}
        # trade rows (orders.trade_of) by wallet and by order; the engine appends to them
        self.wallet_trades: dict[str, list[tuple]] = {}
        self.order_trade_rows: dict[str, list[tuple]] = {}
        self._public: dict[str, deque[tuple]] = {}        # public trade rows
        self._operations: dict[str, list[Operation]] = {}

    # --- writing ----------------------------------------------------------------------
    def add_order(self, order: Order) -> None:
        self.orders[order.id] = order
        if order.status in ACTIVE:
            active = self._active.get(order.wallet_id)
            if active is None:
                active = self._active[order.wallet_id] = _Active()
            active.add(order)
        else:
            self._closed_list(order.wallet_id).add(order)

    def close(self, order: Order) -> None:
        """Move an order that just left the active statuses to the closed list."""
        self._active[order.wallet_id].closed_one()
        self._closed_list(order.wallet_id).add(order)

    def _closed_list(self, wallet_id: str) -> _Closed:
        lst = self._closed.get(wallet_id)
        if lst is None:
            lst = self._closed[wallet_id] = _Closed()
        return lst

    def add_trade(self, row: tuple) -> None:
        """A trade row (orders.trade_of), kept per wallet and per order."""
        trades = self.wallet_trades.get(row[1])
        if trades is None:
            trades = self.wallet_trades[row[1]] = []
        trades.append(row)
        trades = self.order_trade_rows.get(row[2])
        if trades is None:
            trades = self.order_trade_rows[row[2]] = []
        trades.append(row)

    def public_rows(self, pair_id: str) -> deque:
        """The deque public trade rows (orders.public_row) of pair_id are appended to."""
        q = self._public.get(pair_id)
        if q is None:
            q = self._public[pair_id] = deque(maxlen=PUBLIC_TRADES_KEPT)
        return q

    def add_operation(self, op: Operation) -> None:
        self._operations.setdefault(op.wallet_id, []).append(op)

    # --- reading ----------------------------------------------------------------------
    def active_orders(self, wallet_id: str, pair_id: str | None = None) -> list[Order]:
        """The wallet's active orders, oldest first."""
        active = self._active.get(wallet_id)
        if active is None:
            return []
        return [o for o in active if pair_id is None or o.pair_id == pair_id]

    def list_orders(self, wallet_id: str, active: bool, pair_id: str | None, offset: int,
                    take: int) -> list[OrderView]:
        if active:
            lst = self._active.get(wallet_id)
        else:
            lst = self._closed.get(wallet_id)
        source = lst.newest_first() if lst is not None else ()
        out: list[OrderView] = []
        skipped = 0
        for order in source:
            if pair_id and order.pair_id != pair_id:
                continue
            if skipped < offset:
                skipped += 1
                continue
            if len(out) >= take:
                break
            out.append(order.view())
        return out

    def trades(self, wallet_id: str, pair_id: str | None, side: str | None, offset: int,
               take: int, from_ms: float | None, to_ms: float | None) -> list[Trade]:
        out: list[Trade] = []
        skipped = 0
        for row in reversed(self.wallet_trades.get(wallet_id, ())):
            fill = row[8]
            if pair_id and fill[0] != pair_id:
                continue
            if side is not None and row[4] != side:
                continue
            if from_ms is not None and not fill[6] > from_ms:
                continue
            if to_ms is not None and not fill[6] <= to_ms:
                continue
            if skipped < offset:
                skipped += 1
                continue
            if len(out) >= take:
                break
            out.append(trade_of(row))
        return out

    def order_trades(self, wallet_id: str, order_id: str) -> list[Trade]:
        return [trade_of(row) for row in reversed(self.order_trade_rows.get(order_id, ()))
                if row[1] == wallet_id]

    def public_trades(self, pair_id: str, offset: int, take: int) -> list[PublicTrade]:
        q = self._public.get(pair_id, ())
        n = len(q)
        return [public_trade_of(q[n - 1 - i]) for i in range(offset, min(n, offset + take))]

    def operations(self, wallet_id: str, offset: int, take: int) -> list[Operation]:
        ops = self._operations.get(wallet_id, [])
        return list(reversed(ops))[offset:offset + take]
