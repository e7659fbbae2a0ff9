"""The OpenAPI 3 document of the REST routes (served at /api/v2/swagger.json; Swagger UI at
/swagger/ui/index.html renders it: swagger_ui.py).

The schemas describe what the mock writes with every quirk on (the real server's form).
"""
from __future__ import annotations

from functools import lru_cache

SWAGGER_JSON_PATH = "/api/v2/swagger.json"
SWAGGER_UI_PATH = "/swagger/ui/index.html"

_NUM = {"type": "number"}
_INT = {"type": "integer", "format": "int32"}
_TS = {"type": "integer", "format": "int64", "description": "epoch milliseconds (UTC)"}
_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean"}
_PAIR = {"type": "string", "example": "BTCUSD"}
_VOLUME = {"type": "number", "example": 0.01}
_PRICE = {"type": "number", "example": 9000}
ERROR_NAMES = ["success", "runtimeError", "itemNotFound", "invalidField", "actionForbidden",
               "meBadRequest", "meLowBalance", "meAlreadyProcessed", "meDisabledAsset",
               "meUnknownAsset", "meNoLiquidity", "meNotEnoughFunds", "meDust",
               "meReservedVolumeHigherThanBalance", "meNotFound", "meBalanceLowerThanReserved",
               "meLeadToNegativeSpread", "meTooSmallVolume", "meInvalidFee", "meInvalidPrice",
               "meReplaced", "meNotFoundPrevious", "meDuplicate", "meInvalidVolumeAccuracy",
               "meInvalidPriceAccuracy", "meInvalidVolume", "meTooHighPriceDeviation",
               "meInvalidOrderValue", "meRuntime"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: dict, required: list | None = None, nullable: bool = False,
         closed: bool = True) -> dict:
    out = {"type": "object", "properties": props,
           "required": list(props) if required is None else required}
    if closed:
        out["additionalProperties"] = False
    if nullable:
        out["nullable"] = True
    return out


def _arr(item: dict) -> dict:
    return {"type": "array", "items": item}


