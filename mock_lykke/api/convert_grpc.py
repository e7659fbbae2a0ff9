"""gRPC wire details in one place: engine objects -> protobuf messages, request parsing,
and the error envelope (BEHAVIOUR.md §3.3, §4.2).

Decimals are strings with their stored scale (`fmt_plain`); values the real server
produces from doubles use `fmt_double`. `Error` carries code + message, never fields.
"""
from __future__ import annotations

import re
from decimal import Decimal

from google.protobuf.timestamp_pb2 import Timestamp
from google.protobuf.wrappers_pb2 import StringValue

from ..engine import events as ev
from ..engine.errors import ApiError, Code, ServerCrash
from ..engine.numbers import ZERO, DecimalParseError, fmt_double, fmt_plain, parse_dotnet
from ..engine.orders import BUY, SELL
from ..proto import common_pb2, privateService_pb2 as pv, publicService_pb2 as pb

CRASH_DETAILS = "Exception was thrown by handler."
SIDES = {BUY: pv.buy, SELL: pv.sell}
CANCEL_MODES = {pv.notEmptySide: "notEmptySide", pv.bothSides: "bothSides",
                pv.sellSide: "sellSide", pv.buySide: "buySide"}
_GUID = re.compile(r"^\s*(\{?|\(?)[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\2[0-9a-fA-F]{4}\2"
                   r"[0-9a-fA-F]{4}\2[0-9a-fA-F]{12}[})]?\s*$")


