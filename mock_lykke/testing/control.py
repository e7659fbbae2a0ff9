"""What the control API can do, as methods of the fixture object: the clock, orders as any
account, balances, flags, faults, quirks, reset; and reads of the state (orders, trades,
balances, book, snapshot, journal, events). Every call runs on the mock's loop thread."""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

ALL = 1 << 62


class Control:
    """Mixed into the fixture objects; needs `self._world` (a testing.world.World)."""

    @property
    def _ex(self):
        return self._world.mock.exchange        # read per use: a reset replaces it

    # --- control ---------------------------------------------------------------------------
    def _ctl(self, name: str, *args, **kwargs):
        return self._world.call(lambda: getattr(self._world.controller, name)(*args, **kwargs))

    def now(self) -> int:
        """The clock's time, epoch ms."""
        return self._ctl("now")

    def time(self) -> dict:
        return self._ctl("time")

    def advance(self, by=None, *, to=None) -> dict:
        """Virtual clock: move by `by` (ms, or a duration such as "1.5s") or to `to` (a clock
        time: "5m" from the start, or ISO-8601), running every timer due on the way."""
        return self._ctl("advance", by, to)

    def reset(self) -> dict:
        """Back to the scenario's start: a new exchange, same seed; open streams end."""
        return self._ctl("reset")

    def place_limit(self, account: str, pair_id: str, side: str, volume, price) -> str:
        """A limit order as `account`; returns its id. ControlError if the engine refuses."""
        return self._ctl("place_limit", account, pair_id, side, volume, price)

    def place_market(self, account: str, pair_id: str, side: str, volume) -> tuple[str, float]:
        """A market order as `account`; returns (order id, average price)."""
        return self._ctl("place_market", account, pair_id, side, volume)

    def place_bulk(self, account: str, pair_id: str, orders: list, cancel_previous=False,
                   cancel_mode=None):
        """orders: [{"side", "volume", "price", "oldId"?}]; returns the engine's BulkResult."""
        return self._ctl("place_bulk", account, pair_id, orders, cancel_previous, cancel_mode)

    def cancel_order(self, order_id: str, account: str | None = None) -> None:
        self._ctl("cancel_order", order_id, account)

    def cancel_all(self, account: str, pair_id: str | None = None, side=None) -> int:
        return self._ctl("cancel_all", account, pair_id, side)

    def set_balance(self, account: str, asset_id: str, amount) -> None:
        self._ctl("set_balance", account, asset_id, amount)

    def deposit(self, account: str, asset_id: str, amount) -> str:
        return self._ctl("deposit", account, asset_id, amount)

    def set_account(self, account: str, **flags) -> dict:
        """Flags: blocked, kycRequired, pendingDialogs (bool), depositState."""
        return self._ctl("set_account", account, flags)

    def set_mid(self, pair_id: str, mid) -> list[dict]:
        """A price shock: the pair's market makers jump to `mid` and requote now."""
        return self._ctl("set_mid", pair_id, mid)

    def add_fault(self, spec: dict | None = None, **fields) -> int:
        """Inject a fault (a scenario `faults` entry: method/route, outcome, narrowing);
        returns its id. E.g. add_fault(method="PlaceLimitOrder", grpcStatus="UNAVAILABLE",
        times=1)."""
        return self._ctl("add_fault", {**(spec or {}), **fields})["id"]

    def faults(self) -> list[dict]:
        """The faults with their counters: `fired`, `calls`, `messages`."""
        return self._ctl("faults_list")

    def remove_fault(self, fault_id: int) -> None:
        self._ctl("remove_fault", fault_id)

    def clear_faults(self) -> None:
        self._ctl("clear_faults")

    def quirks(self) -> dict[str, bool]:
        return self._ctl("quirks")

    def set_quirks(self, quirks: dict | None = None, **switches) -> dict[str, bool]:
        """Switch quirks: set_quirks({"negative-ask-volumes": False}) or, with _ for -,
        set_quirks(negative_ask_volumes=False)."""
        changes = {**(quirks or {}), **{k.replace("_", "-"): v for k, v in switches.items()}}
        return self._ctl("set_quirks", changes)

    # --- reading the state -----------------------------------------------------------------
    def account(self, name: str) -> dict:
        """{name, apiKey, walletId, ..., balances: {asset: {total, reserved}}}."""
        return self._world.call(lambda: self._world.controller.describe_account(
            self._world.controller.account(name)))

    def balance(self, account: str, asset_id: str) -> Decimal:
        """The account's whole balance of the asset (0 if it has none)."""
        def read():
            bal = self._world.controller.account(account).balance(asset_id)
            return bal.total if bal is not None else Decimal(0)
        return self._world.call(read)

    def _order_test(self, account, pair_id, side, price, status) -> Callable:
        """A predicate on engine orders (run on the loop thread)."""
        wallet = self._world.controller.account(account).wallet_id if account is not None else None
        statuses = None if status is None else ({status} if isinstance(status, str)
                                                 else set(status))
        price = Decimal(str(price)) if price is not None else None
        return lambda o: ((wallet is None or o.wallet_id == wallet)
                          and (pair_id is None or o.pair_id == pair_id)
                          and (side is None or o.side == side)
                          and (price is None or o.price == price)
                          and (statuses is None or o.status in statuses))

    def _find_orders(self, order_id, account, pair_id, side, price, status) -> list:
        test = self._order_test(account, pair_id, side, price, status)
        history = self._ex.history
        if order_id is not None:
            order = history.orders.get(order_id)
            return [order.view()] if order is not None and test(order) else []
        return [o.view() for o in history.orders.values() if test(o)]

    def order(self, order_id: str):
        """The order (an engine OrderView: status, remaining, filled...) or None."""
        found = self._world.call(self._find_orders, order_id, None, None, None, None, None)
        return found[0] if found else None

    def orders(self, account: str | None = None, *, pair_id: str | None = None,
               side: str | None = None, price=None, status=None) -> list:
        """Orders (OrderViews), oldest first. status: a status ("Placed", "PartiallyMatched",
        "Matched", "Cancelled", "Replaced") or a set of them, e.g. testing.ACTIVE."""
        return self._world.call(self._find_orders, None, account, pair_id, side, price, status)

    def trades(self, account: str, order_id: str | None = None) -> list:
        """The account's trades (engine Trades), oldest first; of one order if given."""
        def read():
            wallet = self._world.controller.account(account).wallet_id
            history = self._ex.history
            if order_id is not None:
                return list(reversed(history.order_trades(wallet, order_id)))
            return list(reversed(history.trades(wallet, None, None, 0, ALL, None, None)))
        return self._world.call(read)

    def orderbook(self, pair_id: str):
        """The pair's book now: .bids / .asks as (price, volume) per order, best first."""
        return self._world.call(lambda: self._ex.orderbook(pair_id))

    def snapshot(self) -> dict:
        """The canonical state dump (GET /_mock/state)."""
        return self._ctl("snapshot")

    def journal(self, since: int = 0, limit: int = 1000) -> list[dict]:
        """Journal entries {n, t, cmd, args} with n > since: every accepted command."""
        return self._ctl("journal_entries", since, limit)["entries"]

    def health(self) -> dict:
        return self._ctl("health")

    @property
    def event_count(self) -> int:
        """How many engine events happened so far (a cursor for next_event(after=...))."""
        return self._world.call(lambda: self._world.event_count)

    def events(self, since: int = 0) -> list:
        """The engine events (mock_lykke.engine.events) from index `since` on (the last
        10 000 are kept)."""
        return self._world.call(self._world.events_since, since)