SCHEMAS = {
    "ErrorModel": _obj({"code": _INT, "message": _STR,
                        "fields": {"type": "object", "additionalProperties": _STR}}),
    "ErrorResponse": _obj({"error": _ref("ErrorModel")}),
    "ValidationProblemDetails": _obj({
        "errors": {"type": "object", "additionalProperties": _arr(_STR)},
        "type": _STR, "title": _STR, "status": _INT, "traceId": _STR}),
    "ProblemDetails": _obj({"type": _STR, "title": _STR, "status": _INT, "traceId": _STR}),
    "IsAliveResponse": _obj({"name": _STR, "version": _STR, "env": _NSTR, "hostName": _STR,
                             "isDebug": _BOOL, "startedAt": _STR,
                             "stateIndicators": _arr(_obj({"type": _STR, "value": _STR}))}),
    "Asset": _obj({
        "assetId": _STR, "name": _STR, "symbol": _STR, "accuracy": _INT,
        "multiplierPower": _INT, "assetAddress": _NSTR, "blockchainIntegrationLayerId": _NSTR,
        "blockchain": {"type": "string", "enum": ["none", "bitcoin", "ethereum"]},
        "type": {"type": "string", "enum": ["erc20Token"], "nullable": True},
        "isTradable": _BOOL, "isTrusted": _BOOL, "kycNeeded": _BOOL,
        "blockchainWithdrawal": _BOOL, "cashoutMinimalAmount": _NUM,
        "lowVolumeAmount": {"type": "number", "nullable": True}, "lykkeEntityId": _NSTR,
        "siriusAssetId": {"type": "integer", "format": "int64"}, "siriusBlockchainId": _NSTR,
        "blockchainIntegrationType": {"type": "string", "enum": ["none", "bil", "sirius"]},
        "blockchainDepositEnabled": _BOOL, "isDisabled": _BOOL}),
    "AssetPair": _obj({"assetPairId": _STR, "baseAssetId": _STR, "quoteAssetId": _STR,
                       "name": _STR, "priceAccuracy": _INT, "baseAssetAccuracy": _INT,
                       "quoteAssetAccuracy": _INT, "minVolume": _NUM,
                       "minOppositeVolume": _NUM}),
    "VolumePrice": _obj({"v": _NUM, "p": _NUM}),
    "Orderbook": _obj({"assetPairId": _STR, "timestamp": _TS,
                       "bids": _arr(_ref("VolumePrice")), "asks": _arr(_ref("VolumePrice"))}),
    "Price": _obj({"assetPairId": _STR, "bid": _NUM, "ask": _NUM, "timestamp": _TS}),
    "Ticker": _obj({"assetPairId": _STR, "volumeBase": _NUM, "volumeQuote": _NUM,
                    "priceChange": {"type": "number", "description": "a fraction (0.01 = 1 %)"},
                    "lastPrice": _NUM, "high": _NUM, "low": _NUM, "timestamp": _TS}),
    "Balance": _obj({"assetId": _STR,
                     "available": {"type": "number",
                                   "description": "the whole balance, reserved included"},
                     "reserved": _NUM, "timestamp": _TS}),
    "Order": _obj({
        "id": _STR, "timestamp": _TS, "lastTradeTimestamp": dict(_TS, nullable=True),
        "status": {"type": "string", "enum": ["Placed", "PartiallyMatched", "Matched",
                                              "Cancelled", "Replaced", "Rejected", "Pending"]},
        "assetPairId": _STR, "type": {"type": "string", "enum": ["Limit", "Market"]},
        "side": {"type": "string", "enum": ["Buy", "Sell"]}, "price": _NUM, "volume": _NUM,
        "filledVolume": _NUM, "remainingVolume": _NUM, "cost": _NUM}),
    "TradeFee": _obj({"size": _NUM, "assetId": _STR}, nullable=True),
    "Trade": _obj({
        "id": _STR, "timestamp": _TS, "assetPairId": _STR, "orderId": _STR,
        "role": {"type": "string", "enum": ["Maker", "Taker"]},
        "side": {"type": "string", "enum": ["buy", "sell"]}, "price": _NUM,
        "baseVolume": _NUM, "quoteVolume": _NUM, "baseAssetId": _STR, "quoteAssetId": _STR,
        "fee": _ref("TradeFee")},
        required=["id", "timestamp", "assetPairId", "orderId", "role", "price", "baseVolume",
                  "quoteVolume", "baseAssetId", "quoteAssetId", "fee"]),
    "PublicTrade": _obj({"id": _STR, "assetPairId": _STR, "timestamp": _TS, "volume": _NUM,
                         "price": _NUM, "side": {"type": "string", "enum": ["buy", "sell"]}}),
    "Operation": _obj({"operationId": _STR, "assetId": _STR, "totalVolume": _NUM, "fee": _NUM,
                       "type": {"type": "string", "enum": ["deposit", "withdrawal"]},
                       "timestamp": _TS}),
    "DepositAddress": _obj({
        "assetId": _STR, "symbol": _STR, "address": _NSTR, "baseAddress": _NSTR,
        "addressExtension": _NSTR,
        "state": {"type": "string", "enum": ["NotFound", "Creating", "Active", "Blocked"]}}),
    "LimitOrderResponse": _obj({"orderId": _STR}),
    "MarketOrderResponse": _obj({"orderId": _STR, "price": _NUM}),
    "BulkOrderItemStatus": _obj({"id": _STR,
                                 "error": {"type": "string", "enum": ERROR_NAMES},
                                 "volume": _NUM, "price": _NUM}),
    "BulkLimitOrderResponse": _obj({"assetPairId": _STR,
                                    "error": {"type": "string", "enum": ERROR_NAMES},
                                    "statuses": _arr(_ref("BulkOrderItemStatus"))}),
    # requests (property names are matched case-insensitively; decimals may be strings)
    "PlaceLimitOrderRequest": _obj({
        "assetPairId": _PAIR, "side": {"type": "string", "enum": ["buy", "sell"]},
        "volume": _VOLUME, "price": _PRICE}, required=["assetPairId"]),
    "PlaceMarketOrderRequest": _obj({
        "assetPairId": _PAIR, "side": {"type": "string", "enum": ["buy", "sell"]},
        "volume": _VOLUME}, required=["assetPairId"]),
    "BulkOrderItem": _obj({"orderAction": {"type": "string", "enum": ["buy", "sell"]},
                           "volume": _VOLUME, "price": _PRICE, "oldId": _NSTR}, required=[]),
    "PlaceBulkLimitOrderRequest": _obj({
        "assetPairId": _PAIR, "cancelPreviousOrders": _BOOL,
        "cancelMode": {"type": "string", "nullable": True,
                       "enum": ["notEmptySide", "bothSides", "sellSide", "buySide", None]},
        "orders": {"type": "array", "nullable": True, "items": _ref("BulkOrderItem")}},
        required=["assetPairId"]),
    "CreateWithdrawalRequest": _obj({
        "assetId": dict(_STR, example="BTC"), "volume": _VOLUME, "destinationAddress": _STR,
        "destinationAddressExtension": _NSTR}, required=["assetId", "destinationAddress"]),
}


