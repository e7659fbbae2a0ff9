"""The real server's observable oddities, each a named switch (BEHAVIOUR.md §17).

On by default (the mock behaves like the real server); a scenario, the control API or
the fixture can switch each off to get the documented behaviour instead.
docs/fidelity.md lists each id with what the server does, what the docs say, and its test.
"""
from __future__ import annotations

QUIRKS: dict[str, tuple[bool, str]] = {
    "rest-errors-http-200": (True, "REST API errors: HTTP 200, numeric code, no payload key"),
    "orderbook-per-order-entries": (True, "order-book snapshots list one entry per order"),
    "negative-ask-volumes": (True, "ask volumes in order books are negative"),
    "available-includes-reserved": (True, "balance `available` is the whole balance"),
    "grpc-cancel-all-default-buy": (True, "gRPC CancelAllOrders without side cancels buys only"),
    "grpc-empty-not-found": (True, "gRPC GetOrder not found / GetAssetPair, GetAsset with empty id: empty response"),
    "grpc-givemeerror": (True, "gRPC GetAssetPair('givemeerror') fails with UNKNOWN"),
    "grpc-take-rules": (True, "gRPC take 0 = 1000 for orders/trades, empty list for public trades/operations"),
    "ticker-stream-no-snapshot": (True, "GetTickerUpdates sends no snapshot"),
    "stream-keepalives": (True, "streams send their keep-alive messages every 30 s of clock time"),
    "price-change-fraction": (True, "ticker priceChange is a fraction, not a percentage"),
    "rest-trades-side": (True, "REST trades carry `side`"),
    "bulk-signed-volumes": (True, "bulk statuses report the engine's signed volume (sell negative)"),
    "rest-orderbooks-require-pair": (True, "REST GET /api/orderbooks without assetPairId fails with 500"),
    "grpc-unparseable-decimal-unknown": (True, "gRPC unparseable decimal strings fail with UNKNOWN"),
    "rest-non-uuid-order-id-500": (True, "REST order routes with a non-UUID id fail with 500"),
    "price-stream-empty-snapshot-crash": (True, "GetPriceUpdates with an empty snapshot fails with UNKNOWN"),
    "orderbook-multi-pair-diff": (True, "multi-pair book streams diff against the last book sent"),
    "grpc-orderbooks-empty-pair": (True, "gRPC GetOrderbooks without assetPairId answers one empty book with id \"\""),
    "grpc-non-uuid-order-id-unknown": (True, "gRPC GetOrder/GetOrderTrades with a non-GUID id fail with UNKNOWN"),
    "rest-bulk-null-item-500": (True, "REST bulk order with a null item fails with 500"),
    "rest-trades-time-out-of-range-500": (True, "REST trades from/to outside .NET DateTime range, NaN or infinity fail with 500"),
    "get-order-updates-unimplemented": (False, "GetOrderUpdates answers UNIMPLEMENTED"),
}


class Quirks:
    """Which quirks are on. Unknown ids are an error, so typos do not pass silently."""

    def __init__(self, overrides: dict[str, bool] | None = None):
        self._on = {k: v for k, (v, _) in QUIRKS.items()}
        self.update(overrides or {})

    def update(self, overrides: dict[str, bool]) -> None:
        unknown = sorted(set(overrides) - set(QUIRKS))
        if unknown:
            raise KeyError(f"unknown quirk(s): {', '.join(unknown)}")
        self._on.update({k: bool(v) for k, v in overrides.items()})

    def __getitem__(self, quirk_id: str) -> bool:
        return self._on[quirk_id]

    def as_dict(self) -> dict[str, bool]:
        return dict(self._on)
