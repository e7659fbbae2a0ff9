"""The exchange: every command of the API, validated first (in the real server's order),
then applied, then announced as one batch of events.

A command either raises `ApiError` / `ServerCrash` having changed nothing, or succeeds.
Each command tells `recorders` (the journal) what it is after its checks and before its first
change (even drawing an id), so a recorder that raises leaves the exchange as it was.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Callable, Iterable

from . import events as ev
from .accounts import Account, Balance
from .book import Book
from .clock import Clock, VirtualClock
from .errors import PAIR_NOT_FOUND, ApiError, Code, ServerCrash, not_less_than_zero
from .history import History
from .ids import IdGenerator
from .market_data import PairMarket
from .numbers import ZERO, ceil_to, fits, floor_to, fmt_plain, mul, truncate, truncated_value
from .orders import (ACTIVE, BUY, CANCELLED, MATCHED, PARTIAL, REPLACED, SELL, BalanceView,
                     BulkItem, BulkResult, DepositAddress, MarketOrder, Operation, Order, OrderView,
                     PublicTrade, Trade, fast_new, new_balance_view, new_bulk_status,
                     public_trade_of, trade_of)
from .quirks import Quirks
from .reference import Asset, AssetPair, Reference

MAX_TAKE = 1000
FEES_WALLET = "fees"
CANCEL_MODES = ("notEmptySide", "bothSides", "sellSide", "buySide")
_CANCEL_SIDES = {"bothSides": frozenset({BUY, SELL}), "buySide": frozenset({BUY}),
                 "sellSide": frozenset({SELL})}
SHARED_DECIMALS = 100_000     # at most this many shared Decimals (see Exchange._share)
MAX_BULK_ITEMS = 10_000       # a limit of the mock, not the real server's (docs/fidelity.md)


def check_bulk_size(n: int) -> None:
    """A bulk order of more items is refused before anything is drawn (judging 100 000
    items would hold every other client for seconds)."""
    if n > MAX_BULK_ITEMS:
        raise ApiError(Code.invalidField, f"orders: at most {MAX_BULK_ITEMS} items in one bulk "
                       "order (a limit of the mock).", "orders")


# the events of every command, built without the frozen dataclasses' slow __init__
_orders_changed, _trades_executed = fast_new(ev.OrdersChanged), fast_new(ev.TradesExecuted)
_balances_changed, _ticker_changed = fast_new(ev.BalancesChanged), fast_new(ev.TickerChanged)
_public_trades_added = fast_new(ev.PublicTradesAdded)
_book_changed, _price_changed = fast_new(ev.BookChanged), fast_new(ev.PriceChanged)


class _Tx:
    """What one command changed; turned into events when it ends. `now` is the command's one
    time; with no listener (`full` false) only the books touched are kept (for the prices)."""
    __slots__ = ("now", "full", "orders", "trades", "balances", "public", "books", "tickers")

    def __init__(self, now: int, full: bool):
        self.now = now
        self.full = full
        self.books: dict[str, None] = {}
        if full:
            self.orders: dict[str, dict[str, Order]] = {}
            self.trades: dict[str, list[tuple]] = {}        # trade rows (orders.trade_of)
            self.balances: dict[str, dict[str, Balance]] = {}
            self.public: dict[str, list[tuple]] = {}        # public trade rows
            self.tickers: dict[str, None] = {}


class Exchange:
    def __init__(self, reference: Reference | None = None, clock: Clock | None = None,
                 seed: int = 0, quirks: Quirks | None = None):
        self.reference = reference or Reference()
        self.clock = clock or VirtualClock()
        self.ids = IdGenerator(seed)
        self.quirks = quirks or Quirks()
        self.history = History()
        self.accounts: dict[str, Account] = {}          # by wallet id
        self._by_key: dict[str, Account] = {}
        self.books: dict[str, Book] = {}
        self.markets: dict[str, PairMarket] = {}
        self.listeners: list[Callable[[list], None]] = []
        # recorders(name, args) hear every accepted command (the journal) before it changes
        # anything: one that raises aborts the command. args: the command's arguments, the
        # account given by name.
        self.recorders: list[Callable[[str, dict], None]] = []
        self._seq = 0
        self._shared: dict[Decimal, Decimal] = {}       # see _share
        self.fees = Account("fees", "", FEES_WALLET, FEES_WALLET)
        self.accounts[FEES_WALLET] = self.fees

    # --- set-up -----------------------------------------------------------------------
    def add_asset(self, asset: Asset) -> None:
        self.reference.add_asset(asset)

    def add_pair(self, pair: AssetPair) -> None:
        self.reference.add_pair(pair)
        self.books.setdefault(pair.pair_id, Book(pair.pair_id))
        self.markets.setdefault(pair.pair_id, PairMarket(pair.pair_id))

    def add_account(self, name: str, api_key: str, balances: dict[str, Decimal] | None = None,
                    maker_fee: Decimal = ZERO, taker_fee: Decimal = ZERO,
                    wallet_id: str | None = None, client_id: str | None = None) -> Account:
        if api_key in self._by_key:
            raise ValueError(f"API key of account {name!r} is already used")
        wallet_id = wallet_id or self.ids.next()
        account = Account(name, api_key, wallet_id, client_id or self.ids.next(),
                          maker_fee=maker_fee, taker_fee=taker_fee)
        now = self.clock.now()
        for asset_id, amount in (balances or {}).items():
            account.balances[asset_id] = Balance(Decimal(amount), ZERO, now)
        self.accounts[wallet_id] = account
        self._by_key[api_key] = account
        return account

    def authenticate(self, api_key: str) -> Account | None:
        """The account of an API key (opaque string), or None; blocked accounts included."""
        return self._by_key.get(api_key)

    def account(self, name: str) -> Account:
        for acc in self.accounts.values():
            if acc.name == name:
                return acc
        raise KeyError(name)

    def subscribe(self, listener: Callable[[list], None]) -> Callable[[], None]:
        """Call listener(events) after every command that changed something."""
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def _tx(self) -> _Tx:
        return _Tx(self.clock.now(), bool(self.listeners))

    def _record(self, name: str, **args) -> None:
        if self.recorders:
            account = args.get("account")
            if isinstance(account, Account):
                args["account"] = account.name
            for recorder in self.recorders:
                recorder(name, args)

    # --- lookups ----------------------------------------------------------------------
    def _pair(self, pair_id: str | None) -> AssetPair:
        pair = self.reference.pair(pair_id or "")
        if pair is None:
            raise ApiError(Code.itemNotFound, *PAIR_NOT_FOUND)
        return pair

    def _check_optional_pair(self, pair_id: str | None) -> None:
        if pair_id:
            self._pair(pair_id)

    def _accuracy(self, asset_id: str) -> int:
        asset = self.reference.assets.get(asset_id)
        return asset.accuracy if asset is not None else 8

    def _lock_for(self, pair: AssetPair, side: str, price: Decimal, volume: Decimal) -> Decimal:
        """What a resting order of this size holds: quote for buys (rounded up), base for sells."""
        if side == BUY:
            return ceil_to(mul(volume, price), self._accuracy(pair.quote))
        return volume

    # --- queries ----------------------------------------------------------------------
    def asset_pair(self, pair_id: str) -> AssetPair:
        """A listed pair by exact id, else ApiError 1100 `Asset pair not found`."""
        return self._pair(pair_id)

    def asset(self, asset_id: str) -> Asset:
        """A listed asset by exact id, else ApiError 1100 `Asset not found` (field assetId)."""
        asset = self.reference.tradable_asset(asset_id)
        if asset is None:
            raise ApiError(Code.itemNotFound, "Asset not found", "assetId")
        return asset

    def balances(self, account: Account, truncated: bool = True) -> list[BalanceView]:
        out = []
        for asset_id, bal in account.balances.items():
            total, reserved = bal.total, bal.reserved
            if truncated:
                acc = self._accuracy(asset_id)
                total, reserved = truncate(total, acc), truncate(reserved, acc)
            out.append(new_balance_view(asset_id, total, reserved, bal.timestamp))
        return out

    def _check_paging(self, pair_id: str | None, offset: int, take: int) -> None:
        self._check_optional_pair(pair_id)
        if offset < 0:
            raise not_less_than_zero("offset")
        if take < 0:
            raise not_less_than_zero("take")
        if take > MAX_TAKE:
            raise ApiError(Code.invalidField, f"take '{take}' is too big, maximum is '{MAX_TAKE}'.",
                           "take")

    def orders(self, account: Account, active: bool, pair_id: str | None = None, offset: int = 0,
               take: int = 100) -> list[OrderView]:
        self._check_paging(pair_id, offset, take)
        return self.history.list_orders(account.wallet_id, active, pair_id or None, offset, take)

    def get_order(self, account: Account, order_id: str) -> OrderView | None:
        """The caller's order, or None (another account's order is as missing as an unknown one)."""
        order = self.history.orders.get(order_id)
        if order is None or order.wallet_id != account.wallet_id:
            return None
        return order.view()

    def trades(self, account: Account, pair_id: str | None = None, side: str | None = None,
               offset: int = 0, take: int = 100, from_ms: float | None = None,
               to_ms: float | None = None) -> list[Trade]:
        self._check_paging(pair_id, offset, take)
        return self.history.trades(account.wallet_id, pair_id or None, side, offset, take,
                                   from_ms, to_ms)

    def order_trades(self, account: Account, order_id: str) -> list[Trade]:
        return self.history.order_trades(account.wallet_id, order_id)

    def public_trades(self, pair_id: str, offset: int = 0, take: int = 100) -> list[PublicTrade]:
        """No validation: unknown pairs and negative paging give an empty list."""
        if offset < 0 or take < 0:
            return []
        return self.history.public_trades(pair_id, offset, take)

    def operations(self, account: Account, offset: int = 0, take: int = 100) -> list[Operation]:
        if offset < 0 or take < 0:
            raise ServerCrash("negative paging in the operations history query")
        return self.history.operations(account.wallet_id, offset, take)

    def orderbook(self, pair_id: str, depth: int = 0) -> ev.BookChanged:
        """One pair's book (pair must be known): per-order entries, asks as positive volumes."""
        pair = self._pair(pair_id)
        book = self.books[pair.pair_id]
        depth = depth if depth and depth > 0 else 0
        ts = book.timestamp
        if depth:
            bids, asks = tuple(book.entries(BUY, depth)), tuple(book.entries(SELL, depth))
        else:
            bids, asks = book.side_entries(BUY), book.side_entries(SELL)
        return _book_changed(pair.pair_id, ts if ts is not None else self.clock.now(), bids, asks)

    def orderbooks(self, pair_id: str | None, depth: int = 0) -> list[ev.BookChanged]:
        if pair_id:
            return [self.orderbook(pair_id, depth)]
        return [self.orderbook(p.pair_id, depth) for p in self.reference.visible_pairs()]

    def prices(self, pair_ids: Iterable[str] = ()) -> list[ev.PriceChanged]:
        now = self.clock.now()
        out = []
        for pair in self.reference.match_pairs(list(pair_ids)):
            m = self.markets[pair.pair_id]
            out.append(ev.PriceChanged(pair.pair_id, m.bid, m.ask,
                                       m.price_ts if m.price_ts is not None else now))
        return out

    def tickers(self, pair_ids: Iterable[str] = ()) -> list[ev.Ticker]:
        now = self.clock.now()
        return [self.markets[p.pair_id].ticker(now)
                for p in self.reference.match_pairs(list(pair_ids))]

    # --- orders -----------------------------------------------------------------------
    def _check_order_api(self, pair_id: str, volume: Decimal) -> AssetPair:
        if volume <= 0:
            raise not_less_than_zero("volume")
        pair = self._pair(pair_id)
        if volume < pair.min_volume:
            raise ApiError(Code.invalidField,
                           f"volume must be greater than {fmt_plain(pair.min_volume)}", "volume")
        return pair

    def place_limit(self, account: Account, pair_id: str, side: str, volume: Decimal,
                    price: Decimal) -> str:
        """Place a limit order; returns its id. First the API's checks: price, volume, pair,
        min volume, then its own funds pre-check (balances as GET /api/balance shows them,
        2006 with field `volume`); then the matching engine's: price and volume accuracy,
        funds for the rounded reservation."""
        if price <= 0:
            raise not_less_than_zero("price")
        pair = self._check_order_api(pair_id, volume)
        if side == BUY:
            asset, needed = pair.quote, mul(price, volume)
        else:
            asset, needed = pair.base, volume
        bal = account.balances.get(asset)
        if bal is None:
            raise ApiError(Code.meNotEnoughFunds, "Not enough funds", "volume")
        acc = self._accuracy(asset)
        free = truncated_value(bal.total, acc)
        if bal.reserved:
            free -= truncated_value(bal.reserved, acc)
        if not free >= needed:
            raise ApiError(Code.meNotEnoughFunds, "Not enough funds", "volume")
        # the matching engine's checks, as _bulk_item makes them (written out, not shared: a
        # helper call costs ~1 us of ~10 here); the API's checks above ruled out a bad price
        # or a too small volume
        if not fits(price, pair.price_accuracy):
            raise ApiError.me(Code.meInvalidPriceAccuracy)
        if not fits(volume, self._accuracy(pair.base)):
            raise ApiError.me(Code.meInvalidVolumeAccuracy)
        lock = ceil_to(needed, acc) if side == BUY else volume
        if bal.total - bal.reserved < lock:
            raise ApiError.me(Code.meNotEnoughFunds)
        if self.recorders:
            self._record("place_limit", account=account, pair_id=pair_id, side=side,
                         volume=volume, price=price)
        tx = self._tx()
        self._seq += 1
        order = Order(self.ids.next(), account.wallet_id, pair.pair_id, side, price, volume,
                      volume, tx.now, self._seq)
        self._execute_limit(tx, account, pair, order, lock)
        self._commit(tx)
        return order.id

    def place_market(self, account: Account, pair_id: str, side: str,
                     volume: Decimal) -> tuple[str, float]:
        """Fill-or-kill market order on the base volume; returns (id, average price)."""
        pair = self._check_order_api(pair_id, volume)
        if not fits(volume, self._accuracy(pair.base)):
            raise ApiError.me(Code.meInvalidVolumeAccuracy)
        book = self.books[pair.pair_id]
        left, quote_total, notional = volume, ZERO, ZERO
        quote_acc = self._accuracy(pair.quote)
        for maker in book.orders(SELL if side == BUY else BUY):
            q = min(left, maker.remaining)
            cost = mul(q, maker.price)
            quote_total += floor_to(cost, quote_acc)
            notional += cost
            left -= q
            if not left:
                break
        if left:
            raise ApiError.me(Code.meNoLiquidity)
        asset, needed = (pair.quote, quote_total) if side == BUY else (pair.base, volume)
        bal = account.balance(asset)
        if bal is None or bal.free < needed:
            raise ApiError.me(Code.meNotEnoughFunds)
        avg = float(notional / volume)
        if self.recorders:
            self._record("place_market", account=account, pair_id=pair_id, side=side,
                         volume=volume)
        tx = self._tx()
        # the order keeps the double as C# converts it to decimal: 15 significant digits
        order = self._new_order(self.ids.next(), account, pair, side, "Market",
                                Decimal(f"{avg:.15g}"), volume, tx.now)
        self.history.add_order(order)
        self._match(tx, pair, order, None, book)
        self.history.close(order)
        if tx.full:
            tx.orders.setdefault(account.wallet_id, {})[order.id] = order
        self._commit(tx)
        return order.id, avg

    def _new_order(self, order_id: str, account: Account, pair: AssetPair, side: str, kind: str,
                   price: Decimal, volume: Decimal, now: int) -> Order:
        self._seq += 1
        cls = Order if kind == "Limit" else MarketOrder
        return cls(order_id, account.wallet_id, pair.pair_id, side, price, volume, volume,
                   now, self._seq)

    def _share(self, d: Decimal) -> Decimal:
        """One object per (value, scale) for what resting orders keep: a million orders at a
        few hundred prices and sizes hold a few hundred Decimals, not three million. Only for
        non-zero values (-0 and 0 are equal and have the same scale)."""
        shared = self._shared.get(d)
        if shared is None:
            if len(self._shared) >= SHARED_DECIMALS:
                self._shared.clear()
            self._shared[d] = d
            return d
        return shared if shared.same_quantum(d) else d

    def _execute_limit(self, tx: _Tx, account: Account, pair: AssetPair, order: Order,
                       lock: Decimal) -> None:
        """Match, then rest what is left; `lock` is what the whole order would hold."""
        self.history.add_order(order)
        if tx.full:
            orders = tx.orders.get(account.wallet_id)
            if orders is None:
                orders = tx.orders[account.wallet_id] = {}
            orders[order.id] = order
        book = self.books[pair.pair_id]
        if order.side == BUY:                   # does it cross? (else no _match call)
            crosses = book.asks.prices and book.asks.prices[0] <= order.price
        else:
            crosses = book.bids.prices and book.bids.prices[-1] >= order.price
        if crosses:
            self._match(tx, pair, order, order.price, book)
        if order.remaining:
            share = self._share
            order.price = share(order.price)
            volume = order.volume
            if order.remaining is volume:
                order.volume = order.remaining = share(volume)
                lock = order.volume if lock is volume else share(lock)
            else:                                           # partly filled: lock what is left
                order.volume = share(volume)
                lock = share(self._lock_for(pair, order.side, order.price, order.remaining))
            order.locked = lock
            if order.side == BUY:
                self._reserve(tx, account, pair.quote, lock)
                book.bid_ts = tx.now
            else:
                self._reserve(tx, account, pair.base, lock)
                book.ask_ts = tx.now
            book.add(order)
            tx.books[pair.pair_id] = None
        else:
            self.history.close(order)

    def _reserve(self, tx: _Tx, account: Account, asset: str, delta: Decimal) -> None:
        if not delta:
            return
        now = tx.now
        bal = account.balances.get(asset)
        if bal is None:
            bal = account.balances[asset] = Balance(ZERO, ZERO, now)
        bal.reserved += delta
        bal.timestamp = now
        if tx.full:
            rows = tx.balances.get(account.wallet_id)
            if rows is None:
                rows = tx.balances[account.wallet_id] = {}
            rows[asset] = bal

    def _touched(self, tx: _Tx, account: Account, asset: str, bal: Balance) -> None:
        bal.timestamp = tx.now
        if tx.full:
            rows = tx.balances.get(account.wallet_id)
            if rows is None:
                rows = tx.balances[account.wallet_id] = {}
            rows[asset] = bal

    def _match(self, tx: _Tx, pair: AssetPair, taker: Order, limit: Decimal | None,
               book: Book) -> None:
        buying = taker.side == BUY
        makers = book.asks if buying else book.bids
        prices, levels = makers.prices, makers.levels
        quote_acc, base_acc = self._accuracy(pair.quote), self._accuracy(pair.base)
        while taker.remaining and prices:
            best = prices[0] if buying else prices[-1]
            if limit is not None and (best > limit if buying else best < limit):
                break
            maker = levels[best].first()
            self._fill(tx, pair, book, maker, taker, min(taker.remaining, maker.remaining),
                       quote_acc, base_acc)

    def _fill(self, tx: _Tx, pair: AssetPair, book: Book, maker: Order, taker: Order,
              volume: Decimal, quote_acc: int, base_acc: int) -> None:
        """One match at the maker's price: both orders, four balance rows (and the fees
        account's), two trade rows, a public trade and the ticker's window."""
        now, full = tx.now, tx.full
        price = maker.price
        quote = floor_to(mul(volume, price), quote_acc)
        pair_id, base_asset, quote_asset = pair.pair_id, pair.base, pair.quote
        fill = (pair_id, price, volume, quote, base_asset, quote_asset, now)
        remaining = maker.remaining = maker.remaining - volume
        maker.last_trade = now
        if remaining:
            maker.status = PARTIAL
            lock = ceil_to(mul(remaining, price), quote_acc) if maker.side == BUY else remaining
        else:
            maker.status = MATCHED
            lock = ZERO
        reserve = lock - maker.locked
        maker.locked = lock
        remaining = taker.remaining = taker.remaining - volume
        taker.last_trade = now
        taker.status = PARTIAL if remaining else MATCHED
        history, draw = self.history, self.ids.draw
        add_trade = history.add_trade
        for order, role in ((maker, "Maker"), (taker, "Taker")):
            wallet_id, side = order.wallet_id, order.side
            account = self.accounts[wallet_id]
            rate = account.maker_fee if role == "Maker" else account.taker_fee
            if side == BUY:
                pay_asset, pay, get_asset, get = quote_asset, quote, base_asset, volume
                fee = min(get, ceil_to(mul(get, rate), base_acc)) if rate else ZERO
            else:
                pay_asset, pay, get_asset, get = base_asset, volume, quote_asset, quote
                fee = min(get, ceil_to(mul(get, rate), quote_acc)) if rate else ZERO
            balances = account.balances
            rows = tx.balances.get(wallet_id) if full else None
            if reserve:                                             # the maker's: _reserve
                held = balances.get(pay_asset)
                if held is None:
                    held = balances[pay_asset] = Balance(ZERO, ZERO, now)
                held.reserved += reserve
                held.timestamp = now
                if full:
                    if rows is None:
                        rows = tx.balances[wallet_id] = {}
                    rows[pay_asset] = held
            reserve = ZERO
            paid = balances.get(pay_asset)
            if paid is None:
                paid = balances[pay_asset] = Balance(ZERO, ZERO, now)
            paid.total -= pay
            paid.timestamp = now
            got = balances.get(get_asset)
            if got is None:
                got = balances[get_asset] = Balance(ZERO, ZERO, now)
            got.total += get - fee
            got.timestamp = now
            if full:
                if rows is None:
                    rows = tx.balances[wallet_id] = {}
                rows[pay_asset] = paid
                rows[get_asset] = got
            if fee:
                fee_row = self.fees.row(get_asset, now)
                fee_row.total += fee
                self._touched(tx, self.fees, get_asset, fee_row)
                fee_asset = get_asset
            else:
                fee, fee_asset = None, None
            self._seq += 1
            row = (draw(), wallet_id, order.id, role, side, fee, fee_asset, self._seq, fill)
            add_trade(row)
            if full:
                trades = tx.trades.get(wallet_id)
                if trades is None:
                    trades = tx.trades[wallet_id] = []
                trades.append(row)
                orders = tx.orders.get(wallet_id)
                if orders is None:
                    orders = tx.orders[wallet_id] = {}
                orders[order.id] = order
        if not maker.remaining:
            book.remove(maker)
            history.close(maker)
        else:
            book.changed(maker)
        if maker.side == BUY:
            book.bid_ts = now
        else:
            book.ask_ts = now
        tx.books[pair_id] = None
        public = (draw(), pair_id, now, volume, price, taker.side)
        history.public_rows(pair_id).append(public)
        self.markets[pair_id].add_trade(now, price, volume, quote)
        if full:
            public_trades = tx.public.get(pair_id)
            if public_trades is None:
                public_trades = tx.public[pair_id] = []
            public_trades.append(public)
            tx.tickers[pair_id] = None

    # --- cancels ----------------------------------------------------------------------
    def _cancel(self, tx: _Tx, order: Order, status: str = CANCELLED) -> None:
        now = tx.now
        pair = self.reference.pairs[order.pair_id]
        book = self.books[order.pair_id]
        book.remove(order)
        if order.side == BUY:
            book.bid_ts = now
            asset = pair.quote
        else:
            book.ask_ts = now
            asset = pair.base
        tx.books[order.pair_id] = None
        if order.locked:
            self._reserve(tx, self.accounts[order.wallet_id], asset, -order.locked)
        order.locked = ZERO
        order.status = status
        self.history.close(order)
        if tx.full:
            tx.orders.setdefault(order.wallet_id, {})[order.id] = order

    def cancel_order(self, account: Account, order_id: str) -> None:
        order = self.history.orders.get(order_id)
        if order is None or order.wallet_id != account.wallet_id or order.status not in ACTIVE:
            raise ApiError.me(Code.meNotFound)
        if self.recorders:
            self._record("cancel_order", account=account, order_id=order_id)
        tx = self._tx()
        self._cancel(tx, order)
        self._commit(tx)

    def cancel_all(self, account: Account, pair_id: str | None = None,
                   side: str | None = None) -> int:
        """Cancel the caller's active orders (one pair and/or side if given); returns how many."""
        self._check_optional_pair(pair_id)
        targets = [o for o in self.history.active_orders(account.wallet_id, pair_id or None)
                   if side is None or o.side == side]
        self._record("cancel_all", account=account, pair_id=pair_id, side=side)
        tx = self._tx()
        for order in targets:
            self._cancel(tx, order)
        self._commit(tx)
        return len(targets)

    # --- bulk -------------------------------------------------------------------------
    def place_bulk(self, account: Account, pair_id: str, items: list[BulkItem],
                   cancel_previous: bool = False, cancel_mode: str | None = None) -> BulkResult:
        """Judge each item on its own (no API-side validation); one status per item."""
        check_bulk_size(len(items))
        if cancel_mode is not None and cancel_mode not in CANCEL_MODES:
            raise ValueError(f"unknown cancel mode {cancel_mode!r}")
        # journaled before anything is drawn, even for an unknown pair (the item ids are)
        if self.recorders:
            self._record("place_bulk", account=account, pair_id=pair_id, items=list(items),
                         cancel_previous=cancel_previous, cancel_mode=cancel_mode)
        ids = [self.ids.next() for _ in items]
        raw = self.reference.pairs.get(pair_id)
        if raw is None or self.reference.pair(pair_id) is None:
            code = Code.meUnknownAsset if raw is None else Code.meDisabledAsset
            return BulkResult(pair_id, code, ())
        pair = raw
        # the engine's view of each item: the side follows the sign of the signed volume
        signed = [it.volume if it.side == BUY else -it.volume for it in items]
        sides = [BUY if v > 0 else SELL for v in signed]
        tx = self._tx()
        if cancel_previous:
            mode = cancel_mode or "notEmptySide"
            if mode == "notEmptySide":
                cancel_sides = set(sides)
            else:
                cancel_sides = _CANCEL_SIDES[mode]
            for order in self.history.active_orders(account.wallet_id, pair.pair_id):
                if order.side in cancel_sides:
                    self._cancel(tx, order)
        statuses = []
        for order_id, item, vol, side in zip(ids, items, signed, sides):
            code = self._bulk_item(tx, account, pair, order_id, item, abs(vol), side)
            statuses.append(new_bulk_status(order_id, code, float(vol), float(item.price)))
        self._commit(tx)
        return BulkResult(pair.pair_id, Code.success, tuple(statuses))

    def _bulk_item(self, tx: _Tx, account: Account, pair: AssetPair, order_id: str,
                   item: BulkItem, volume: Decimal, side: str) -> Code:
        old = None
        if item.old_id is not None:
            old = self.history.orders.get(item.old_id)
            if (old is None or old.wallet_id != account.wallet_id or old.status not in ACTIVE
                    or old.pair_id != pair.pair_id or old.side != side):
                return Code.meNotFoundPrevious
        price = item.price        # the matching engine's checks of a limit order
        if price <= 0:
            return Code.meInvalidPrice
        if not fits(price, pair.price_accuracy):
            return Code.meInvalidPriceAccuracy
        if volume < pair.min_volume or volume <= 0:
            return Code.meTooSmallVolume
        if not fits(volume, self._accuracy(pair.base)):
            return Code.meInvalidVolumeAccuracy
        if side == BUY:
            asset = pair.quote
            lock = ceil_to(mul(volume, price), self._accuracy(asset))
        else:
            asset, lock = pair.base, volume
        bal = account.balances.get(asset)
        free = (bal.total - bal.reserved if bal is not None else ZERO) + (
            old.locked if old is not None else ZERO)
        if free < lock:
            return Code.meNotEnoughFunds
        if old is not None:
            self._cancel(tx, old, REPLACED)
        order = self._new_order(order_id, account, pair, side, "Limit", price, volume, tx.now)
        self._execute_limit(tx, account, pair, order, lock)
        return Code.success

    # --- money in and out ---------------------------------------------------------------
    def set_balance(self, account: Account, asset_id: str, amount: Decimal) -> None:
        """Control API: set the whole balance (must stay >= what is reserved)."""
        held = account.balances.get(asset_id)
        reserved = held.reserved if held is not None else ZERO
        if amount < reserved:
            raise ValueError(f"{asset_id} balance {amount} is below the reserved {reserved}")
        self._record("set_balance", account=account, asset_id=asset_id, amount=amount)
        tx = self._tx()
        bal = account.row(asset_id, tx.now)
        bal.total = Decimal(amount)
        self._touched(tx, account, asset_id, bal)
        self._commit(tx)

    def deposit(self, account: Account, asset_id: str, amount: Decimal) -> str:
        """A cash-in: the balance grows and the operations history shows a deposit."""
        if self.reference.assets.get(asset_id) is None:
            raise ApiError(Code.itemNotFound, "Asset not found", "assetId")
        if amount <= 0:
            raise not_less_than_zero("volume")
        self._record("deposit", account=account, asset_id=asset_id, amount=amount)
        tx = self._tx()
        op_id = self.ids.next()
        bal = account.row(asset_id, tx.now)
        bal.total += amount
        self._touched(tx, account, asset_id, bal)
        self.history.add_operation(Operation(op_id, account.wallet_id, asset_id, amount, ZERO,
                                             "deposit", tx.now))
        self._commit(tx)
        return op_id

    def create_withdrawal(self, account: Account, request_id: str, asset_id: str,
                          volume: Decimal, address: str, extension: str | None = None) -> str:
        if volume <= 0:
            raise not_less_than_zero("volume")
        if asset_id == "":
            raise ServerCrash("withdrawal without an asset")
        asset = self.reference.tradable_asset(asset_id)
        if asset is None:
            raise ApiError(Code.itemNotFound, "Asset not found", "assetId")
        known = account.withdrawal_requests.get(request_id)
        if known is not None:
            return known
        self._record("create_withdrawal", account=account, request_id=request_id,
                     asset_id=asset_id, volume=volume, address=address, extension=extension)
        op_id = self.ids.next()
        # remembered once journaled: a retry never gets the id of a command that is nowhere
        account.withdrawal_requests[request_id] = op_id
        if not asset.deposit_capable:
            raise ApiError(Code.actionForbidden, "Asset unavailable")
        bal = account.balance(asset_id)
        # a cash-out the engine refuses (funds; decimals beyond the asset's accuracy, a
        # choice: docs/fidelity.md) fails later, out of sight
        if bal is not None and bal.free >= volume and fits(volume, asset.accuracy):
            tx = self._tx()
            bal.total -= volume
            self._touched(tx, account, asset_id, bal)
            self.history.add_operation(Operation(op_id, account.wallet_id, asset_id, volume, ZERO,
                                                 "withdrawal", tx.now))
            self._commit(tx)
        return op_id

    def _deposit_preconditions(self, account: Account) -> None:
        if account.pending_dialogs:
            raise ApiError(Code.actionForbidden, "Pending dialogs")
        if account.kyc_required:
            raise ApiError(Code.actionForbidden, "KYC required")

    def create_deposit_addresses(self, account: Account) -> None:
        if not any(a.deposit_capable for a in self.reference.visible_assets()):
            raise ApiError(Code.actionForbidden, "Asset unavailable")
        self._deposit_preconditions(account)
        if account.deposit_state is None:
            self._record("create_deposit_addresses", account=account)
            account.deposit_state = "Active"

    def _address(self, account: Account, asset: Asset) -> DepositAddress:
        if account.deposit_state != "Active":
            state = account.deposit_state or "NotFound"
            return DepositAddress(asset.asset_id, asset.symbol, None, None, None, state)
        digest = hashlib.sha256(f"{account.wallet_id}/{asset.asset_id}".encode()).hexdigest()
        base = f"{asset.asset_id.lower()}1{digest[:32]}"
        return DepositAddress(asset.asset_id, asset.symbol, base, base, None, "Active")

    def deposit_addresses(self, account: Account) -> list[DepositAddress]:
        if account.deposit_state != "Active":
            return []
        return [self._address(account, a) for a in self.reference.visible_assets()
                if a.deposit_capable and a.blockchain_deposit_enabled]

    def deposit_address(self, account: Account, asset_id: str) -> DepositAddress | None:
        asset = self.reference.tradable_asset(asset_id)
        if asset is None or not asset.blockchain_deposit_enabled:
            raise ApiError(Code.itemNotFound, "Asset not found")
        if not asset.deposit_capable:
            raise ApiError(Code.actionForbidden, "Asset unavailable")
        self._deposit_preconditions(account)
        return self._address(account, asset)

    # --- events -----------------------------------------------------------------------
    def _commit(self, tx: _Tx) -> None:
        """Turn what the command changed into events, in a fixed order, and hand them out."""
        if not tx.full:                         # _update_prices, no event built
            books, markets, now = self.books, self.markets, tx.now
            for pair_id in tx.books:
                book = books[pair_id]
                bids, asks = book.bids.prices, book.asks.prices
                bid, ask = bids[-1] if bids else ZERO, asks[0] if asks else ZERO
                m = markets[pair_id]
                if bid != m.bid or ask != m.ask or m.price_ts is None:
                    m.bid, m.ask, m.price_ts = bid, ask, now
            return
        out: list = []
        for wallet_id, orders in tx.orders.items():
            out.append(_orders_changed(wallet_id, tuple([o.view() for o in orders.values()])))
        for wallet_id, trades in tx.trades.items():
            out.append(_trades_executed(wallet_id, tuple([trade_of(t) for t in trades])))
        for wallet_id, rows in tx.balances.items():
            out.append(_balances_changed(wallet_id, tuple([
                new_balance_view(a, b.total, b.reserved, b.timestamp) for a, b in rows.items()])))
        for pair_id, trades in tx.public.items():
            out.append(_public_trades_added(pair_id, tuple([public_trade_of(t) for t in trades])))
        now = tx.now
        for pair_id in tx.tickers:
            out.append(_ticker_changed(pair_id, self.markets[pair_id].ticker(now)))
        for pair_id in tx.books:
            book = self.books[pair_id]
            out.append(_book_changed(pair_id, book.timestamp or now, book.side_entries(BUY),
                                     book.side_entries(SELL)))
        out.extend(self._update_prices(tx))
        if out:
            for listener in list(self.listeners):
                listener(out)

    def _update_prices(self, tx: _Tx) -> list[ev.PriceChanged]:
        out = []
        now = tx.now
        books, markets = self.books, self.markets
        for pair_id in tx.books:
            book = books[pair_id]
            bids, asks = book.bids.prices, book.asks.prices
            bid, ask = bids[-1] if bids else ZERO, asks[0] if asks else ZERO
            if markets[pair_id].set_prices(bid, ask, now):
                out.append(_price_changed(pair_id, bid, ask, now))
        return out

    # --- invariants (for tests and the control API) -------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError if the state is inconsistent."""
        for pair_id, book in self.books.items():
            bid, ask = book.best(BUY), book.best(SELL)
            assert bid is None or ask is None or bid < ask, f"{pair_id} book crossed {bid}>={ask}"
        locked: dict[tuple[str, str], Decimal] = {}
        for order in self.history.orders.values():
            if order.status in ACTIVE:
                pair = self.reference.pairs[order.pair_id]
                asset = pair.quote if order.side == BUY else pair.base
                assert order.locked == self._lock_for(pair, order.side, order.price,
                                                      order.remaining), order
                key = (order.wallet_id, asset)
                locked[key] = locked.get(key, ZERO) + order.locked
            else:
                assert not order.locked, order
        for account in self.accounts.values():
            for asset_id, bal in account.balances.items():
                want = locked.get((account.wallet_id, asset_id), ZERO)
                assert bal.reserved == want, (account.name, asset_id, bal.reserved, want)
                assert bal.total >= bal.reserved, (account.name, asset_id, bal)

    def totals(self) -> dict[str, Decimal]:
        """Sum of each asset over all accounts, the fees account included."""
        out: dict[str, Decimal] = {}
        for account in self.accounts.values():
            for asset_id, bal in account.balances.items():
                out[asset_id] = out.get(asset_id, ZERO) + bal.total
        return out