def _envelope(payload: dict) -> dict:
    ok = _obj({"payload": payload, "error": {"nullable": True, "enum": [None]}})
    return {"oneOf": [ok, _ref("ErrorResponse")]}


def _json(schema: dict, description: str = "Success", media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": schema}}}


_PROBLEM = "application/problem+json"


_Q_PAIR = {"name": "assetPairId", "in": "query", "schema": _NSTR}
_Q_OFFSET = {"name": "offset", "in": "query", "schema": dict(_INT, default=0)}
_Q_TAKE = {"name": "take", "in": "query", "schema": dict(_INT, default=100)}
_Q_IDS = {"name": "assetPairIds", "in": "query", "style": "form", "explode": True,
          "schema": _arr(_STR)}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": _STR}


# (method, path, tag, summary, private, parameters, request schema, 200 response, extra)
OPERATIONS = [
    ("get", "/api/isalive", "IsAlive", "Service health", False, [], None,
     _json(_ref("IsAliveResponse"))),
    ("get", "/api/assets", "Assets", "Get all assets", False, [], None,
     _json(_envelope(_arr(_ref("Asset"))))),
    ("get", "/api/assets/{assetId}", "Assets", "Get asset by ID", False, [_path("assetId")],
     None, _json(_envelope(_ref("Asset")))),
    ("get", "/api/assetpairs", "AssetPairs", "Get all asset pairs", False, [], None,
     _json(_envelope(_arr(_ref("AssetPair"))))),
    ("get", "/api/assetpairs/{assetPairId}", "AssetPairs", "Get a specific asset pair", False,
     [_path("assetPairId")], None, _json(_envelope(_ref("AssetPair")))),
    ("get", "/api/orderbooks", "Orderbooks", "Asset pair order book", False,
     [_Q_PAIR, {"name": "depth", "in": "query", "schema": dict(_INT, nullable=True)}], None,
     _json(_envelope(_arr(_ref("Orderbook"))))),
    ("get", "/api/prices", "Prices", "Get current prices", False, [_Q_IDS], None,
     _json(_envelope(_arr(_ref("Price"))))),
    ("get", "/api/tickers", "Tickers", "24hr ticker price change statistics", False, [_Q_IDS],
     None, _json(_envelope(_arr(_ref("Ticker"))))),
    ("get", "/api/trades/public/{assetPairId}", "Trades", "Get last public trades", False,
     [_path("assetPairId"), _Q_OFFSET, _Q_TAKE], None,
     _json(_envelope(_arr(_ref("PublicTrade"))))),
    ("get", "/api/balance", "Balance", "Get the current balance", True, [], None,
     _json(_envelope(_arr(_ref("Balance"))))),
    ("get", "/api/orders/active", "Orders", "Get active orders", True,
     [_Q_PAIR, _Q_OFFSET, _Q_TAKE], None, _json(_envelope(_arr(_ref("Order"))))),
    ("get", "/api/orders/closed", "Orders", "Get closed orders", True,
     [_Q_PAIR, _Q_OFFSET, _Q_TAKE], None, _json(_envelope(_arr(_ref("Order"))))),
    ("get", "/api/orders/{orderId}", "Orders", "Get order by id", True, [_path("orderId")],
     None, _json(_envelope(_ref("Order")))),
    ("post", "/api/orders/limit", "Orders", "Place a limit order", True, [],
     "PlaceLimitOrderRequest", _json(_envelope(_ref("LimitOrderResponse")))),
    ("post", "/api/orders/market", "Orders", "Place a Fill-Or-Kill market order", True, [],
     "PlaceMarketOrderRequest", _json(_envelope(_ref("MarketOrderResponse")))),
    ("post", "/api/orders/bulk", "Orders", "Place multiple limit orders", True, [],
     "PlaceBulkLimitOrderRequest", _json(_envelope(_ref("BulkLimitOrderResponse")))),
    ("delete", "/api/orders", "Orders", "Mass cancel orders", True,
     [_Q_PAIR, {"name": "side", "in": "query",
                "schema": {"type": "string", "enum": ["buy", "sell"]}}], None,
     _json(_envelope({"nullable": True, "enum": [None]}))),
    ("delete", "/api/orders/{orderId}", "Orders", "Cancel order by ID", True,
     [_path("orderId")], None, _json(_envelope({"nullable": True, "enum": [None]}))),
    ("get", "/api/trades", "Trades", "Get trade history", True,
     [_Q_PAIR, {"name": "side", "in": "query",
                "schema": {"type": "string", "enum": ["buy", "sell"]}},
      _Q_OFFSET, _Q_TAKE,
      {"name": "from", "in": "query", "schema": {"type": "number", "format": "double"},
       "description": "epoch ms, exclusive"},
      {"name": "to", "in": "query", "schema": {"type": "number", "format": "double"},
       "description": "epoch ms, inclusive"}], None, _json(_envelope(_arr(_ref("Trade"))))),
    ("get", "/api/trades/order/{orderId}", "Trades", "Get order trades", True,
     [_path("orderId")], None, _json(_envelope(_arr(_ref("Trade"))))),
    ("get", "/api/operations", "Operations", "History of withdrawals and deposits", True,
     [_Q_OFFSET, _Q_TAKE], None, _json(_envelope(_arr(_ref("Operation"))))),
    ("post", "/api/operations/deposits/addresses", "Operations", "Create deposit addresses",
     True, [], None, {"description": "Created (empty body)"}),
    ("get", "/api/operations/deposits/addresses", "Operations", "Get all deposit addresses",
     True, [], None, _json({"oneOf": [_arr(_ref("DepositAddress")), _ref("ErrorResponse")]},
                           "Bare array (no envelope)")),
    ("get", "/api/operations/deposits/addresses/{assetId}", "Operations",
     "Get the deposit address of an asset", True, [_path("assetId")], None,
     _json({"oneOf": [_ref("DepositAddress"), _ref("ErrorResponse")]},
           "Bare object (no envelope)")),
    ("post", "/api/operations/withdrawals", "Operations", "Create a withdrawal", True,
     [{"name": "X-Request-ID", "in": "header", "required": True, "schema": _STR,
       "description": "Unique id for idempotency"}], "CreateWithdrawalRequest",
     _json({"oneOf": [_STR, _ref("ErrorResponse")]}, "Bare JSON string (operation id)")),
]


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    paths: dict = {}
    for method, path, tag, summary, private, params, body, success in OPERATIONS:
        op = {"tags": [tag], "summary": summary,
              "operationId": f"{method}_{path}".replace("/", "_").replace("{", "")
              .replace("}", ""), "parameters": params, "responses": {"200": success}}
        if body:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _ref(body)}}}
            op["responses"]["400"] = _json(_ref("ValidationProblemDetails"),
                                           "Model binding failure", _PROBLEM)
            op["responses"]["415"] = _json(_ref("ProblemDetails"), "Unsupported Media Type",
                                           _PROBLEM)
        elif any(p["in"] != "path" for p in params):
            op["responses"]["400"] = _json(_ref("ValidationProblemDetails"),
                                           "Bad query value", _PROBLEM)
        if path == "/api/operations/deposits/addresses/{assetId}":
            op["responses"]["204"] = {"description": "Nothing to return"}
        if private:
            op["security"] = [{"Bearer": []}]
            op["responses"]["401"] = {"description": "Unauthorized (empty body)"}
        op["responses"]["500"] = _json(_ref("ErrorResponse"), "Runtime error")
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.0.1",
        "info": {"title": "Lykke Trading API", "version": "v2",
                 "description": "Lykke trading API (mock-lykke). API errors are answered "
                                "with HTTP 200 and an `error` object (no `payload`)."},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"Bearer": {
                "type": "http", "scheme": "bearer",
                "description": "API key: `Authorization: Bearer <key>`"}},
        },
    }
