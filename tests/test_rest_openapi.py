"""The OpenAPI document stays true: the same routes as the app, and real responses (success
and error paths of every route) validate against its schemas."""
from __future__ import annotations

import pytest
import requests
import schemathesis

from mock_lykke.api.openapi import openapi_document
from mock_lykke.api.rest import ROUTES
from mock_lykke.state import Mock
from test_rest_support import TRADER, D, ThreadServer, world

def test_document_lists_exactly_the_app_routes():
    doc = openapi_document()
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert documented == {(r.method, r.template) for r in ROUTES}
    for r in ROUTES:
        op = doc["paths"][r.template][r.method.lower()]
        assert ("security" in op) == r.private, r.template
        for name in (s[1:-1] for s in r.segments if s.startswith("{")):
            assert {"name": name, "in": "path", "required": True,
                    "schema": {"type": "string"}} in op["parameters"]


def test_document_is_valid_openapi():
    schema = schemathesis.openapi.from_dict(openapi_document())
    assert len(list(schema.get_all_operations())) == len(ROUTES)
    assert schema.raw_schema["info"] == {
        "title": "Lykke Trading API", "version": "v2",
        "description": openapi_document()["info"]["description"]}


@pytest.fixture(scope="module")
def live():
    ex = world()
    with ThreadServer(Mock(ex)) as url:
        yield url, ex


