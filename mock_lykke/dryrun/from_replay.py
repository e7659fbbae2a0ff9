"""Metrics by replaying a journal's commands into an engine and reading the engine after each
entry (for journals without notes of the account: plain `serve --journal` ones)."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..engine.clock import VirtualClock
from ..engine.orders import ACTIVE, BUY
from ..journal import ReplayError, apply_entry
from ..scenario.build import setup_exchange
from .entries import FLOW_COMMANDS, ORDER_COMMANDS, REPLAYED, ZERO

if TYPE_CHECKING:                   # (metrics.collect imports this module)
    from .metrics import Metrics


class ReplaySource:
    """Replays the journal's commands into an engine and reads it after each entry (no
    subscription: no events to build, so the replay runs at the engine's own speed)."""

    def __init__(self, m: Metrics):
        self.m = m
        self.header = m.header
        self._bind(setup_exchange(m.scenario, VirtualClock(int(self.header["clock"]["start"])),
                                  int(self.header["seed"])))

    def _bind(self, ex) -> None:
        self.ex = ex
        self.me = ex.account(self.m.name)
        self.markets = [(pair_id, ex.markets[pair_id]) for pair_id in sorted(ex.markets)]
        self.tops = {pair_id: (None, None) for pair_id, _ in self.markets}
        self.seen_seq = 0                           # the newest order looked at
        self.seen_trade: str | None = None          # the account's newest trade looked at

    def feed(self, entry: dict) -> None:
        m = self.m
        cmd = entry.get("cmd")
        m.on_time(entry.get("t"))
        if cmd not in REPLAYED:
            m.on_note(cmd, entry.get("args") or {}, entry.get("t"))
            return
        args = entry.get("args") or {}
        mine = args.get("account") == m.name
        before = dict(m.balances) if mine and cmd in FLOW_COMMANDS else None
        marks = dict(m.marks) if mine and cmd in ORDER_COMMANDS else None
        try:
            ex = apply_entry(self.ex, self.header, entry)
        except Exception as e:
            raise ReplayError(f"entry {entry.get('n')} ({cmd}) does not replay: {e!r}") from None
        now = ex.clock.now()
        if ex is not self.ex:                       # reset: a new world, balances as at load
            self._bind(ex)
            before = dict(m.balances)
            m.reset()
        if before is not None:                      # money moved: no trade in this entry
            self._poll_balances(now, record=False)
            m.on_flow(now, before)
        if marks is not None:
            self._new_orders(entry, marks)
        self._poll_prices(now)
        # a fill moves the account's balances, unless it traded with itself (its own command)
        if self._poll_balances(now) or marks is not None:
            self._new_trades()
        if m.dirty:
            m.mark(now)

    def finish(self) -> None:
        history = self.ex.history.orders
        final = {}
        for order_id in self.m.orders:
            o = history.get(order_id)
            if o is not None:
                final[order_id] = (o.status, o.volume - o.remaining)
        self.m.finish(self.ex.clock.now(), final)

    def _poll_prices(self, now: int) -> None:
        tops = self.tops
        for pair_id, market in self.markets:
            bid, ask = market.bid, market.ask
            old_bid, old_ask = tops[pair_id]
            if bid is old_bid and ask is old_ask:
                continue
            tops[pair_id] = (bid, ask)
            if bid != old_bid or ask != old_ask:
                self.m.on_price(now, pair_id, bid, ask)

    def _poll_balances(self, now: int, record: bool = True) -> bool:
        changed = False
        balances = self.m.balances
        for asset, bal in self.me.balances.items():
            if balances.get(asset) != bal.total:
                self.m.on_balance(now, asset, bal.total, record)
                changed = True
        return changed

    def _new_orders(self, entry: dict, marks: dict) -> None:
        """The orders the account's command just created (the newest in the history), with
        the marks from before the command."""
        wallet, seen = self.me.wallet_id, self.seen_seq
        new = []
        for o in reversed(self.ex.history.orders.values()):
            if o.seq <= seen:
                break
            self.seen_seq = max(self.seen_seq, o.seq)
            if o.wallet_id == wallet:
                new.append(o)
        now_marks, self.m.marks = self.m.marks, marks
        try:
            for o in reversed(new):
                ahead = self._queue_ahead(o) if o.status in ACTIVE else None
                self.m.on_order(o.id, o.created, o.pair_id, o.side, o.type, o.price, o.volume,
                                o.status, ahead, entry.get("call"))
        finally:
            self.m.marks = now_marks

    def _new_trades(self) -> None:
        new, offset, take = [], 0, 8
        while True:
            page = self.ex.trades(self.me, offset=offset, take=take)
            for tr in page:
                if tr.id == self.seen_trade:
                    break
                new.append(tr)
            else:
                if len(page) == take:
                    offset, take = offset + take, 1000
                    continue
            break
        if new:
            self.seen_trade = new[0].id
            for tr in reversed(new):
                self.m.on_fill(tr.timestamp, tr.id, tr.order_id, tr.pair_id, tr.side, tr.role,
                               tr.price, tr.base_volume, tr.quote_volume, tr.fee_size,
                               tr.fee_asset)

    def _queue_ahead(self, o) -> Decimal:
        ahead = ZERO
        for other in self.ex.books[o.pair_id].orders(o.side):
            if other.id == o.id or (other.price < o.price if o.side == BUY
                                    else other.price > o.price):
                break
            if other.price == o.price:
                ahead += other.remaining
        return ahead
