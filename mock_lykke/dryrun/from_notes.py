"""Metrics from a dry-run journal's notes (docs/dryrun.md) for a tracked account: no engine at
all. A balance that differs from what the fills explain is money moved in or out."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..engine.orders import BUY
from .entries import REPLAYED, ZERO

if TYPE_CHECKING:                   # (metrics.collect imports this module)
    from .metrics import Metrics


class NotesSource:
    def __init__(self, m: Metrics):
        self.m = m
        self.computed = dict(m.initial)             # balances as the fills explain them
        self.filled: dict[str, Decimal] = {}      # per order of the account, from its fills
        self.closed: dict[str, str] = {}
        self.last_t: int | None = None
        self.handlers = {"price": self._price, "order": self._order, "closed": self._closed,
                         "fill": self._fill, "balance": self._balance}
        self._decs: dict = {}                       # text -> Decimal (prices repeat a lot)

    def dec(self, value) -> Decimal | None:
        if value is None:
            return None
        d = self._decs.get(value)
        if d is None:
            d = Decimal(str(value))
            if len(self._decs) < 200_000:
                self._decs[value] = d
        return d

    def feed(self, entry: dict) -> None:
        m = self.m
        cmd, t = entry.get("cmd"), entry.get("t")
        if t is not None:                           # (Metrics.on_time, inlined)
            if m.start_t is None:
                m.start_t = m.end_t = t
            elif t > m.end_t:
                m.end_t = t
        handler = self.handlers.get(cmd)
        if handler is not None:
            self.last_t = t
            handler(t, entry.get("args") or {})
        elif cmd in REPLAYED:                       # a command: the notes so far are done
            if m.dirty:
                m.mark(self.last_t)
            self.last_t = t
            if cmd == "reset":
                before = dict(m.balances)
                m.balances, self.computed = dict(m.initial), dict(m.initial)
                m.reset()
                m.on_flow(t, before)
        else:
            self.last_t = t
            m.on_note(cmd, entry.get("args") or {}, t)

    def finish(self, end: int | None) -> None:
        final = {}
        for order_id, row in self.m.orders.items():
            filled = self.filled.get(order_id, ZERO)
            status = self.closed.get(order_id) or (
                "Matched" if filled == row["volume"] else
                "PartiallyMatched" if filled else row["status"])
            final[order_id] = (status, filled)
        self.m.finish(end, final)

    def _price(self, t, args) -> None:
        self.m.on_price(t, args["pair"], self.dec(args["bid"]), self.dec(args["ask"]))

    def _order(self, t, args) -> None:
        if args.get("account") != self.m.name:
            return
        dec = self.dec
        self.filled[args["order"]] = ZERO
        self.m.on_order(args["order"], t, args["pair"], args["side"], args["type"],
                        dec(args["price"]), dec(args["volume"]), args["status"],
                        dec(args.get("queueAhead")), args.get("call"))

    def _closed(self, t, args) -> None:
        if args["order"] in self.filled:
            self.closed[args["order"]] = args["status"]

    def _fill(self, t, args) -> None:
        dec = self.dec
        pair = self.m.pair_info[args["pair"]]
        price, volume, quote = dec(args["price"]), dec(args["volume"]), dec(args["quoteVolume"])
        for role in ("maker", "taker"):
            side = args[role]
            if side["account"] != self.m.name:
                continue
            fee = dec(side.get("fee"))
            order_id = side["order"]
            if order_id in self.filled:
                self.filled[order_id] += volume
            self.m.on_fill(t, side["trade"], order_id, args["pair"], side["side"],
                           role.capitalize(), price, volume, quote, fee, side.get("feeAsset"))
            got, paid = ((pair["baseAssetId"], volume), (pair["quoteAssetId"], quote))
            if side["side"] != BUY:
                got, paid = (paid[0], paid[1]), (got[0], got[1])
            c = self.computed
            c[got[0]] = c.get(got[0], ZERO) + got[1] - (fee or ZERO)
            c[paid[0]] = c.get(paid[0], ZERO) - paid[1]

    def _balance(self, t, args) -> None:
        if args.get("account") != self.m.name:
            return
        m = self.m
        for asset, row in sorted(args["balances"].items()):
            total, explained = self.dec(row["total"]), self.computed.get(asset, ZERO)
            if m.balances.get(asset) != explained:
                m.on_balance(t, asset, explained)   # what the fills did
            if total != explained:                  # the rest: money moved in or out
                before = dict(m.balances)
                m.balances[asset] = total
                m.on_flow(t, before)
            self.computed[asset] = total