# --- scalars ------------------------------------------------------------------------------
def ts(ms: int) -> Timestamp:
    return Timestamp(seconds=ms // 1000, nanos=(ms % 1000) * 1_000_000)


def ms_of(t: Timestamp) -> float:
    """Epoch milliseconds (fractional when the Timestamp has sub-ms nanos)."""
    return t.seconds * 1000 + t.nanos / 1_000_000


def opt_str(value: str | None) -> StringValue | None:
    return None if value is None else StringValue(value=value)


def error(code: int, message: str) -> common_pb2.Error:
    return common_pb2.Error(code=int(code), message=message)


# --- request parsing ----------------------------------------------------------------------
def decimal(text: str, name: str, quirks) -> Decimal:
    """A request decimal as .NET parses it; unparseable -> the real server's crash
    (quirk grpc-unparseable-decimal-unknown) or error 1101."""
    try:
        return parse_dotnet(text)
    except DecimalParseError:
        if quirks["grpc-unparseable-decimal-unknown"]:
            raise ServerCrash(f"{name}: {text!r} is not a decimal") from None
        raise ApiError(Code.invalidField, f"{name} is not a valid number.", name) from None


def side(value: int) -> str:
    """Side enum -> "buy"/"sell". proto3 enums are open: an out-of-range value is taken as
    sell, as the real server's `side == Buy ? buy : sell` mapping does (a choice, ❓)."""
    return BUY if value == pv.buy else SELL


def is_guid(text: str) -> bool:
    return bool(_GUID.match(text))


# --- reference data -------------------------------------------------------------------------
def asset(a) -> pb.Asset:
    return pb.Asset(assetId=a.asset_id, name=a.name, symbol=a.symbol, accuracy=a.accuracy)


def asset_pair(p, assets) -> pb.AssetPair:
    base, quote = assets.get(p.base), assets.get(p.quote)
    return pb.AssetPair(assetPairId=p.pair_id, baseAssetId=p.base, quoteAssetId=p.quote,
                        name=p.name, priceAccuracy=p.price_accuracy,
                        baseAssetAccuracy=base.accuracy if base else 0,
                        quoteAssetAccuracy=quote.accuracy if quote else 0,
                        minVolume=fmt_plain(p.min_volume),
                        minOppositeVolume=fmt_plain(p.min_opposite_volume))


# --- market data --------------------------------------------------------------------------
def aggregate(entries) -> dict[Decimal, Decimal]:
    """Per-order (price, volume) entries -> {price: total volume}, in book order."""
    out: dict[Decimal, Decimal] = {}
    for price, volume in entries:
        out[price] = out[price] + volume if price in out else volume
    return out


def _levels(entries, negative: bool) -> list:
    PV = pb.Orderbook.PriceVolume
    if negative:
        return [PV(p=fmt_plain(p), v=fmt_plain(-v)) for p, v in entries]
    return [PV(p=fmt_plain(p), v=fmt_plain(v)) for p, v in entries]


def orderbook(book: ev.BookChanged, quirks, depth: int = 0) -> pb.Orderbook:
    """A full book: one entry per order (quirk orderbook-per-order-entries) or per price;
    asks negative (quirk negative-ask-volumes). depth > 0 keeps that many entries a side."""
    bids, asks = book.bids, book.asks
    if not quirks["orderbook-per-order-entries"]:
        bids, asks = tuple(aggregate(bids).items()), tuple(aggregate(asks).items())
    if depth > 0:
        bids, asks = bids[:depth], asks[:depth]
    return pb.Orderbook(assetPairId=book.pair_id, timestamp=ts(book.timestamp),
                        bids=_levels(bids, False),
                        asks=_levels(asks, quirks["negative-ask-volumes"]))


def empty_orderbook(pair_id: str, now: int) -> pb.Orderbook:
    return pb.Orderbook(assetPairId=pair_id, timestamp=ts(now))


def book_diff(pair_id: str, timestamp: int, old_bids: dict, old_asks: dict, new_bids: dict,
              new_asks: dict, negative_asks: bool) -> pb.Orderbook:
    """The stream diff of §13.3: removed prices with volume 0, changed or new levels with
    their new total; asks ascending, bids descending."""
    def side_diff(old: dict, new: dict, reverse: bool) -> list:
        out = [(p, ZERO) for p in old if p not in new]
        out += [(p, v) for p, v in new.items() if old.get(p) != v]
        out.sort(key=lambda pv_: pv_[0], reverse=reverse)
        return out
    return pb.Orderbook(assetPairId=pair_id, timestamp=ts(timestamp),
                        bids=_levels(side_diff(old_bids, new_bids, True), False),
                        asks=_levels(side_diff(old_asks, new_asks, False), negative_asks))


def price(p: ev.PriceChanged) -> pb.PriceUpdate:
    return pb.PriceUpdate(assetPairId=p.pair_id, bid=fmt_plain(p.bid), ask=fmt_plain(p.ask),
                          timestamp=ts(p.timestamp))


def ticker(t: ev.Ticker, quirks) -> pb.TickerUpdate:
    change = t.price_change if quirks["price-change-fraction"] else t.price_change * 100
    return pb.TickerUpdate(assetPairId=t.pair_id, volumeBase=fmt_plain(t.volume_base),
                           volumeQuote=fmt_plain(t.volume_quote), priceChange=fmt_double(change),
                           lastPrice=fmt_plain(t.last_price), high=fmt_plain(t.high),
                           low=fmt_plain(t.low), timestamp=ts(t.timestamp))


def public_trade(t) -> pb.PublicTrade:
    """Side is the taker's, PascalCase on gRPC ("Buy"/"Sell")."""
    return pb.PublicTrade(id=t.id, assetPairId=t.pair_id, dateTime=ts(t.timestamp),
                          volume=fmt_plain(t.volume), price=fmt_plain(t.price),
                          side=t.side.capitalize())


# --- account data -------------------------------------------------------------------------
def balance(b, quirks) -> pv.Balance:
    available = b.total if quirks["available-includes-reserved"] else b.total - b.reserved
    return pv.Balance(assetId=b.asset_id, available=fmt_plain(available),
                      reserved=fmt_plain(b.reserved), timestamp=ts(b.timestamp))


def order(o) -> pv.Order:
    msg = pv.Order(id=o.id, timestamp=ts(o.created), status=o.status, assetPairId=o.pair_id,
                   type=o.type, side=SIDES[o.side], price=fmt_plain(o.price),
                   volume=fmt_plain(o.volume), filledVolume=fmt_plain(o.filled),
                   remainingVolume=fmt_plain(o.remaining), cost=fmt_plain(o.cost))
    if o.last_trade is not None:
        msg.lastTradeTimestamp.CopyFrom(ts(o.last_trade))
    return msg


def trade(t, with_fee: bool = True) -> pv.Trade:
    msg = pv.Trade(id=t.id, timestamp=ts(t.timestamp), assetPairId=t.pair_id,
                   orderId=t.order_id, role=t.role, price=fmt_plain(t.price),
                   baseVolume=fmt_plain(t.base_volume), quoteVolume=fmt_plain(t.quote_volume),
                   baseAssetId=t.base_asset, quoteAssetId=t.quote_asset, side=SIDES[t.side])
    if with_fee and t.fee_size is not None and t.fee_asset is not None:
        msg.fee.CopyFrom(pv.TradeFee(size=fmt_plain(t.fee_size), assetId=t.fee_asset))
    return msg


def bulk_payload(pair_id: str, result, quirks) -> pv.BulkLimitOrderResponse.BulkLimitOrderPayload:
    """Statuses from doubles; the engine's signed volume (quirk bulk-signed-volumes).
    No overall status: gRPC has no field for it."""
    signed = quirks["bulk-signed-volumes"]
    return pv.BulkLimitOrderResponse.BulkLimitOrderPayload(assetPairId=pair_id, statuses=[
        pv.BulkOrderItemStatus(id=s.id, error=int(s.code),
                               volume=fmt_double(s.volume if signed else abs(s.volume)),
                               price=fmt_double(s.price))
        for s in result.statuses])


def operation(op) -> pv.OperationHistory:
    """type is PascalCase on gRPC ("Deposit"/"Withdrawal")."""
    return pv.OperationHistory(operationId=op.id, assetId=op.asset_id,
                               totalVolume=fmt_plain(op.total_volume), fee=fmt_plain(op.fee),
                               type=op.type[:1].upper() + op.type[1:], timestamp=ts(op.timestamp),
                               blockchainHash=opt_str(op.blockchain_hash))


def deposit_address(d) -> pv.DepositAddress:
    return pv.DepositAddress(address=opt_str(d.address), baseAddress=opt_str(d.base_address),
                             addressExtension=opt_str(d.address_extension), state=d.state,
                             assetId=d.asset_id, symbol=d.symbol)
