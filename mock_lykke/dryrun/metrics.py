"""One account's results from a journal alone: the numbers the sources feed in (from_notes:
the dry-run notes the journal carries; from_replay: its commands replayed into an engine).

Money is exact (`Decimal`); the float arrays are only for plotting. Definitions: docs/report.md.
"""
from __future__ import annotations

from array import array
from bisect import bisect_right
from decimal import Context, Decimal, localcontext
from operator import itemgetter
from pathlib import Path

from ..engine.orders import BUY
from ..gc_pause import no_gc
from ..journal import ReplayError
from .entries import ZERO
from .reading import feed_entries, find_account, read_header, routes, valuation_asset

ORDER_TYPES = {"place_limit": "Limit", "place_market": "Market", "place_bulk": "Limit"}
CTX = Context(prec=40)                      # divisions (mids, inverse prices, ratios)
ONE, TWO = Decimal(1), Decimal(2)
MONEY = Decimal("1e-12")


def _fmt(d, quantum: Decimal | None = None) -> str | None:
    """Plain text without trailing zeros; money is rounded to 12 decimals (it is exact unless
    an inverted pair's price divided it)."""
    if d is None:
        return None
    if quantum is not None:
        d = d.quantize(quantum, context=CTX)
    d = d.normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "0") else text


class MidHistory:
    """A pair's mid price over time, exact: mids as integers (bid + ask) x 10^accuracy."""
    __slots__ = ("times", "doubled", "scale")

    def __init__(self, accuracy: int):
        self.times = array("q")
        self.doubled = array("q")
        self.scale = accuracy

    def add(self, t: int, bid: Decimal, ask: Decimal) -> None:
        self.times.append(t)
        self.doubled.append(int((bid + ask).scaleb(self.scale)))

    def at(self, t: int) -> Decimal | None:
        """The mid after every change at or before t."""
        i = bisect_right(self.times, t) - 1
        return None if i < 0 else self.mid(i)

    def mid(self, i: int) -> Decimal:
        return Decimal(self.doubled[i]).scaleb(-self.scale) / 2


