"""What one command changed, handed to the fronts' subscribers in one batch, in this order."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .orders import BalanceView, OrderView, PublicTrade, Trade


@dataclass(slots=True, frozen=True)
class OrdersChanged:
    wallet_id: str
    orders: tuple[OrderView, ...]


@dataclass(slots=True, frozen=True)
class TradesExecuted:
    wallet_id: str
    trades: tuple[Trade, ...]


@dataclass(slots=True, frozen=True)
class BalancesChanged:
    wallet_id: str
    balances: tuple[BalanceView, ...]


@dataclass(slots=True, frozen=True)
class PublicTradesAdded:
    pair_id: str
    trades: tuple[PublicTrade, ...]


@dataclass(slots=True, frozen=True)
class TickerChanged:
    pair_id: str
    ticker: "Ticker"


@dataclass(slots=True, frozen=True)
class BookChanged:
    """The pair's whole book after the command: per-order (price, volume) entries,
    bids best first, asks best first with volumes as positive remaining amounts."""
    pair_id: str
    timestamp: int
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]


@dataclass(slots=True, frozen=True)
class PriceChanged:
    pair_id: str
    bid: Decimal
    ask: Decimal
    timestamp: int


@dataclass(slots=True, frozen=True)
class Ticker:
    pair_id: str
    volume_base: Decimal
    volume_quote: Decimal
    price_change: float       # a fraction: (last - open) / open
    last_price: Decimal
    high: Decimal
    low: Decimal
    timestamp: int


Event = (OrdersChanged | TradesExecuted | BalancesChanged | PublicTradesAdded | TickerChanged
         | BookChanged | PriceChanged)
