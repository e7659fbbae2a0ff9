"""One account's results from a journal alone: replay its commands into an engine, read the
engine after each entry, and read the dry-run notes (calls, rejections) the journal carries.

Money is exact (`Decimal`); the float arrays are only for plotting. Definitions: docs/report.md.
"""
from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_right
from collections import Counter, deque
from decimal import Context, Decimal, localcontext
from pathlib import Path

try:
    from orjson import loads as _loads
except ImportError:                             # optional: the report extra brings it
    from json import loads as _loads

from ..engine.clock import VirtualClock
from ..engine.orders import ACTIVE, BUY
from ..journal import ENGINE_COMMANDS, FORMAT, ReplayError, apply_entry
from ..scenario.build import setup_exchange

ZERO = Decimal(0)
REPLAYED = frozenset(ENGINE_COMMANDS) | {"clock", "reset", "set_account", "set_quirks"}
ORDER_COMMANDS = frozenset({"place_limit", "place_market", "place_bulk"})
FLOW_COMMANDS = frozenset({"set_balance", "deposit", "create_withdrawal"})
ORDER_TYPES = {"place_limit": "Limit", "place_market": "Market", "place_bulk": "Limit"}
CTX = Context(prec=40)                      # divisions (mids, inverse prices, ratios)
ONE, TWO = Decimal(1), Decimal(2)
_ACCOUNT = re.compile(r'"args":\{"account":"([^"]*)"')


def read_lines(path: str | Path):
    """(header, iterator of entries), reading the file as it goes (with orjson when it is
    installed: the journal's decimals are strings, so no float is ever made)."""
    f = open(path, "rb")
    first = f.readline()
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        f.close()
        raise ReplayError(f"{path}: not a journal ({e})") from None
    if not isinstance(header, dict) or header.get("journal") != FORMAT:
        f.close()
        raise ReplayError(f"{path}: not a mock-lykke journal (format {FORMAT})")

    def entries():
        with f:
            for n, line in enumerate(f, 2):
                if len(line) > 1:
                    try:
                        yield _loads(line)
                    except ValueError as e:
                        raise ReplayError(f"{path}:{n}: not JSON ({e})") from None
    return header, entries()


def _participant_accounts(scenario: dict) -> set[str]:
    out = set()
    for spec in scenario.get("market") or []:
        out.update(n for n in (spec.get("account"), spec.get("takerAccount")) if n)
    for spec in scenario.get("orders") or []:
        out.add(spec.get("account"))
    for step in scenario.get("timeline") or []:
        for body in step.values():
            if isinstance(body, dict) and body.get("account"):
                out.add(body["account"])
    return out


def find_account(path: str | Path, header: dict) -> str:
    """The bot: the dry-run's account, else the only tracked account, else among the accounts
    that place orders and are no market participant `trader` or the first; else the first."""
    dry = header.get("dryrun") or {}
    if dry.get("account"):
        return dry["account"]
    tracked = (header.get("track") or {}).get("accounts") or []
    if len(tracked) == 1:
        return tracked[0]
    scenario = header["scenario"]
    names = [a["name"] for a in scenario.get("accounts") or []]
    if not names:
        raise ReplayError("the journal's scenario has no accounts")
    skip = _participant_accounts(scenario)
    placing: dict[str, None] = {}
    with open(path, encoding="utf-8") as f:
        next(f, None)
        for line in f:
            if '"cmd":"place_' in line:
                found = _ACCOUNT.search(line)
                if found and found.group(1) in names and found.group(1) not in skip:
                    placing[found.group(1)] = None
    if "trader" in placing or (not placing and "trader" in names):
        return "trader"
    return next(iter(placing), names[0])


def valuation_asset(scenario: dict) -> str:
    """The quote asset most pairs share (the first pair's on a tie)."""
    quotes = [p["quoteAssetId"] for p in scenario.get("assetPairs") or []]
    if not quotes:
        raise ReplayError("the journal's scenario has no asset pairs")
    counts = Counter(quotes)
    return max(quotes, key=lambda q: (counts[q], -quotes.index(q)))


