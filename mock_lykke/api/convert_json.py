"""REST responses in one place (BEHAVIOUR.md §3.1, §4): content types, envelopes (the API
error, problem details, the crash body) and the response shapes. Key order is the real
models' declaration order. The JSON writer is json_writer; request binding (bodies and
query values) is json_binding, over json_reader.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from decimal import Decimal

from ..engine import events as ev
from ..engine.errors import Code
from .json_writer import camel, dumps, from_double

JSON = "application/json; charset=utf-8"          # MVC results
JSON_PLAIN = "application/json"                    # the error middleware, key check
PROBLEM = "application/problem+json; charset=utf-8"


# --- envelopes ----------------------------------------------------------------------------
CODE_STATUS = {Code.itemNotFound: 404, Code.invalidField: 400, Code.actionForbidden: 403,
               Code.runtimeError: 500, Code.meRuntime: 500}
DEFAULT_MESSAGES = {Code.runtimeError: "Runtime error", Code.itemNotFound: "Item not found",
                    Code.invalidField: "Invalid field", Code.actionForbidden: "Action forbidden"}


def ok(payload) -> str:
    """dumps({"payload": payload, "error": None})"""
    return '{"payload":' + dumps(payload) + ',"error":null}'


def error_body(code: int, message: str, field: str | None, quirks) -> tuple[int, str]:
    """(HTTP status, body) of an API error. Quirk rest-errors-http-200 on: 200, numeric code,
    no payload key; off: the documented form (code name, `"payload": null`, HTTP status by
    code: 404 not found, 400 invalid field and engine rejections, 403 forbidden, 500)."""
    code = Code(code)
    fields = {camel(field): message} if field is not None else {}
    if quirks["rest-errors-http-200"]:
        return 200, dumps({"error": {"code": int(code), "message": message, "fields": fields}})
    body = {"error": {"code": code.name, "message": message, "fields": fields}, "payload": None}
    return CODE_STATUS.get(code, 400), dumps(body)


def crash_body(quirks, message: str = "Runtime error") -> tuple[int, str]:
    """An unhandled exception: HTTP 500 in both forms."""
    return 500, error_body(Code.runtimeError, message, None, quirks)[1]


def trace_id(n: int) -> str:
    """A W3C trace id, derived from a request counter (deterministic)."""
    digest = hashlib.sha256(f"mock-lykke-trace-{n}".encode()).hexdigest()
    return f"00-{digest[:32]}-{digest[32:48]}-00"


def problem_400(errors: dict[str, list[str]], n: int) -> str:
    """ASP.NET's validation problem details, keys in the real server's order (BEHAVIOUR.md
    §4.1: type, title, status, traceId, errors)."""
    return dumps({"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
                  "title": "One or more validation errors occurred.", "status": 400,
                  "traceId": trace_id(n), "errors": errors})


def problem_415(n: int) -> str:
    return dumps({"type": "https://tools.ietf.org/html/rfc7231#section-6.5.13",
                  "title": "Unsupported Media Type", "status": 415, "traceId": trace_id(n)})


# --- response shapes ----------------------------------------------------------------------
def iso_utc(ms: int) -> str:
    """Newtonsoft's ISO form of a UTC DateTime (fraction without trailing zeros)."""
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    frac = f"{ms % 1000:03d}".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def isalive(version: str, started_at: int, host_name: str) -> dict:
    return {"name": "Lykke.HftApi", "version": version, "env": None, "hostName": host_name,
            "isDebug": False, "startedAt": iso_utc(started_at), "stateIndicators": []}


def asset(a) -> dict:
    return {
        "assetId": a.asset_id, "name": a.name, "symbol": a.symbol, "accuracy": a.accuracy,
        "multiplierPower": a.multiplier_power if a.multiplier_power is not None else a.accuracy,
        "assetAddress": a.asset_address,
        "blockchainIntegrationLayerId": a.blockchain_integration_layer_id,
        "blockchain": a.blockchain, "type": a.type, "isTradable": a.is_tradable,
        "isTrusted": a.is_trusted, "kycNeeded": a.kyc_needed,
        "blockchainWithdrawal": a.blockchain_withdrawal,
        "cashoutMinimalAmount": float(a.cashout_minimal_amount),
        "lowVolumeAmount": None if a.low_volume_amount is None else float(a.low_volume_amount),
        "lykkeEntityId": a.lykke_entity_id, "siriusAssetId": a.sirius_asset_id,
        "siriusBlockchainId": a.sirius_blockchain_id,
        "blockchainIntegrationType": a.blockchain_integration_type,
        "blockchainDepositEnabled": a.blockchain_deposit_enabled, "isDisabled": a.is_disabled,
    }


