"""Tracking for dry-runs: notes in the journal that say why things happened.

A Tracker listens to one exchange (its events) and wraps its order commands on the instance
(to see results and rejections); the fronts tell it about API calls (mock_lykke/latency.py).
It writes the notes of docs/dryrun.md (`call`, `order`, `fill`, `reject`, `closed`,
`balance`, `price`); `mock-lykke replay` skips them. Notes caused by one command are written
right after that command's own entry.
"""
from __future__ import annotations

import inspect
from contextlib import contextmanager

from .engine import events as ev
from .engine.errors import ApiError, Code, ME_MESSAGES
from .engine.orders import CANCELLED, REPLACED
from .track_rules import fill_rule, queue_ahead, reject_rule

COMMANDS = ("place_limit", "place_market", "place_bulk", "cancel_order", "cancel_all")


class CallInfo:
    """One API call as the tracker notes it."""
    __slots__ = ("id", "via", "method", "account", "arrived", "engine", "request", "response",
                 "result", "code", "message", "status")

    def __init__(self, id, via, method, account, arrived, request, response):
        self.id, self.via, self.method, self.account = id, via, method, account
        self.arrived, self.engine = arrived, None
        self.request, self.response = request, response
        self.result, self.code, self.message, self.status = "ok", None, None, None

    def args(self) -> dict:
        out = {"id": self.id, "via": self.via, "method": self.method, "account": self.account,
               "arrived": self.arrived, "engine": self.engine,
               "latency": {"request": self.request, "response": self.response},
               "result": self.result}
        for key in ("code", "message", "status"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


class Tracker:
    def __init__(self, journal, accounts=None):
        self.journal = journal
        self.accounts = set(accounts) if accounts is not None else None
        self.ex = None
        self.current: CallInfo | None = None
        self.source: str | None = None     # who runs commands now, when not an API call
        self.calls = 0
        self.fills = 0                 # fill notes written (a tracked account on a side)
        self.fill_rows: dict[str, int] = {}    # per tracked account: its fills (a self-trade: 2)
        self.rejections = 0            # of tracked accounts
        self._known: set[str] = set()  # tracked orders already noted
        self._depth = 0
        self._buffer: list = []

    def header(self) -> dict:
        return {"accounts": sorted(self.accounts) if self.accounts is not None else None}

    def tracked(self, name: str) -> bool:
        return self.accounts is None or name in self.accounts

    # --- attaching to an exchange (again after each reset) --------------------------------
    def attach(self, ex) -> None:
        self.ex = ex
        self.current = None
        for name in COMMANDS:
            setattr(ex, name, self._wrap(name, getattr(ex, name)))
        ex.subscribe(self._on_events)

    def _wrap(self, name: str, original):
        signature = inspect.signature(original)

        def command(*args, **kwargs):
            self._depth += 1
            try:
                result = original(*args, **kwargs)
            except ApiError as e:
                self._rejected(name, signature.bind(*args, **kwargs).arguments, e)
                raise
            else:
                if name == "place_bulk":
                    self._bulk(signature.bind(*args, **kwargs).arguments, result)
                return result
            finally:
                self._depth -= 1
                if not self._depth:
                    self._flush()
        command.__name__ = name
        return command

    # --- notes ------------------------------------------------------------------------
    def _note(self, cmd: str, args: dict) -> None:
        t = self.ex.clock.now()
        if self._depth:
            self._buffer.append((t, cmd, args))
        else:
            self.journal.record(t, cmd, args)

    def _flush(self) -> None:
        buffer, self._buffer = self._buffer, []
        for t, cmd, args in buffer:
            self.journal.record(t, cmd, args)

    def current_id(self) -> int | None:
        return self.current.id if self.current is not None else None

    @contextmanager
    def acting(self, source: str):
        """Commands run inside are the mock's own (a timeline step, a participant, the control
        API): their rejections are noted for any account, with this source. An outer source
        stays (a timeline step goes through the control API's methods)."""
        if self.source is not None:
            yield
            return
        self.source = source
        try:
            yield
        finally:
            self.source = None

    def _noted(self, account_name: str) -> bool:
        """Whether a rejection for this account is noted: a tracked account's, or any the
        mock's own commands met."""
        return self.tracked(account_name) or (self.current is None and self.source is not None)

    def refused(self, source: str, command: str, message: str, account: str | None = None,
                pair: str | None = None) -> None:
        """A reject note for what the mock refused before the engine saw it (an unknown order,
        no market maker for setMid...): no code, the refusal as the rule."""
        if account is not None and self.tracked(account):
            self.rejections += 1
        self._note("reject", {
            "account": account, "command": command, "pair": pair, "side": None,
            "price": None, "volume": None, "order": None, "code": None, "codeName": None,
            "message": message, "field": None, "rule": f"refused by the mock: {message}",
            "call": None, "source": source})

    # --- API calls (from mock_lykke.latency.CallLegs) -----------------------------------------
    def begin_call(self, via: str, method: str, account, request_ms, response_ms) -> CallInfo:
        self.calls += 1
        return CallInfo(self.calls, via, method, account.name if account is not None else None,
                        self.ex.clock.now(), request_ms, response_ms)

    def run_call(self, info: CallInfo, fn):
        """Run the engine part of a call; what it causes is noted with the call's id."""
        info.engine = self.ex.clock.now()
        self.current = info
        try:
            return fn()
        finally:
            self.current = None

    def end_call(self, info: CallInfo) -> None:
        self._note("call", info.args())

    # --- rejections ---------------------------------------------------------------------
    def _rejected(self, command: str, args: dict, e: ApiError) -> None:
        account = args.get("account")
        if account is None or not self._noted(account.name):
            return
        self.rejections += self.tracked(account.name)
        self._note("reject", {
            "account": account.name, "command": command, "pair": args.get("pair_id"),
            "side": args.get("side"), "price": args.get("price"), "volume": args.get("volume"),
            "order": args.get("order_id"), "code": int(e.code), "codeName": e.code.name,
            "message": e.message, "field": e.field,
            "rule": reject_rule(self.ex, command, args, e.code, e.message, e.field),
            "call": self.current_id(), "source": self.source})

    def _bulk(self, args: dict, result) -> None:
        account = args["account"]
        if not self._noted(account.name):
            return
        if result.code != Code.success:
            self._rejected("place_bulk", args, ApiError.me(Code(result.code)))
            return
        for item, status in zip(args["items"], result.statuses):
            if status.code == Code.success:
                continue
            code = Code(status.code)
            self.rejections += self.tracked(account.name)
            item_args = {"account": account, "pair_id": args["pair_id"], "side": item.side,
                         "price": item.price, "volume": item.volume}
            message = ME_MESSAGES.get(code, code.name)
            self._note("reject", {
                "account": account.name, "command": "place_bulk", "pair": args["pair_id"],
                "side": item.side, "price": item.price, "volume": item.volume,
                "order": status.id, "code": int(code), "codeName": code.name,
                "message": message, "field": None,
                "rule": reject_rule(self.ex, "place_bulk", item_args, code, message),
                "call": self.current_id(), "source": self.source})

    # --- events -------------------------------------------------------------------------
    def _on_events(self, events: list) -> None:
        new, closed, trades, balances, prices = [], [], [], [], []
        for e in events:
            kind = type(e)
            if kind is ev.OrdersChanged:
                self._orders(e, new, closed)
            elif kind is ev.TradesExecuted:
                trades.extend(e.trades)
            elif kind is ev.BalancesChanged:
                balances.append(e)
            elif kind is ev.PriceChanged:
                prices.append(e)
        for args in new:
            self._note("order", args)
        if trades:
            self._fills(trades)
        for args in closed:
            self._note("closed", args)
        for e in balances:
            name = self.ex.accounts[e.wallet_id].name
            if self.tracked(name):
                self._note("balance", {"account": name, "balances": {
                    b.asset_id: {"total": b.total, "reserved": b.reserved} for b in e.balances}})
        for e in prices:
            self._note("price", {"pair": e.pair_id, "bid": e.bid, "ask": e.ask})

    def _orders(self, e: ev.OrdersChanged, new: list, closed: list) -> None:
        name = self.ex.accounts[e.wallet_id].name
        if not self.tracked(name):
            return
        call = self.current_id()
        for view in e.orders:
            if view.id not in self._known:
                self._known.add(view.id)
                ahead = queue_ahead(self.ex, self.ex.history.orders[view.id])
                new.append({"order": view.id, "account": name, "pair": view.pair_id,
                            "side": view.side, "type": view.type, "price": view.price,
                            "volume": view.volume, "status": view.status,
                            "remaining": view.remaining,
                            "queueAhead": ahead[0] if ahead else None,
                            "ordersAhead": ahead[1] if ahead else None, "call": call})
            elif view.status in (CANCELLED, REPLACED):
                closed.append({"order": view.id, "status": view.status,
                               "remaining": view.remaining, "call": call})

    def _fills(self, trades: list) -> None:
        """Each match made two trades, maker then taker, one after the other."""
        trades.sort(key=lambda t: t.seq)
        orders, accounts = self.ex.history.orders, self.ex.accounts
        for maker_trade, taker_trade in zip(trades[::2], trades[1::2]):
            maker_name = accounts[maker_trade.wallet_id].name
            taker_name = accounts[taker_trade.wallet_id].name
            if not (self.tracked(maker_name) or self.tracked(taker_name)):
                continue
            self.fills += 1
            for name in {maker_name, taker_name}:
                if self.tracked(name):
                    self.fill_rows[name] = self.fill_rows.get(name, 0) + (
                        2 if maker_name == taker_name else 1)
            maker, taker = orders[maker_trade.order_id], orders[taker_trade.order_id]
            self._note("fill", {
                "pair": maker_trade.pair_id, "price": maker_trade.price,
                "volume": maker_trade.base_volume, "quoteVolume": maker_trade.quote_volume,
                "takerSide": taker.side, "rule": fill_rule(maker, taker, maker_trade.price),
                "maker": {"order": maker.id, "account": maker_name, "side": maker.side,
                          "trade": maker_trade.id, "fee": maker_trade.fee_size,
                          "feeAsset": maker_trade.fee_asset, "since": maker.created},
                "taker": {"order": taker.id, "account": taker_name, "side": taker.side,
                          "type": taker.type,
                          "limit": taker.price if taker.type == "Limit" else None,
                          "trade": taker_trade.id, "fee": taker_trade.fee_size,
                          "feeAsset": taker_trade.fee_asset},
                "call": self.current_id()})