def routes(scenario: dict, target: str) -> dict[str, list[tuple[str, bool]]]:
    """For each asset, the pairs that price it in `target` (shortest path):
    [(pair, inverted)], the asset's price being the product of mids (1/mid when inverted)."""
    pairs = [(p["assetPairId"], p["baseAssetId"], p["quoteAssetId"])
             for p in scenario.get("assetPairs") or [] if not p.get("disabled")]
    out = {target: []}
    todo = deque([target])
    while todo:
        asset = todo.popleft()
        for pair_id, base, quote in pairs:
            if quote == asset and base not in out:         # base = mid x quote
                out[base] = [(pair_id, False)] + out[asset]
                todo.append(base)
            elif base == asset and quote not in out:       # quote = base / mid
                out[quote] = [(pair_id, True)] + out[asset]
                todo.append(quote)
    return out


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
        self.mids: dict[str, MidHistory] = {}
        self.orders: dict[str, dict] = {}          # id -> row, in creation order
        self.rejects: list[dict] = []
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
        """The dry-run notes both sources read: API calls and rejections."""
        if cmd == "call":
            self.calls[args.get("id")] = args
        elif cmd == "reject" and args.get("account") == self.name:
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
        prices: dict = {}
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
        rows = list(self.orders.values()) + self.rejects
        rows.sort(key=lambda r: r["t"])
        return rows

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
        pnl = trading = None
        if self.equity is not None:
            pnl = self.equity - self.equity_start
            trading = self.value({a: self.inventory(a) for a in end_marks}, dict(end_marks))
        unpriced = sorted(a for a, v in self.balances.items() if v and a not in self.routes)
        def money(d):
            return _fmt(d, MONEY)
        return {
            "account": self.name, "valuationAsset": self.quote,
            "from": self.start_t, "to": self.end_t,
            "equityStart": money(self.equity_start), "equityEnd": money(self.equity),
            "pnl": money(pnl), "pnlBeforeFees": money(None if pnl is None else pnl + fees_value),
            "tradingPnl": money(trading),
            "fees": money(fees_value),
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


class NotesSource:
    """Reads a dry-run journal's notes (docs/dryrun.md) for a tracked account: no engine at
    all. A balance that differs from what the fills explain is money moved in or out."""

    def __init__(self, m: Metrics):
        self.m = m
        self.computed = dict(m.initial)             # balances as the fills explain them
        self.filled: dict[str, Decimal] = {}      # per order of the account, from its fills
        self.closed: dict[str, str] = {}
        self.last_t: int | None = None

    def feed(self, entry: dict) -> None:
        m = self.m
        cmd, t = entry.get("cmd"), entry.get("t")
        m.on_time(t)
        args = entry.get("args") or {}
        if cmd in REPLAYED:                         # a command: the notes so far are done
            if m.dirty:
                m.mark(self.last_t)
            self.last_t = t
            if cmd == "reset":
                before = dict(m.balances)
                m.balances, self.computed = dict(m.initial), dict(m.initial)
                m.reset()
                m.on_flow(t, before)
            return
        self.last_t = t
        handler = getattr(self, "_" + cmd, None)
        if handler is not None:
            handler(t, args)
        else:
            m.on_note(cmd, args, t)

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
        self.m.on_price(t, args["pair"], _dec(args["bid"]), _dec(args["ask"]))

    def _order(self, t, args) -> None:
        if args.get("account") != self.m.name:
            return
        self.filled[args["order"]] = ZERO
        self.m.on_order(args["order"], t, args["pair"], args["side"], args["type"],
                        _dec(args["price"]), _dec(args["volume"]), args["status"],
                        _dec(args.get("queueAhead")), args.get("call"))

    def _closed(self, t, args) -> None:
        if args["order"] in self.filled:
            self.closed[args["order"]] = args["status"]

    def _fill(self, t, args) -> None:
        pair = self.m.pair_info[args["pair"]]
        price, volume, quote = _dec(args["price"]), _dec(args["volume"]), _dec(args["quoteVolume"])
        for role in ("maker", "taker"):
            side = args[role]
            if side["account"] != self.m.name:
                continue
            fee = _dec(side.get("fee"))
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
            total, explained = _dec(row["total"]), self.computed.get(asset, ZERO)
            if m.balances.get(asset) != explained:
                m.on_balance(t, asset, explained)   # what the fills did
            if total != explained:                  # the rest: money moved in or out
                before = dict(m.balances)
                m.balances[asset] = total
                m.on_flow(t, before)
            self.computed[asset] = total


def _ratio(a: Decimal, b: Decimal) -> Decimal | None:
    return (a / b).quantize(Decimal("1e-10")) if b else None


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def collect(path: str | Path, account: str | None = None, valuation: str | None = None,
            source: str = "auto") -> Metrics:
    """Measure `account` (default: the bot, find_account) over the journal at `path`: from
    its notes when it is a tracked account of a dry-run journal ("notes"), else by replaying
    its commands into an engine ("replay"); `source` forces one."""
    header, entries = read_lines(path)
    m = Metrics(header, account or find_account(path, header), valuation)
    if source == "auto":
        tracked = header.get("track")
        source = "notes" if tracked is not None and (
            tracked.get("accounts") is None or m.name in tracked["accounts"]) else "replay"
    feeder = NotesSource(m) if source == "notes" else ReplaySource(m)
    for entry in entries:
        feeder.feed(entry)
    if source == "notes":
        feeder.finish(m.end_t)
    else:
        feeder.finish()
    m.source = source
    return m