# (method, template, concrete path, body, extra headers): success and error paths
def _calls(ex) -> list:
    trader = ex.account("trader")
    order_id = ex.place_limit(trader, "BTCUSD", "buy", D("0.1"), D("9000"))
    ex.place_limit(trader, "BTCUSD", "buy", D("0.2"), D("10010"))       # trades with the ask
    ex.deposit(trader, "BTC", D("1"))
    limit = {"assetPairId": "BTCUSD", "side": "buy", "volume": 0.1, "price": 9000}
    bulk = {"assetPairId": "BTCUSD", "orders": [{"orderAction": "sell", "volume": 0.1,
                                                 "price": 11000}]}
    wd = {"assetId": "BTC", "volume": 0.01, "destinationAddress": "bc1q"}
    return [
        ("GET", "/api/isalive", "/api/isalive", None, {}),
        ("GET", "/api/assets", "/api/assets", None, {}),
        ("GET", "/api/assets/{assetId}", "/api/assets/BTC", None, {}),
        ("GET", "/api/assets/{assetId}", "/api/assets/NOPE", None, {}),
        ("GET", "/api/assetpairs", "/api/assetpairs", None, {}),
        ("GET", "/api/assetpairs/{assetPairId}", "/api/assetpairs/BTCUSD", None, {}),
        ("GET", "/api/assetpairs/{assetPairId}", "/api/assetpairs/NOPE", None, {}),
        ("GET", "/api/orderbooks", "/api/orderbooks?assetPairId=BTCUSD", None, {}),
        ("GET", "/api/orderbooks", "/api/orderbooks?assetPairId=NOPE", None, {}),
        ("GET", "/api/orderbooks", "/api/orderbooks", None, {}),
        ("GET", "/api/orderbooks", "/api/orderbooks?assetPairId=BTCUSD&depth=x", None, {}),
        ("GET", "/api/prices", "/api/prices", None, {}),
        ("GET", "/api/tickers", "/api/tickers?assetPairIds=BTCUSD", None, {}),
        ("GET", "/api/trades/public/{assetPairId}", "/api/trades/public/BTCUSD", None, {}),
        ("GET", "/api/trades/public/{assetPairId}", "/api/trades/public/X?take=y", None, {}),
        ("GET", "/api/balance", "/api/balance", None, {}),
        ("GET", "/api/balance", "/api/balance", None, {"Authorization": ""}),
        ("GET", "/api/orders/active", "/api/orders/active", None, {}),
        ("GET", "/api/orders/active", "/api/orders/active?take=5000", None, {}),
        ("GET", "/api/orders/closed", "/api/orders/closed", None, {}),
        ("GET", "/api/orders/{orderId}", f"/api/orders/{order_id}", None, {}),
        ("GET", "/api/orders/{orderId}", "/api/orders/" + "0" * 32, None, {}),
        ("GET", "/api/orders/{orderId}", "/api/orders/not-a-uuid", None, {}),
        ("POST", "/api/orders/limit", "/api/orders/limit", limit, {}),
        ("POST", "/api/orders/limit", "/api/orders/limit", dict(limit, price=-1), {}),
        ("POST", "/api/orders/limit", "/api/orders/limit", {"x": 1}, {}),
        ("POST", "/api/orders/market", "/api/orders/market",
         {"assetPairId": "BTCUSD", "side": "buy", "volume": 0.01}, {}),
        ("POST", "/api/orders/market", "/api/orders/market",
         {"assetPairId": "BTCUSD", "side": "buy", "volume": 100}, {}),
        ("POST", "/api/orders/bulk", "/api/orders/bulk", bulk, {}),
        ("POST", "/api/orders/bulk", "/api/orders/bulk", "text", {}),
        ("DELETE", "/api/orders", "/api/orders?side=sell", None, {}),
        ("DELETE", "/api/orders", "/api/orders?assetPairId=NOPE", None, {}),
        ("DELETE", "/api/orders/{orderId}", f"/api/orders/{order_id}", None, {}),
        ("DELETE", "/api/orders/{orderId}", f"/api/orders/{order_id}", None, {}),
        ("GET", "/api/trades", "/api/trades", None, {}),
        ("GET", "/api/trades", "/api/trades?side=x", None, {}),
        ("GET", "/api/trades/order/{orderId}", f"/api/trades/order/{order_id}", None, {}),
        ("GET", "/api/operations", "/api/operations", None, {}),
        ("GET", "/api/operations", "/api/operations?take=-1", None, {}),
        ("GET", "/api/operations/deposits/addresses", "/api/operations/deposits/addresses",
         None, {}),
        ("GET", "/api/operations/deposits/addresses/{assetId}",
         "/api/operations/deposits/addresses/BTC", None, {}),
        ("GET", "/api/operations/deposits/addresses/{assetId}",
         "/api/operations/deposits/addresses/NOPE", None, {}),
        ("POST", "/api/operations/deposits/addresses", "/api/operations/deposits/addresses",
         None, {}),
        ("POST", "/api/operations/withdrawals", "/api/operations/withdrawals", wd,
         {"X-Request-ID": "w1"}),
        ("POST", "/api/operations/withdrawals", "/api/operations/withdrawals", wd, {}),
        ("POST", "/api/operations/withdrawals", "/api/operations/withdrawals",
         dict(wd, volume=0), {"X-Request-ID": "w2"}),
    ]


def test_real_responses_match_the_document(live):
    url, ex = live
    schema = schemathesis.openapi.from_dict(openapi_document())
    seen = set()
    session = requests.Session()
    for method, template, path, body, headers in _calls(ex):
        hdrs = {"Authorization": f"Bearer {TRADER}", **headers}
        if not hdrs["Authorization"]:
            del hdrs["Authorization"]
        kw = {"json": body} if isinstance(body, dict) else {"data": body} if body else {}
        if isinstance(body, str):
            hdrs["Content-Type"] = "text/plain"
        resp = session.request(method, url + path, headers=hdrs, **kw)
        documented = openapi_document()["paths"][template][method.lower()]["responses"]
        assert str(resp.status_code) in documented, (method, path, resp.status_code)
        media = list(documented[str(resp.status_code)].get("content", {}))
        got = resp.headers.get("Content-Type", "").split(";")[0] or None
        assert got == (media[0] if media else None), (method, path, got)
        schema[template][method].validate_response(resp)        # the body against its schema
        seen.add((method, template))
    assert seen == {(r.method, r.template) for r in ROUTES}
