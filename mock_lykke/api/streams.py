"""Stream subscriptions (BEHAVIOUR.md §13): bounded per-subscriber queues fed by engine events.

The hub listens to the exchange. Each engine event becomes one serialized message, built
once and shared by every subscriber it concerns (book diffs are per `last` book, shared
by the subscribers that have the same one). A subscriber is registered and given its
snapshot in one synchronous step, so its snapshot always comes before any update.

Queues hold serialized messages. The engine never waits: a subscriber whose queue is
full is dropped and its call ends with RESOURCE_EXHAUSTED. Keep-alives (one 30 s timer
per stream type, on the exchange clock) never overflow a queue: consecutive ones are
kept as one counted run of at most `limit` messages.

On a lockstep clock every queued message is work in flight: `clock.enter()` when it is
queued, `leave()` when the call has written it (`Subscriber.sent`) or it is discarded, and
`StreamStats` counts them (the journal's lockstep steps show the counts). A latency model's
`message` leg delays each message (clock time on virtual clocks, else wall time), in order.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Callable

from ..engine import events as ev
from ..engine.errors import ServerCrash
from ..proto import privateService_pb2 as pv, publicService_pb2 as pb
from . import convert_grpc as convert

log = logging.getLogger(__name__)

KEEPALIVE_MS = 30_000
DEFAULT_QUEUE_LIMIT = 1000
PUBLIC_TRADES_SNAPSHOT = 50

PRICE, TICKER, BOOK, PUBLIC_TRADES = "price", "ticker", "book", "public_trades"
BALANCE, TRADE, ORDER = "balance", "trade", "order"
PUBLIC_KINDS = (PRICE, TICKER, BOOK, PUBLIC_TRADES)
COMPLETED_ON_SHUTDOWN = (PRICE, TICKER)   # §13.1: completed with OK; the others end with the host
PRIVATE_KINDS = (BALANCE, TRADE, ORDER)
EMPTY = b""          # an empty TickerUpdate / PublicTradeUpdate / TradeUpdate / OrderUpdate
METHODS = {PRICE: "GetPriceUpdates", TICKER: "GetTickerUpdates", BOOK: "GetOrderbookUpdates",
           PUBLIC_TRADES: "GetPublicTradeUpdates", BALANCE: "GetBalanceUpdates",
           TRADE: "GetTradeUpdates", ORDER: "GetOrderUpdates"}


class StreamStats:
    """Stream messages queued, written and discarded (tracked on lockstep clocks only)."""
    __slots__ = ("queued", "sent", "dropped")

    def __init__(self):
        self.queued = self.sent = self.dropped = 0

    def as_dict(self) -> dict:
        return {"queued": self.queued, "sent": self.sent, "dropped": self.dropped}


class _Run:
    """`count` consecutive keep-alives not yet sent; the i-th is stamped first + i * 30 s."""
    __slots__ = ("key", "build", "first", "count")

    def __init__(self, key, build: Callable[[int], bytes], first: int):
        self.key, self.build, self.first, self.count = key, build, first, 1


class Subscriber:
    """One open stream: its queue, its filter and what was last queued for it."""
    __slots__ = ("kind", "keys", "wallet_id", "items", "limit", "waiter", "task", "closed",
                 "overflowed", "last", "book_last", "book_last_by_pair", "last_pair",
                 "clock", "stats", "pending", "latency", "due", "host_ended")

    def __init__(self, kind: str, limit: int, keys: frozenset = frozenset(),
                 wallet_id: str | None = None):
        self.kind, self.keys, self.wallet_id = kind, keys, wallet_id
        self.items: deque = deque()
        self.limit = limit
        self.waiter: asyncio.Future | None = None
        self.task: asyncio.Task | None = None     # the call's task, ended on overflow
        self.closed = False
        self.overflowed = False
        self.last: bytes | None = None            # last message queued (price/balance keep-alive)
        self.book_last = None                     # (bids, asks) aggregated, last book queued
        self.book_last_by_pair: dict = {}         # the same per pair (quirk off)
        self.last_pair = ""                       # pair id of the last book queued
        self.clock = None                         # a lockstep clock: messages are tracked
        self.stats: StreamStats | None = None
        self.pending = 0                          # tracked messages not yet written
        self.latency = None                       # the message leg (latency.Leg) or None
        self.due = 0                              # delivery time of the last delayed message
        self.host_ended = False                   # ended by a stop or reset of the mock

    def track(self, clock, stats: StreamStats) -> None:
        self.clock, self.stats = clock, stats

    def _queued(self) -> None:
        self.pending += 1
        self.stats.queued += 1
        self.clock.enter()

    def sent(self) -> None:
        """The call wrote a message."""
        if self.clock is not None and self.pending:
            self.pending -= 1
            self.stats.sent += 1
            self.clock.leave()

    def discarded(self) -> None:
        """The call dropped a message (a fault)."""
        if self.clock is not None and self.pending:
            self.pending -= 1
            self.stats.dropped += 1
            self.clock.leave()

    def release(self) -> None:
        """Nothing queued will be written any more."""
        if self.clock is not None:
            pending, self.pending = self.pending, 0
            self.stats.dropped += pending
            for _ in range(pending):
                self.clock.leave()

    def push(self, data: bytes) -> bool:
        """Queue a message; False when the queue is full (the caller drops us)."""
        if self.closed:
            return True
        if len(self.items) >= self.limit:
            return False
        self.items.append(data)
        self.last = data
        if self.clock is not None:
            self._queued()
        self._wake()
        return True

    def push_keepalive(self, key, build: Callable[[int], bytes], now: int) -> None:
        if self.closed:
            return
        items = self.items
        if items:
            tail = items[-1]
            if type(tail) is _Run and tail.key == key:
                if tail.count < self.limit:
                    tail.count += 1
                    if self.clock is not None:
                        self._queued()
                else:               # keep the latest `limit` of them
                    tail.first += KEEPALIVE_MS
                    if self.stats is not None:
                        self.stats.queued += 1
                        self.stats.dropped += 1
                return
            if len(items) >= self.limit:
                return              # behind anyway: a keep-alive adds nothing
        items.append(_Run(key, build, now))
        if self.clock is not None:
            self._queued()
        self._wake()

    async def next(self) -> bytes | None:
        """The next message to write; None once the stream is closed."""
        while not self.items:
            if self.closed:
                return None
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        item = self.items[0]
        if type(item) is _Run:
            data = item.build(item.first)
            item.first += KEEPALIVE_MS
            item.count -= 1
            if not item.count:
                self.items.popleft()
            return data
        self.items.popleft()
        return item

    def close(self) -> None:
        self.closed = True
        self.items.clear()
        self.release()
        self._wake()

    def fail(self) -> None:
        """Fell behind: drop what is queued and end the call (RESOURCE_EXHAUSTED)."""
        self.overflowed = True
        self.closed = True
        self.items.clear()
        self.release()
        if self.waiter is not None:         # waiting for a message: it wakes up to nothing
            if not self.waiter.done():
                self.waiter.set_result(None)
        elif self.task is not None and not self.task.done():
            try:
                current = asyncio.current_task()
            except RuntimeError:
                current = None
            if self.task is not current:
                self.task.cancel()      # stuck writing to a client that does not read

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


def _lower(ids) -> frozenset:
    return frozenset(i.lower() for i in ids)


class StreamHub:
    """Every open stream of one server; fed by the event batches of `mock.exchange`.

    When the mock's exchange is replaced (a reset), `rebind()` ends every open stream and
    lets go of the old exchange; new streams follow the new one."""

    def __init__(self, mock, queue_limit: int = DEFAULT_QUEUE_LIMIT):
        self.mock = mock
        self.queue_limit = queue_limit
        self._subs: dict[str, dict[Subscriber, None]] = {k: {} for k in PUBLIC_KINDS + PRIVATE_KINDS}
        self._any: dict[str, dict[Subscriber, None]] = {k: {} for k in PUBLIC_KINDS}
        self._by_key: dict[str, dict[str, dict[Subscriber, None]]] = {k: {} for k in PUBLIC_KINDS}
        self._by_wallet: dict[str, dict[str, dict[Subscriber, None]]] = {k: {} for k in PRIVATE_KINDS}
        self._timers: dict = {}
        self._bound = None              # the exchange we listen to and whose clock has our timers
        self._books: dict[str, tuple] = {}  # lower pair id -> last aggregated book queued
        self._unsubscribe = None
        self.tasks: set[asyncio.Task] = set()       # the servicer tasks of open streams
        self.stats = mock.extras.setdefault("stream_stats", StreamStats())
        self._handlers = {
            ev.OrdersChanged: self._on_orders, ev.TradesExecuted: self._on_trades,
            ev.BalancesChanged: self._on_balances, ev.PublicTradesAdded: self._on_public_trades,
            ev.TickerChanged: self._on_ticker, ev.BookChanged: self._on_book,
            ev.PriceChanged: self._on_price,
        }

    @property
    def exchange(self):
        return self.mock.exchange

    @property
    def quirks(self):
        return self.exchange.quirks

    def serving(self, task: asyncio.Task) -> None:
        """A stream's servicer task, until it ends (`settle`)."""
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def settle(self, timeout: float) -> None:
        """Wait until every stream's servicer task has ended, once the gRPC server stopped.
        grpc.aio's own task for a call resumes only after its servicer task ends; when the
        loop was closed in between (asyncio.run right after a stop), it cancelled that task
        there and grpc.aio printed a bare CancelledError traceback for each such call."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)

    def count(self, kind: str | None = None) -> int:
        """How many streams are open (of one kind, or in all)."""
        if kind is not None:
            return len(self._subs[kind])
        return sum(len(s) for s in self._subs.values())

    # --- opening (snapshot + registration in one synchronous step) ------------------------
    def open_prices(self, pair_ids: list[str]) -> Subscriber:
        prices = self.exchange.prices()
        if pair_ids:                                    # the snapshot filter is case-sensitive
            wanted = set(pair_ids)
            prices = [p for p in prices if p.pair_id in wanted]
        if not prices and self.quirks["price-stream-empty-snapshot-crash"]:
            raise ServerCrash("price stream: empty snapshot")
        snapshot = [convert.price(p).SerializeToString() for p in prices]
        return self._register(PRICE, snapshot, keys=_lower(pair_ids))

    def open_tickers(self) -> Subscriber:
        snapshot = []
        if not self.quirks["ticker-stream-no-snapshot"]:
            snapshot = [convert.ticker(t, self.quirks).SerializeToString()
                        for t in self.exchange.tickers()]
        return self._register(TICKER, snapshot)

    def open_orderbooks(self, pair_id: str, pair_ids: list[str]) -> Subscriber:
        """`pair_id` wins when set; else the distinct `pair_ids`; none = every pair."""
        ids = [pair_id] if pair_id else list(dict.fromkeys(pair_ids))
        keys = _lower(ids)
        ex = self.exchange
        if not ids:
            ids = [p.pair_id for p in ex.reference.visible_pairs()]
            if not ids and self.quirks["price-stream-empty-snapshot-crash"]:
                raise ServerCrash("order book stream: no pairs")
        now = ex.clock.now()
        books = [ex.orderbook(i) if ex.reference.pair(i) is not None
                 else ev.BookChanged(i, now, (), ()) for i in ids]
        snapshot = [convert.orderbook(b, self.quirks).SerializeToString() for b in books]
        sub = self._register(BOOK, snapshot, keys=keys)
        for b in books:
            key = b.pair_id.lower()
            agg = (convert.aggregate(b.bids), convert.aggregate(b.asks))
            known = self._books.get(key)
            if known is not None and known == agg:
                agg = known              # the same `last` as the others: their diffs are shared
            else:
                self._books[key] = agg
            sub.book_last_by_pair[key] = agg
            sub.book_last, sub.last_pair = agg, b.pair_id
        return sub

    def open_public_trades(self, pair_id: str) -> Subscriber:
        trades = self.exchange.public_trades(pair_id, 0, PUBLIC_TRADES_SNAPSHOT) if pair_id else []
        first = pb.PublicTradeUpdate(trades=[convert.public_trade(t) for t in trades])
        # an empty id is a filter nothing matches: the first message, then keep-alives only
        return self._register(PUBLIC_TRADES, [first.SerializeToString()],
                              keys=frozenset({pair_id.lower()}))

    def open_balances(self, account) -> Subscriber:
        rows = [convert.balance(b, self.quirks) for b in self.exchange.balances(account)]
        first = pv.BalanceUpdate(balances=rows).SerializeToString()
        return self._register(BALANCE, [first], wallet_id=account.wallet_id)

    def open_trades(self, account) -> Subscriber:
        return self._register(TRADE, [], wallet_id=account.wallet_id)

    def open_orders(self, account) -> Subscriber:
        return self._register(ORDER, [], wallet_id=account.wallet_id)

    def _register(self, kind: str, snapshot: list[bytes], keys: frozenset = frozenset(),
                  wallet_id: str | None = None) -> Subscriber:
        if self._bound is not self.exchange:
            self.rebind()
        sub = Subscriber(kind, self.queue_limit + len(snapshot), keys, wallet_id)
        clock = self._bound.clock
        if clock.tracks_activity:
            sub.track(clock, self.stats)
        plan = self.mock.extras.get("latency")
        if plan is not None:
            sub.latency = plan.leg(METHODS[kind], "message")
        for data in snapshot:
            sub.items.append(data)
            sub.last = data
            if sub.clock is not None:
                sub._queued()
        self._subs[kind][sub] = None
        if wallet_id is not None:
            self._by_wallet[kind].setdefault(wallet_id, {})[sub] = None
        elif not keys:
            self._any[kind][sub] = None
        else:
            for key in keys:
                self._by_key[kind].setdefault(key, {})[sub] = None
        if self._unsubscribe is None:
            self._unsubscribe = self._bound.subscribe(self._on_events)
        self._arm(kind)
        return sub

    def remove(self, sub: Subscriber) -> None:
        kind = sub.kind
        if sub not in self._subs[kind]:
            return
        del self._subs[kind][sub]
        sub.release()
        if sub.wallet_id is not None:
            subs = self._by_wallet[kind].get(sub.wallet_id, {})
            subs.pop(sub, None)
            if not subs:
                self._by_wallet[kind].pop(sub.wallet_id, None)
        elif not sub.keys:
            self._any[kind].pop(sub, None)
        else:
            for key in sub.keys:
                subs = self._by_key[kind].get(key, {})
                subs.pop(sub, None)
                if not subs:
                    self._by_key[kind].pop(key, None)
        if not self._subs[kind]:
            timer = self._timers.pop(kind, None)
            if timer is not None:
                timer.cancel()
        if not self.count() and self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            self._books.clear()

    def close(self) -> None:
        """End every open stream (the host stopped: §13.1) and let go of the exchange."""
        for subs in self._subs.values():
            for sub in list(subs):
                self.remove(sub)
                sub.host_ended = True
                sub.close()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._books.clear()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def rebind(self) -> None:
        """The mock's exchange was replaced: end the streams of the old one."""
        self.close()
        self._bound = self.exchange

    # --- fan-out ----------------------------------------------------------------------------
    def _on_events(self, events: list) -> None:
        try:
            for e in events:
                handler = self._handlers.get(type(e))
                if handler is not None:
                    handler(e)
        except Exception:       # never let a front's bug fail an engine command
            log.exception("stream fan-out failed")

    def _push(self, sub: Subscriber, data: bytes) -> None:
        if sub.latency is not None:
            self._push_later(sub, data)
        elif not sub.push(data):
            self.remove(sub)
            sub.fail()

    def _push_later(self, sub: Subscriber, data: bytes) -> None:
        """Queue data after the stream's message latency, never before an earlier message."""
        ms = sub.latency.draw()
        clock = self._bound.clock
        if clock.virtual_time:
            due = max(clock.now() + round(ms), sub.due)
            limit = getattr(clock, "limit", None)
            if limit is not None:           # a lockstep clock stops there
                due = min(due, max(limit, clock.now()))
            sub.due = due
            if due <= clock.now():
                self._deliver(sub, data)
            else:
                clock.call_at(due, lambda: self._deliver(sub, data))
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:            # no loop (an engine command outside the server)
            self._deliver(sub, data)
            return
        due = max(loop.time() + ms / 1000, sub.due + 1e-6)   # call_at keeps no FIFO on ties
        sub.due = due
        loop.call_at(due, self._deliver, sub, data)

    def _deliver(self, sub: Subscriber, data: bytes) -> None:
        if sub.closed or sub not in self._subs[sub.kind]:
            return
        if not sub.push(data):
            self.remove(sub)
            sub.fail()

    def _targets(self, kind: str, pair_id: str) -> list[Subscriber]:
        keyed = self._by_key[kind].get(pair_id.lower())
        everyone = self._any[kind]
        if not keyed:
            return list(everyone)
        return list(everyone) + list(keyed)

    def _private(self, kind: str, wallet_id: str, build: Callable[[], bytes]) -> None:
        subs = self._by_wallet[kind].get(wallet_id)
        if subs:
            data = build()
            for sub in list(subs):
                self._push(sub, data)

    def _on_orders(self, e: ev.OrdersChanged) -> None:
        self._private(ORDER, e.wallet_id, lambda: pv.OrderUpdate(
            orders=[convert.order(o) for o in e.orders]).SerializeToString())

    def _on_trades(self, e: ev.TradesExecuted) -> None:
        self._private(TRADE, e.wallet_id, lambda: pv.TradeUpdate(
            trades=[convert.trade(t, with_fee=False) for t in e.trades]).SerializeToString())

    def _on_balances(self, e: ev.BalancesChanged) -> None:
        self._private(BALANCE, e.wallet_id, lambda: pv.BalanceUpdate(
            balances=[convert.balance(b, self.quirks) for b in e.balances]).SerializeToString())

    def _on_public_trades(self, e: ev.PublicTradesAdded) -> None:
        subs = self._targets(PUBLIC_TRADES, e.pair_id)
        if subs:
            data = pb.PublicTradeUpdate(
                trades=[convert.public_trade(t) for t in e.trades]).SerializeToString()
            for sub in subs:
                self._push(sub, data)

    def _on_ticker(self, e: ev.TickerChanged) -> None:
        subs = list(self._subs[TICKER])
        if subs:
            data = convert.ticker(e.ticker, self.quirks).SerializeToString()
            for sub in subs:
                self._push(sub, data)

    def _on_price(self, e: ev.PriceChanged) -> None:
        subs = self._targets(PRICE, e.pair_id)
        if subs:
            data = convert.price(e).SerializeToString()
            for sub in subs:
                self._push(sub, data)

    def _on_book(self, e: ev.BookChanged) -> None:
        subs = self._targets(BOOK, e.pair_id)
        if not subs:
            return
        new = (convert.aggregate(e.bids), convert.aggregate(e.asks))
        key = e.pair_id.lower()
        self._books[key] = new
        per_pair = not self.quirks["orderbook-multi-pair-diff"]
        negative = self.quirks["negative-ask-volumes"]
        diffs: dict[int, tuple] = {}        # id(last) -> (last, message): one diff per `last`
        for sub in subs:
            last = sub.book_last_by_pair.get(key) if per_pair else sub.book_last
            hit = diffs.get(id(last))
            if hit is None:
                old_bids, old_asks = last if last is not None else ({}, {})
                msg = convert.book_diff(e.pair_id, e.timestamp, old_bids, old_asks, new[0],
                                        new[1], negative)
                hit = diffs[id(last)] = (last, msg.SerializeToString())
            sub.book_last = sub.book_last_by_pair[key] = new
            sub.last_pair = e.pair_id
            self._push(sub, hit[1])

    # --- keep-alives (BEHAVIOUR.md §13.2) -----------------------------------------------------
    def _arm(self, kind: str) -> None:
        if kind in self._timers or not self._subs[kind]:
            return
        clock = self._bound.clock
        at = (clock.now() // KEEPALIVE_MS + 1) * KEEPALIVE_MS
        self._timers[kind] = clock.call_at(at, lambda: self._tick(kind))

    def _tick(self, kind: str) -> None:
        self._timers.pop(kind, None)
        if not self._subs[kind]:
            return
        try:
            if self.quirks["stream-keepalives"]:
                self._keepalive(kind, self._bound.clock.now())
        except Exception:
            log.exception("keep-alive failed")
        self._arm(kind)

    def _keepalive(self, kind: str, now: int) -> None:
        subs = list(self._subs[kind])
        if kind in (PRICE, BALANCE):        # the last message written, again
            for sub in subs:
                if sub.last is not None:
                    last = sub.last
                    sub.push_keepalive(last, lambda _t, data=last: data, now)
        elif kind == BOOK:                  # the last book's pair id, now, no levels
            for sub in subs:
                pair = sub.last_pair
                sub.push_keepalive(("book", pair), lambda t, pair=pair: convert.empty_orderbook(
                    pair, t).SerializeToString(), now)
        else:                               # an empty message
            for sub in subs:
                sub.push_keepalive(kind, _empty, now)


def _empty(_t: int) -> bytes:
    return EMPTY