def asset_pair(p, assets: dict) -> dict:
    base, quote = assets.get(p.base), assets.get(p.quote)
    return {"assetPairId": p.pair_id, "baseAssetId": p.base, "quoteAssetId": p.quote,
            "name": p.name, "priceAccuracy": p.price_accuracy,
            "baseAssetAccuracy": base.accuracy if base else 0,
            "quoteAssetAccuracy": quote.accuracy if quote else 0,
            "minVolume": p.min_volume, "minOppositeVolume": p.min_opposite_volume}


def _levels(entries, negate: bool, per_order: bool, depth: int) -> list[dict]:
    if not per_order:
        merged: dict[Decimal, Decimal] = {}
        for price, volume in entries:
            merged[price] = merged[price] + volume if price in merged else volume
        entries = list(merged.items())
    if depth and depth > 0:
        entries = entries[:depth]
    return [{"v": -volume if negate else volume, "p": price} for price, volume in entries]


def orderbook(book: ev.BookChanged, quirks, depth: int = 0) -> dict:
    """`book` holds every entry when per-order entries are off (depth then counts levels)."""
    per_order = quirks["orderbook-per-order-entries"]
    negate = quirks["negative-ask-volumes"]
    return {"assetPairId": book.pair_id, "timestamp": book.timestamp,
            "bids": _levels(book.bids, False, per_order, depth),
            "asks": _levels(book.asks, negate, per_order, depth)}


def price(p: ev.PriceChanged) -> dict:
    return {"assetPairId": p.pair_id, "bid": p.bid, "ask": p.ask, "timestamp": p.timestamp}


def ticker(t: ev.Ticker, quirks) -> dict:
    change = t.price_change if quirks["price-change-fraction"] else t.price_change * 100
    return {"assetPairId": t.pair_id, "volumeBase": t.volume_base, "volumeQuote": t.volume_quote,
            "priceChange": float(change), "lastPrice": t.last_price, "high": t.high,
            "low": t.low, "timestamp": t.timestamp}


def balance(b, quirks) -> dict:
    available = b.total if quirks["available-includes-reserved"] else b.total - b.reserved
    return {"assetId": b.asset_id, "available": available, "reserved": b.reserved,
            "timestamp": b.timestamp}


def order(o) -> dict:
    return {"id": o.id, "timestamp": o.created, "lastTradeTimestamp": o.last_trade,
            "status": o.status, "assetPairId": o.pair_id, "type": o.type,
            "side": o.side.capitalize(), "price": o.price, "volume": o.volume,
            "filledVolume": o.filled, "remainingVolume": o.remaining, "cost": o.cost}


def trade(t, quirks) -> dict:
    out = {"id": t.id, "timestamp": t.timestamp, "assetPairId": t.pair_id,
           "orderId": t.order_id, "role": t.role}
    if quirks["rest-trades-side"]:
        out["side"] = t.side
    out.update({"price": t.price, "baseVolume": t.base_volume, "quoteVolume": t.quote_volume,
                "baseAssetId": t.base_asset, "quoteAssetId": t.quote_asset,
                "fee": None if t.fee_size is None or t.fee_asset is None
                else {"size": t.fee_size, "assetId": t.fee_asset}})
    return out


def public_trade(t) -> dict:
    return {"id": t.id, "assetPairId": t.pair_id, "timestamp": t.timestamp,
            "volume": t.volume, "price": t.price, "side": t.side}


def market_order(order_id: str, avg_price: float) -> dict:
    return {"orderId": order_id, "price": from_double(avg_price)}


def bulk_result(pair_id: str, result, quirks) -> dict:
    signed = quirks["bulk-signed-volumes"]
    return {"assetPairId": pair_id, "error": Code(result.code).name, "statuses": [
        {"id": s.id, "error": Code(s.code).name,
         "volume": from_double(s.volume if signed else abs(s.volume)),
         "price": from_double(s.price)} for s in result.statuses]}


def operation(op) -> dict:
    return {"operationId": op.id, "assetId": op.asset_id, "totalVolume": op.total_volume,
            "fee": op.fee, "type": op.type, "timestamp": op.timestamp}


def deposit_address(d) -> dict:
    return {"assetId": d.asset_id, "symbol": d.symbol, "address": d.address,
            "baseAddress": d.base_address, "addressExtension": d.address_extension,
            "state": d.state}
