"""Orders, trades, public trades and operations, with the real server's queries."""
from __future__ import annotations

from collections import deque

from sortedcontainers import SortedKeyList

from .orders import ACTIVE, Operation, Order, OrderView, PublicTrade, Trade

PUBLIC_TRADES_KEPT = 10_000   # the real trades service keeps a bounded recent cache per pair


def _newest_first(order: Order):
    return (-order.created, -order.seq)


class History:
    def __init__(self):
        self.orders: dict[str, Order] = {}
        self._active: dict[str, dict[str, Order]] = {}
        self._closed: dict[str, SortedKeyList] = {}
        self._trades: dict[str, list[Trade]] = {}
        self._order_trades: dict[str, list[Trade]] = {}
        self._public: dict[str, deque[PublicTrade]] = {}
        self._operations: dict[str, list[Operation]] = {}

    # --- writing ----------------------------------------------------------------------
    def add_order(self, order: Order) -> None:
        self.orders[order.id] = order
        if order.status in ACTIVE:
            self._active.setdefault(order.wallet_id, {})[order.id] = order
        else:
            self._closed_list(order.wallet_id).add(order)

    def close(self, order: Order) -> None:
        """Move an order that just left the active statuses to the closed list."""
        active = self._active.get(order.wallet_id)
        if active is not None and active.pop(order.id, None) is not None:
            self._closed_list(order.wallet_id).add(order)

    def _closed_list(self, wallet_id: str) -> SortedKeyList:
        lst = self._closed.get(wallet_id)
        if lst is None:
            lst = self._closed[wallet_id] = SortedKeyList(key=_newest_first)
        return lst

    def add_trade(self, trade: Trade) -> None:
        self._trades.setdefault(trade.wallet_id, []).append(trade)
        self._order_trades.setdefault(trade.order_id, []).append(trade)

    def add_public_trade(self, trade: PublicTrade) -> None:
        q = self._public.get(trade.pair_id)
        if q is None:
            q = self._public[trade.pair_id] = deque(maxlen=PUBLIC_TRADES_KEPT)
        q.append(trade)

    def add_operation(self, op: Operation) -> None:
        self._operations.setdefault(op.wallet_id, []).append(op)

    # --- reading ----------------------------------------------------------------------
    def active_orders(self, wallet_id: str, pair_id: str | None = None) -> list[Order]:
        """The wallet's active orders, oldest first."""
        orders = self._active.get(wallet_id, {}).values()
        return [o for o in orders if pair_id is None or o.pair_id == pair_id]

    def list_orders(self, wallet_id: str, active: bool, pair_id: str | None, offset: int,
                    take: int) -> list[OrderView]:
        if active:
            source = reversed(self._active.get(wallet_id, {}).values())  # creation order
        else:
            source = self._closed.get(wallet_id, ())
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
        for t in reversed(self._trades.get(wallet_id, ())):
            if pair_id and t.pair_id != pair_id:
                continue
            if side is not None and t.side != side:
                continue
            if from_ms is not None and not t.timestamp > from_ms:
                continue
            if to_ms is not None and not t.timestamp <= to_ms:
                continue
            if skipped < offset:
                skipped += 1
                continue
            if len(out) >= take:
                break
            out.append(t)
        return out

    def order_trades(self, wallet_id: str, order_id: str) -> list[Trade]:
        return [t for t in reversed(self._order_trades.get(order_id, ()))
                if t.wallet_id == wallet_id]

    def public_trades(self, pair_id: str, offset: int, take: int) -> list[PublicTrade]:
        q = self._public.get(pair_id, ())
        n = len(q)
        return [q[n - 1 - i] for i in range(offset, min(n, offset + take))]

    def operations(self, wallet_id: str, offset: int, take: int) -> list[Operation]:
        ops = self._operations.get(wallet_id, [])
        return list(reversed(ops))[offset:offset + take]