class Metrics:
    """One account's numbers, fed by a source (`ReplaySource` or `NotesSource`) through the
    `on_*` methods; `summary()`, `order_rows()`, `fills` and the float series when done."""

    def __init__(self, header: dict, account: str, valuation: str | None = None):
        self.header = header
        self.scenario = header["scenario"]
        self.name = account
        names = [a["name"] for a in self.scenario.get("accounts") or []]
        if account not in names:
            raise ReplayError(f"no account {account!r} in the journal (accounts: "
                              f"{', '.join(names)})")
        spec = next(a for a in self.scenario["accounts"] if a["name"] == account)
        self.initial = {k: Decimal(str(v)) for k, v in (spec.get("balances") or {}).items()}
        self.quote = valuation or valuation_asset(self.scenario)
        self.routes = routes(self.scenario, self.quote)
        self.pair_info = {p["assetPairId"]: p for p in self.scenario.get("assetPairs") or []}
        self.balances = dict(self.initial)
        self.fees: dict[str, Decimal] = {}
        self.flows = ZERO                           # their value when they happened
        self.moved: dict[str, Decimal] = {}         # money moved in (+) or out, per asset
        self.marks: dict[str, Decimal] = {}
        self.prices: dict[str, Decimal] = {}       # asset prices at these marks (for mark())
        self.mids: dict[str, MidHistory] = {}
        self.orders: dict[str, dict] = {}          # id -> row, in creation order
        self.rejects: list[dict] = []
        self._rows: list[dict] | None = None        # order_rows(), sorted once
        self.fills: list[dict] = []
        self.calls: dict[int, dict] = {}
        self.max_inventory: dict[str, Decimal] = {}
        self.start_t: int | None = None
        self.end_t: int | None = None
        self.equity_start: Decimal | None = None
        self.equity: Decimal | None = None
        self.peak: Decimal | None = None
        self.max_dd = ZERO
        self.max_dd_frac = ZERO
        # float copies for the plots (equity less the money moved in or out)
        self.eq_t, self.eq_net, self.eq_gross = array("q"), array("d"), array("d")
        self.inv: dict[str, tuple[array, array]] = {}
        self.dirty = False
        self.source: str | None = None              # "notes" or "replay", once collected

    # --- what the sources report ----------------------------------------------------------
    def on_time(self, t) -> None:
        if t is not None:
            if self.start_t is None:
                self.start_t = t
            self.end_t = t if self.end_t is None else max(self.end_t, t)

    def on_price(self, t: int, pair_id: str, bid: Decimal, ask: Decimal) -> None:
        """A pair's best bid / ask changed (a zero side: the last mid stands)."""
        if not (bid and ask):
            return
        self.marks[pair_id] = CTX.divide(bid + ask, TWO)
        self.prices.clear()
        hist = self.mids.get(pair_id)
        if hist is None:
            acc = int(self.pair_info[pair_id]["priceAccuracy"])
            hist = self.mids[pair_id] = MidHistory(acc)
        hist.add(t, bid, ask)
        self.dirty = True

    def on_balance(self, t: int, asset: str, total: Decimal, record: bool = True) -> None:
        self.balances[asset] = total
        if record:
            self._inventory(t, asset)
        self.dirty = True

    def on_flow(self, t: int, before: dict) -> None:
        """Money in or out (deposits, set_balance, withdrawals, resets) since `before`: not
        profit, and not inventory."""
        for asset in sorted(set(before) | set(self.balances)):
            delta = self.balances.get(asset, ZERO) - before.get(asset, ZERO)
            if delta:
                self.moved[asset] = self.moved.get(asset, ZERO) + delta
                price = self.price(asset)
                if price is not None:
                    self.flows = CTX.add(self.flows, CTX.multiply(delta, price))
                self._inventory(t, asset)
        self.dirty = True

    def on_order(self, order_id: str, t: int, pair: str, side: str, type_: str, price, volume,
                 status: str, queue_ahead, call) -> None:
        """A new order of the account; its mid at arrival is the mark before it."""
        self._rows = None
        self.orders[order_id] = {
            "id": order_id, "t": t, "pair": pair, "side": side, "type": type_, "price": price,
            "volume": volume, "filled": ZERO, "status": status, "queueAhead": queue_ahead,
            "arrivalMid": self.marks.get(pair), "call": call, "rejectReason": None}

    def on_fill(self, t: int, trade: str, order_id: str, pair: str, side: str, role: str,
                price, volume, quote_volume, fee, fee_asset) -> None:
        order = self.orders.get(order_id) or {}
        quote = self.pair_info[pair]["quoteAssetId"]
        self.fills.append({
            "t": t, "trade": trade, "order": order_id, "pair": pair, "side": side,
            "role": role, "price": price, "volume": volume, "quoteVolume": quote_volume,
            "fee": fee or None, "feeAsset": fee_asset if fee else None,
            "queueAhead": order.get("queueAhead"), "arrivalMid": order.get("arrivalMid"),
            "quoteRate": self.price(quote)})
        if fee:
            self.fees[fee_asset] = self.fees.get(fee_asset, ZERO) + fee
        self.dirty = True

    def on_note(self, cmd: str, args: dict, t) -> None:
        """The dry-run notes both sources read: API calls and rejections (the account's own:
        not those of the mock's timeline, participants or control API)."""
        if cmd == "call":
            self.calls[args.get("id")] = args
        elif cmd == "reject" and args.get("account") == self.name and not args.get("source"):
            self._rows = None
            self.rejects.append({
                "id": args.get("order"), "t": t, "pair": args.get("pair"),
                "side": args.get("side"), "type": ORDER_TYPES.get(args.get("command"), ""),
                "price": _dec(args.get("price")), "volume": _dec(args.get("volume")),
                "filled": ZERO, "status": "Rejected", "queueAhead": None, "arrivalMid": None,
                "call": args.get("call"),
                "rejectReason": f"{args.get('message')} ({args.get('code')})"})

    def reset(self) -> None:
        """The world was rebuilt: balances as at load, no marks yet."""
        self.marks.clear()
        self.prices.clear()
        self.dirty = True

    def _inventory(self, t: int, asset: str) -> None:
        inv = self.inventory(asset)
        if abs(inv) > self.max_inventory.get(asset, ZERO) or asset not in self.max_inventory:
            self.max_inventory[asset] = abs(inv)
        ts, vs = self.inv.setdefault(asset, (array("q"), array("d")))
        ts.append(t)
        vs.append(float(inv))

    def inventory(self, asset: str) -> Decimal:
        """What trading changed of a balance: now, less at the start, less money moved."""
        return (self.balances.get(asset, ZERO) - self.initial.get(asset, ZERO)
                - self.moved.get(asset, ZERO))

    # --- marking to market ----------------------------------------------------------------
    def price(self, asset: str) -> Decimal | None:
        route = self.routes.get(asset)
        if route is None:
            return None
        price = ONE
        for pair_id, inverted in route:
            mid = self.marks.get(pair_id)
            if mid is None:
                return None
            price = CTX.divide(price, mid) if inverted else CTX.multiply(price, mid)
        return price

    def value(self, amounts: dict, prices: dict) -> Decimal | None:
        total = ZERO
        for asset, amount in amounts.items():
            if not amount or asset not in self.routes:
                continue
            price = prices.get(asset)
            if price is None:
                price = prices[asset] = self.price(asset)
                if price is None:
                    return None
            total = CTX.add(total, CTX.multiply(amount, price))
        return total

    def mark(self, t: int) -> None:
        """Mark the account to market at t (after each journal entry that changed anything)."""
        self.dirty = False
        prices = self.prices
        net = self.value(self.balances, prices)
        fees = self.value(self.fees, prices)
        if net is None or fees is None:
            return
        net = CTX.subtract(net, self.flows)          # less the money moved in or out
        gross = CTX.add(net, fees)
        if self.equity_start is None:
            self.equity_start = net
        self.equity = net
        if self.peak is None or net > self.peak:
            self.peak = net
        dd = self.peak - net
        if dd > self.max_dd:
            self.max_dd = dd
            if self.peak > 0:
                self.max_dd_frac = CTX.divide(dd, self.peak)
        net, gross = float(net), float(gross)
        if self.eq_t and self.eq_t[-1] == t:
            self.eq_net[-1], self.eq_gross[-1] = net, gross
        else:
            self.eq_t.append(t)
            self.eq_net.append(net)
            self.eq_gross.append(gross)

    # --- results ------------------------------------------------------------------------------
    def finish(self, t: int, final: dict) -> None:
        """Mark at the end; give orders their final (status, filled) from `final`, and orders
        and fills their calls' latency and arrival mid."""
        if self.dirty:
            self.mark(t)
        for order_id, (status, filled) in final.items():
            row = self.orders.get(order_id)
            if row is not None:
                row["status"], row["filled"] = status, filled
        for row in self.order_rows():
            call = self.calls.get(row["call"]) if row["call"] is not None else None
            row["latencyRequest"] = row["latencyResponse"] = None
            if call is None:
                continue
            latency = call.get("latency") or {}
            row["latencyRequest"] = latency.get("request")
            row["latencyResponse"] = latency.get("response")
            arrived = call.get("arrived")
            hist = self.mids.get(row["pair"])
            if arrived is not None and hist is not None and arrived < row["t"]:
                row["arrivalMid"] = hist.at(arrived)
        for fill in self.fills:
            order = self.orders.get(fill["order"])
            if order is not None:
                fill["arrivalMid"] = order["arrivalMid"]

    def order_rows(self) -> list[dict]:
        """The orders and rejections, by time (the same list until one is added)."""
        if self._rows is None:
            rows = list(self.orders.values()) + self.rejects
            rows.sort(key=itemgetter("t"))
            self._rows = rows
        return list(self._rows)

    def summary(self) -> dict:
        with localcontext(CTX):
            return self._summary()

    def _summary(self) -> dict:
        end_marks = {a: self.price(a) for a in set(self.fees) | set(self.balances)}
        fees_value = sum((amount * end_marks[a] for a, amount in self.fees.items()
                          if end_marks.get(a) is not None), ZERO)
        turnover = maker = slip = slip_base = ZERO
        for f in self.fills:
            rate = f["quoteRate"] if f["quoteRate"] is not None else ZERO
            value = f["quoteVolume"] * rate
            turnover += value
            if f["role"] == "Maker":
                maker += value
            mid = f["arrivalMid"]
            if mid is not None:
                sign = 1 if f["side"] == BUY else -1
                slip += sign * (f["price"] - mid) * f["volume"] * rate
                slip_base += mid * f["volume"] * rate
        ordered = filled = ZERO
        placed = list(self.orders.values())
        for r in placed:
            rate = end_marks.get(self.pair_info[r["pair"]]["quoteAssetId"]) or ZERO
            ordered += r["volume"] * r["price"] * rate
            filled += r["filled"] * r["price"] * rate
        change = trading = None
        if self.equity is not None:
            change = self.equity - self.equity_start
            trading = self.value({a: self.inventory(a) for a in end_marks}, dict(end_marks))
        unpriced = sorted(a for a, v in self.balances.items() if v and a not in self.routes)
        def money(d):
            return _fmt(d, MONEY)
        return {
            "account": self.name, "valuationAsset": self.quote,
            "from": self.start_t, "to": self.end_t,
            "tradingPnl": money(trading),               # the bot's own result comes first
            "fees": money(fees_value),
            "equityStart": money(self.equity_start), "equityEnd": money(self.equity),
            "equityChange": money(change),
            "equityChangeBeforeFees": money(None if change is None else change + fees_value),
            "feesByAsset": {a: _fmt(v) for a, v in sorted(self.fees.items())},
            "flows": money(self.flows),
            "turnover": money(turnover),
            "orders": len(placed), "rejected": len(self.rejects), "fills": len(self.fills),
            "fillRatio": _fmt(_ratio(filled, ordered)),
            "makerShare": _fmt(_ratio(maker, turnover)),
            "slippage": money(slip),
            "slippageBps": _fmt((slip / slip_base * 10000).quantize(Decimal("0.0001"))
                                if slip_base else None),
            "maxInventory": {a: _fmt(v) for a, v in sorted(self.max_inventory.items())},
            "finalInventory": {a: _fmt(self.inventory(a))
                               for a in sorted(set(self.balances) | set(self.initial))},
            "maxDrawdown": money(self.max_dd),
            "maxDrawdownFraction": _fmt(self.max_dd_frac.quantize(Decimal("1e-8"))),
            "unpriced": unpriced,
        }


def _ratio(a: Decimal, b: Decimal) -> Decimal | None:
    return (a / b).quantize(Decimal("1e-10")) if b else None


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def collect(path: str | Path, account: str | None = None, valuation: str | None = None,
            source: str = "auto") -> Metrics:
    """Measure `account` (default: the bot, find_account) over the journal at `path`: from
    its notes when it is a tracked account of a dry-run journal ("notes"), else by replaying
    its commands into an engine ("replay"); `source` forces one."""
    from .from_notes import NotesSource
    from .from_replay import ReplaySource
    header = read_header(path)
    m = Metrics(header, account or find_account(path, header), valuation)
    if source == "auto":
        tracked = header.get("track")
        source = "notes" if tracked is not None and (
            tracked.get("accounts") is None or m.name in tracked["accounts"]) else "replay"
    feeder = NotesSource(m) if source == "notes" else ReplaySource(m)
    with no_gc():
        feed_entries(path, feeder.feed)
        if source == "notes":
            feeder.finish(m.end_t)
        else:
            feeder.finish()
    m.source = source
    return m
