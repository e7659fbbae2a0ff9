"""Replay of recorded data through the engine's commands, with your orders queued among it.

Data: a CSV/JSONL file (market/data.py) or a recording of `mock-lykke record` (`.gz`,
recorder.py; only the rows of this participant's pair). The rules (docs/recording.md):

- A book snapshot sets each price level of `account` to the recorded volume, level by level:
  more volume is one new order at the back of the level (behind any order of yours there);
  less volume cancels `account`'s orders at that level, newest first (an order of exactly the
  missing size first). The engine cannot shrink an order in place: a cut through an order
  with one of yours behind it is left for later rather than moving you forward.
- A trade of aggressor side S at price P, volume V: `account` places the resting side
  (opposite of S) at P, `takerAccount` crosses at P, what is left of either is cancelled. So
  orders priced through P fill first, then the level at P in time order: the replayed volume
  ahead of yours, then yours.
- What other orders (yours) take from the replayed levels stays taken: a later snapshot shows
  the level minus that volume, and later recorded trades at that level are first counted
  against it (a trade entirely counted is skipped), until the recording shows the level gone.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from weakref import WeakKeyDictionary, WeakSet

from ..engine.numbers import ZERO
from ..engine.orders import ACTIVE, BUY, SELL, BulkItem
from ..scenario.values import parse_duration
from .base import Participant
from .data import Row, load_rows


def data_path(spec: dict, base_dir: Path | None) -> Path:
    path = Path(spec["file"])
    return path if path.is_absolute() or base_dir is None else base_dir / path


def is_recording(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def load_data(path: Path, pair_id: str | None = None) -> list[Row]:
    if is_recording(path):
        from ..recorder import recorded_rows
        return recorded_rows(path, pair_id)
    return load_rows(path)


class _Shared:
    """What the replay participants of one exchange share: the volume other orders took from
    replayed levels, and the participants themselves (weakly)."""
    __slots__ = ("consumed", "wallets", "replays", "__weakref__")

    def __init__(self):
        self.consumed: dict[tuple[str, str, Decimal], Decimal] = {}   # (pair, side, price)
        self.wallets: set[str] = set()
        self.replays: WeakSet = WeakSet()


_SHARED: WeakKeyDictionary = WeakKeyDictionary()


def shared(ex) -> _Shared:
    sh = _SHARED.get(ex)
    if sh is None:
        sh = _SHARED[ex] = _Shared()
    return sh


def _aggregate(levels) -> dict[Decimal, Decimal]:
    out: dict[Decimal, Decimal] = {}
    for price, volume in levels:
        out[price] = out.get(price, ZERO) + volume
    return out


class Replay(Participant):
    kind = "replay"

    def __init__(self, ex, spec, rng, base_dir=None):
        super().__init__(ex, spec, rng, base_dir)
        self.taker = ex.account(spec.get("takerAccount", spec["account"]))
        self.rows: list[Row] = load_data(data_path(spec, base_dir), self.pair.pair_id)
        self.offset = parse_duration(spec.get("at", 0))
        self.speed = float(spec.get("speed", 1))
        self.jitter = parse_duration(spec.get("jitter", 0))
        self.dues: list[int] = []
        self.index = 0
        self.t0 = ex.clock.now()
        self.shared = shared(ex)
        self.shared.wallets.update((self.account.wallet_id, self.taker.wallet_id))
        self.shared.replays.add(self)
        self.levels: dict[tuple[str, Decimal], list[str]] = {}   # our orders per level, FIFO
        self.level_of: dict[str, tuple[str, Decimal]] = {}
        self.filled_seen: dict[str, Decimal] = {}                # what we know they traded

    @classmethod
    def problems(cls, spec, ref, base_dir):
        taker = spec.get("takerAccount")
        if taker is not None and taker not in ref["accounts"]:
            return [(("takerAccount",), f"unknown account {taker!r}")]
        return []

    def due(self, row: Row) -> int:
        return self.t0 + self.offset + int(row.t / self.speed)

    def start(self) -> None:
        self.t0 = self.ex.clock.now()
        self.dues, last = [], 0
        for row in self.rows:               # jitter: seeded delays that keep the order
            due = self.due(row) + (self.rng.randint(0, self.jitter) if self.jitter else 0)
            last = max(last, due)
            self.dues.append(last)
        self.plan()

    def plan(self) -> None:
        """Play the rows due now; schedule the next one."""
        now = self.ex.clock.now()
        while self.index < len(self.rows) and self.dues[self.index] <= now:
            self.play(self.rows[self.index])
            self.index += 1
        if self.index < len(self.rows):
            self.at(self.dues[self.index], self.plan)

    def play(self, row: Row) -> None:
        for replay in list(self.shared.replays):
            replay._collect()
        if row.is_trade:
            self.play_trade(row)
            for replay in list(self.shared.replays):
                replay._collect(taken=False)    # the recorded trade took what it took
        else:
            self.play_book(_aggregate(row.bids), _aggregate(row.asks))

    # --- what other orders take from our levels -----------------------------------------
    def _collect(self, taken: bool = True) -> None:
        """Note what our orders traded since we last looked: taken by other orders (yours)
        unless it was a recorded trade."""
        orders = self.ex.history.orders
        for order_id, level in self.level_of.items():
            order = orders[order_id]
            filled = order.volume - order.remaining
            seen = self.filled_seen.get(order_id, ZERO)
            if filled != seen:
                self.filled_seen[order_id] = filled
                if taken:
                    self._take(level, filled - seen)

    def _take(self, level: tuple[str, Decimal], volume: Decimal) -> None:
        key = (self.pair.pair_id, *level)
        consumed = self.shared.consumed
        consumed[key] = consumed.get(key, ZERO) + volume

    # --- trades -------------------------------------------------------------------------
    def play_trade(self, row: Row) -> None:
        pair_id = self.pair.pair_id
        resting = SELL if row.side == BUY else BUY
        key = (pair_id, resting, row.price)
        taken = min(self.shared.consumed.get(key, ZERO), row.volume)
        if taken:
            left = self.shared.consumed[key] - taken
            if left:
                self.shared.consumed[key] = left
            else:
                del self.shared.consumed[key]
        volume = row.volume - taken
        if not volume:
            self.stats["skipped"] += 1  # that liquidity was already taken by other orders
            return
        maker_id = self.run(self.ex.place_limit, self.account, pair_id, resting, volume,
                            row.price)
        if maker_id is None:
            return
        taker_id = self.run(self.ex.place_limit, self.taker, pair_id, row.side, volume,
                            row.price)
        for account, order_id in ((self.account, maker_id), (self.taker, taker_id)):
            order = self.ex.history.orders.get(order_id) if order_id else None
            if order is not None and order.status in ACTIVE:
                self.run(self.ex.cancel_order, account, order_id)

    # --- book snapshots -------------------------------------------------------------------
    def _live(self, level: tuple[str, Decimal]) -> list:
        """Our active orders at a level, oldest first (filled ones forgotten)."""
        orders = self.ex.history.orders
        live = []
        for order_id in self.levels.get(level, ()):
            order = orders.get(order_id)
            if order is not None and order.status in ACTIVE:
                live.append(order)
            else:
                self.level_of.pop(order_id, None)
                self.filled_seen.pop(order_id, None)
        if live:
            self.levels[level] = [o.id for o in live]
        else:
            self.levels.pop(level, None)
        return live

    def _foreign_after(self, side: str, price: Decimal) -> set[str]:
        """Ids of our orders at the level that have a foreign order behind them."""
        ours = self.shared.wallets
        level, found = [], False
        for order in self.ex.books[self.pair.pair_id].orders(side):
            if order.price == price:
                found = True
                level.append(order)
            elif found:
                break
        out, foreign_behind = set(), False
        for order in reversed(level):
            if order.wallet_id not in ours:
                foreign_behind = True
            elif foreign_behind:
                out.add(order.id)
        return out

    def play_book(self, bids: dict, asks: dict) -> None:
        pair_id = self.pair.pair_id
        consumed = self.shared.consumed
        cancels: list[str] = []
        items: list[BulkItem] = []
        for side, target in ((BUY, bids), (SELL, asks)):
            prices = set(target) | {p for s, p in self.levels if s == side}
            for price in sorted(prices, reverse=side == BUY):
                recorded = target.get(price, ZERO)
                key = (pair_id, side, price)
                taken = consumed.get(key)
                if taken is not None:
                    if not recorded:
                        del consumed[key]
                        taken = ZERO
                    elif taken > recorded:
                        taken = consumed[key] = recorded
                want = recorded - (taken or ZERO)
                live = self._live((side, price))
                have = sum((o.remaining for o in live), ZERO)
                if want > have:
                    items.append(BulkItem(side, want - have, price))
                elif want < have:
                    self._shrink(side, price, live, have - want, cancels, items)
        for order_id in cancels:
            self.run(self.ex.cancel_order, self.account, order_id)
            self.level_of.pop(order_id, None)
            self.filled_seen.pop(order_id, None)
        if items:
            self._place(items)

    def _shrink(self, side: str, price: Decimal, live: list, cut: Decimal, cancels: list,
                items: list) -> None:
        if cut == sum((o.remaining for o in live), ZERO):
            cancels.extend(o.id for o in live)
            return
        for order in reversed(live):            # an order of exactly the missing size
            if order.remaining == cut:
                cancels.append(order.id)
                return
        held = self._foreign_after(side, price)
        for order in reversed(live):            # else newest first
            if order.remaining <= cut:
                cancels.append(order.id)
                cut -= order.remaining
            else:
                if order.id not in held:        # nothing of yours behind it: re-place the rest
                    cancels.append(order.id)
                    items.append(BulkItem(side, order.remaining - cut, price))
                break
            if not cut:
                break

    def _place(self, items: list[BulkItem]) -> None:
        result = self.run(self.ex.place_bulk, self.account, self.pair.pair_id, items)
        if result is None:
            return
        orders = self.ex.history.orders
        for item, status in zip(items, result.statuses):
            if status.code != 0:
                self.stats["rejected"] += 1
                self.last_error = f"a replayed level at {item.price} was rejected ({status.code})"
                continue
            level = (item.side, item.price)
            order = orders[status.id]
            if order.remaining != order.volume:     # it crossed other orders as it arrived
                self._take(level, order.volume - order.remaining)
            if order.status in ACTIVE:
                self.levels.setdefault(level, []).append(order.id)
                self.level_of[order.id] = level
                self.filled_seen[order.id] = order.volume - order.remaining

    def describe(self) -> dict:
        taken = {f"{s} {p}": str(v) for (pair, s, p), v in self.shared.consumed.items()
                 if pair == self.pair.pair_id}
        return {**super().describe(), "file": self.spec["file"], "played": self.index,
                "rows": len(self.rows), "taken": taken}
