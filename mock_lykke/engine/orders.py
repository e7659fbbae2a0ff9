"""Orders, trades and operations: the records the engine keeps and the fronts show."""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import ClassVar

from .ids import id_text
from .numbers import ZERO, mul

BUY, SELL = "buy", "sell"
PLACED, PARTIAL, MATCHED = "Placed", "PartiallyMatched", "Matched"
CANCELLED, REPLACED = "Cancelled", "Replaced"
ACTIVE = frozenset({PLACED, PARTIAL})
CLOSED = frozenset({MATCHED, CANCELLED, REPLACED})


@dataclass(slots=True)
class Order:
    """A limit order (MarketOrder: a market one); `type` is a class attribute, not a slot,
    as every field of a resting order costs memory a million times over."""
    id: str
    wallet_id: str
    pair_id: str
    side: str                 # "buy" / "sell"
    price: Decimal
    volume: Decimal
    remaining: Decimal
    created: int
    seq: int
    status: str = PLACED
    last_trade: int | None = None
    locked: Decimal = ZERO    # what this order holds in `reserved` now
    type: ClassVar[str] = "Limit"

    def view(self) -> "OrderView":
        return new_order_view(self.id, self.wallet_id, self.pair_id, self.side, self.type,
                              self.price, self.volume, self.remaining, self.created, self.seq,
                              self.status, self.last_trade)


@dataclass(slots=True)
class MarketOrder(Order):
    type: ClassVar[str] = "Market"


@dataclass(slots=True, frozen=True)
class OrderView:
    """An order as of one moment; what queries and events hand to the fronts."""
    id: str
    wallet_id: str
    pair_id: str
    side: str
    type: str
    price: Decimal
    volume: Decimal
    remaining: Decimal
    created: int
    seq: int
    status: str
    last_trade: int | None

    @property
    def filled(self) -> Decimal:
        return self.volume - self.remaining

    @property
    def cost(self) -> Decimal:
        return mul(self.filled, self.price)


@dataclass(slots=True, frozen=True)
class Trade:
    """One account's side of one match."""
    id: str
    wallet_id: str
    order_id: str
    pair_id: str
    role: str                 # "Maker" / "Taker"
    side: str                 # "buy" / "sell"
    price: Decimal
    base_volume: Decimal      # absolute
    quote_volume: Decimal     # absolute
    base_asset: str
    quote_asset: str
    fee_size: Decimal | None
    fee_asset: str | None
    timestamp: int
    seq: int


@dataclass(slots=True, frozen=True)
class PublicTrade:
    id: str
    pair_id: str
    timestamp: int
    volume: Decimal
    price: Decimal
    side: str                 # the taker's side


@dataclass(slots=True, frozen=True)
class Operation:
    id: str
    wallet_id: str
    asset_id: str
    total_volume: Decimal
    fee: Decimal
    type: str                 # "deposit" / "withdrawal"
    timestamp: int
    blockchain_hash: str | None = None


@dataclass(slots=True, frozen=True)
class BalanceView:
    asset_id: str
    total: Decimal
    reserved: Decimal
    timestamp: int


@dataclass(slots=True, frozen=True)
class DepositAddress:
    asset_id: str
    symbol: str
    address: str | None
    base_address: str | None
    address_extension: str | None
    state: str


@dataclass(slots=True, frozen=True)
class BulkStatus:
    id: str
    code: int
    volume: float             # the engine's signed volume (sell negative), a double
    price: float


@dataclass(slots=True, frozen=True)
class BulkResult:
    pair_id: str
    code: int                 # the engine's overall status (REST shows it, gRPC does not)
    statuses: tuple[BulkStatus, ...]


@dataclass(slots=True, frozen=True)
class BulkItem:
    side: str
    volume: Decimal
    price: Decimal
    old_id: str | None = None


def fast_new(cls):
    """A faster constructor for the frozen slots dataclass `cls` (positional arguments, all
    fields): a mutable class with the same slots sets them, then the instance becomes a `cls`
    (same layout, so CPython allows it). The result is exactly what cls(...) makes; a frozen
    __init__ sets each field through object.__setattr__, which makes it 3-6x slower."""
    names = cls.__slots__
    if tuple(names) != tuple(f.name for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: slots are not exactly its fields")
    lines = [f"def __init__(self, {', '.join(names)}):"]
    lines += [f"    self.{n} = {n}" for n in names] + ["    self.__class__ = cls"]
    scope: dict = {}
    exec("\n".join(lines), {"cls": cls}, scope)          # noqa: S102 (our own field names)
    return type(f"_New{cls.__name__}", (), {"__slots__": names, "__init__": scope["__init__"]})


new_order_view = fast_new(OrderView)
new_trade = fast_new(Trade)
new_public_trade = fast_new(PublicTrade)
new_balance_view = fast_new(BalanceView)
new_bulk_status = fast_new(BulkStatus)


# Compact records the engine keeps instead of Trade / PublicTrade objects (built on demand).
# A fill: (pair_id, price, base volume, quote volume, base asset, quote asset, timestamp).
# A trade row, one per account side of a fill:
#   (id bits, wallet_id, order_id, role, side, fee size | None, fee asset | None, seq, fill)
# A public trade row: (id bits, pair_id, timestamp, volume, price, taker side).
def trade_of(row: tuple) -> Trade:
    bits, wallet_id, order_id, role, side, fee, fee_asset, seq, fill = row
    pair_id, price, volume, quote, base_asset, quote_asset, ts = fill
    return new_trade(id_text(bits), wallet_id, order_id, pair_id, role, side, price, volume,
                     quote, base_asset, quote_asset, fee, fee_asset, ts, seq)


def public_trade_of(row: tuple) -> PublicTrade:
    bits, pair_id, ts, volume, price, side = row
    return new_public_trade(id_text(bits), pair_id, ts, volume, price, side)
