"""The names calls are known by, for both fronts, below every adapter: faults and latency
rules select calls by them, and the fronts serve them.

A gRPC method by its name (from the .proto descriptors); a REST route as "METHOD /template",
e.g. "DELETE /api/orders/{orderId}". The REST front registers exactly these routes
(api/rest.py refuses any other; tests/test_layering.py checks none is missing).
"""
from __future__ import annotations

from .proto import isalive_pb2, privateService_pb2, publicService_pb2


def _grpc_methods() -> dict[str, bool]:
    """gRPC method name -> is a server stream."""
    out = {}
    for module in (publicService_pb2, privateService_pb2, isalive_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                out[m.name] = m.server_streaming
    return out


GRPC_METHODS = _grpc_methods()

REST_ROUTES = (
    "GET /api/isalive",
    "GET /api/assets",
    "GET /api/assets/{assetId}",
    "GET /api/assetpairs",
    "GET /api/assetpairs/{assetPairId}",
    "GET /api/orderbooks",
    "GET /api/prices",
    "GET /api/tickers",
    "GET /api/trades/public/{assetPairId}",
    "GET /api/balance",
    "GET /api/orders/active",
    "GET /api/orders/closed",
    "GET /api/orders/{orderId}",
    "POST /api/orders/limit",
    "POST /api/orders/market",
    "POST /api/orders/bulk",
    "DELETE /api/orders",
    "DELETE /api/orders/{orderId}",
    "GET /api/trades",
    "GET /api/trades/order/{orderId}",
    "GET /api/operations",
    "POST /api/operations/deposits/addresses",
    "GET /api/operations/deposits/addresses",
    "GET /api/operations/deposits/addresses/{assetId}",
    "POST /api/operations/withdrawals",
)
