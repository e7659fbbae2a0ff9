"""REST order routes: place limit/market/bulk, cancel one/all, active/closed lists, order by
id (BEHAVIOUR.md §5, §7.8, §8), byte-exact, with the tolerant request parsing of §3.2."""
from __future__ import annotations

import json

import pytest

from test_rest_support import (CRASH, MARKET, Api, api, error_text,  # noqa: F401
                               problem_text, strip_trace)


def _order_text(order_id: str, status: str = "Placed", side: str = "Buy", price="9000.0",
                volume="0.1", filled="0.0", remaining="0.1", cost="0.0", last="null",
                ts=1767225600000, kind="Limit") -> str:
    return (f'{{"id":"{order_id}","timestamp":{ts},"lastTradeTimestamp":{last},'
            f'"status":"{status}","assetPairId":"BTCUSD","type":"{kind}","side":"{side}",'
            f'"price":{price},"volume":{volume},"filledVolume":{filled},'
            f'"remainingVolume":{remaining},"cost":{cost}}}')


# --- limit orders -------------------------------------------------------------------------
async def test_limit_order_success_and_get_by_id(api: Api):
    status, headers, text = await api.post(
        "/api/orders/limit", '{"assetPairId":"BTCUSD","side":"buy","volume":0.1,"price":9000}')
    order_id = json.loads(text)["payload"]["orderId"]
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert text == f'{{"payload":{{"orderId":"{order_id}"}},"error":null}}'
    assert (await api.get(f"/api/orders/{order_id}"))[2] == (
        '{"payload":' + _order_text(order_id) + ',"error":null}')


async def test_limit_order_keeps_the_given_scale(api: Api):
    order_id = await api.limit("BTCUSD", "buy", "0.1000", "9000.50")
    order = (await api.get(f"/api/orders/{order_id}"))[2]
    assert '"price":9000.50,"volume":0.1000,"filledVolume":0.0000,"remainingVolume":0.1000,' \
           '"cost":0.000000}' in order


@pytest.mark.parametrize("body", [
    '{"AssetPairId":"BTCUSD","SIDE":"Buy","Volume":"0.1","Price":"9,000"}',
    '{"assetpairid":"BTCUSD","side":0,"volume":"1e-1","price":9000.0}',
    '{"assetPairId":"BTCUSD","side":"BUY","volume":" 0.1 ","price":"9000"}',
    '{"assetPairId":"BTCUSD","volume":0.1,"price":9000}',          # missing side = Buy
    '\ufeff{"assetPairId":"BTCUSD","side":"0","volume":0.1,"price":9000} trailing text',
])
async def test_limit_order_tolerant_parsing(api: Api, body):
    status, _, text = await api.post("/api/orders/limit", body,
                                     content_type="application/json; charset=utf-8")
    assert status == 200, text
    order_id = json.loads(text)["payload"]["orderId"]
    order = json.loads((await api.get(f"/api/orders/{order_id}"))[2])["payload"]
    assert (order["side"], order["volume"], order["price"]) == ("Buy", 0.1, 9000.0)


@pytest.mark.parametrize("body, error", [
    ({"assetPairId": "BTCUSD", "side": "buy", "volume": 0.1, "price": 0},
     (1101, "price cannot be less than zero.", "price")),
    ({"assetPairId": "BTCUSD", "side": "buy", "volume": 0.1},        # missing price = 0
     (1101, "price cannot be less than zero.", "price")),
    ({"assetPairId": "NOPE", "side": "buy", "volume": -1, "price": 1},
     (1101, "volume cannot be less than zero.", "volume")),
    ({"assetPairId": "NOPE", "side": "buy", "volume": 1, "price": 1},
     (1100, "Asset pair not found", "assetPairId")),
    ({"assetPairId": "BTCUSD", "side": "buy", "volume": "0.00009", "price": 1},
     (1101, "volume must be greater than 0.0001", "volume")),
    ({"assetPairId": "BTCUSD", "side": "sell", "volume": 3, "price": 9000},
     (2006, "Not enough funds", "volume")),
    ({"assetPairId": "BTCUSD", "side": "buy", "volume": 0.1, "price": "9000.0001"},
     (2019, "Invalid price accuracy", None)),
])
async def test_limit_order_validation(api: Api, body, error):
    before = api.ex.balances(api.ex.account("trader"))
    status, headers, text = await api.post("/api/orders/limit", body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert text == error_text(*error)
    assert api.ex.balances(api.ex.account("trader")) == before
    assert await api.payload("GET", "/api/orders/active") == []


@pytest.mark.parametrize("body, errors", [
    ('{"side":"buy","volume":1,"price":1}',
     {"AssetPairId": ["The AssetPairId field is required."]}),
    ('{"assetPairId":null}', {"AssetPairId": ["The AssetPairId field is required."]}),
    ('{"assetPairId":"  "}', {"AssetPairId": ["The AssetPairId field is required."]}),
    ('{"assetPairId":"BTCUSD","side":"up"}',
     {"side": ["Error converting value \"up\" to type "
               "'Lykke.MatchingEngine.Connector.Models.Common.OrderAction'. "
               "Path 'side', line 1, position 35."]}),
    ('{"assetPairId":"BTCUSD","side":2}',
     {"side": ["Error converting value 2 to type "
               "'Lykke.MatchingEngine.Connector.Models.Common.OrderAction'. "
               "Path 'side', line 1, position 32."]}),
    ('{"assetPairId":"BTCUSD","price":"abc"}',
     {"price": ["Could not convert string to decimal: abc. Path 'price', line 1, position 37."]}),
    ('{"assetPairId":"BTCUSD","volume":null}',
     {"volume": ["Error converting value {null} to type 'System.Decimal'. "
                 "Path 'volume', line 1, position 37."]}),
    ('{"assetPairId":"BTCUSD",\n "extra":1,"side":"x"}',
     {"extra": ["Could not find member 'extra' on object of type 'PlaceLimitOrderRequest'. "
                "Path 'extra', line 2, position 9."],
      "side": ["Error converting value \"x\" to type "
               "'Lykke.MatchingEngine.Connector.Models.Common.OrderAction'. "
               "Path 'side', line 2, position 21."]}),
    ("", {"": ["A non-empty request body is required."]}),
    ("  ", {"": ["A non-empty request body is required."]}),
    ("null", {"": ["A non-empty request body is required."]}),
    ("[1]", {"": ["Cannot deserialize the current JSON array (e.g. [1,2,3]) into type "
                  "'HftApi.WebApi.Models.Request.PlaceLimitOrderRequest' because the type "
                  "requires a JSON object (e.g. {\"name\":\"value\"}) to deserialize correctly. "
                  "Path '', line 1, position 1."]}),
    ('{"assetPairId":"BTCUSD",', {"assetPairId": [
        "Unexpected end when reading JSON. Path 'assetPairId', line 1, position 24."]}),
])
async def test_limit_order_model_binding_400(api: Api, body, errors):
    status, headers, text = await api.post("/api/orders/limit", body)
    assert status == 400, text
    assert headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert strip_trace(text) == problem_text(errors)
    assert await api.payload("GET", "/api/orders/active") == []


_ACTION = "'Lykke.MatchingEngine.Connector.Models.Common.OrderAction'"


@pytest.mark.parametrize("body, key, message", [
    ('{"assetPairId":"BTCUSD","volume":"\uff11e1"}', "volume",
     "Could not convert string to decimal: \uff11e1. Path 'volume', line 1, position 38."),
    ('{"assetPairId":"BTCUSD","volume":"\u00a01e1"}', "volume",
     "Could not convert string to decimal: \u00a01e1. Path 'volume', line 1, position 39."),
    ('{"assetPairId":"BTCUSD","side":"\uff11"}', "side",
     f"Error converting value \"\uff11\" to type {_ACTION}. Path 'side', line 1, position 34."),
    ('{"assetPairId":"BTCUSD","side":"sell,\u0661"}', "side",
     f"Error converting value \"sell,\u0661\" to type {_ACTION}. Path 'side', line 1, "
     "position 39."),
    ('{"assetPairId":"BTCUSD","volume":1\uff12}', "volume", None),
])
async def test_non_ascii_digits_are_not_numbers(api: Api, body, key, message):
    """.NET's parsers take ASCII digits and white space only."""
    status, _, text = await api.post("/api/orders/limit", body)
    assert status == 400, text
    errors = json.loads(text)["errors"]
    assert list(errors) == [key]
    if message is not None:
        assert errors[key] == [message]
    status, _, text = await api.get("/api/orders/active?take=\uff11")
    assert status == 400
    assert json.loads(text)["errors"] == {"take": ["The value '\uff11' is not valid."]}
    assert await api.payload("GET", "/api/orders/active") == []


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_limit_order_wrong_content_type_is_415(api: Api, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    status, hdrs, text = await api.call("POST", "/api/orders/limit", content_type=None,
                                        body='{"assetPairId":"BTCUSD"}', headers=headers)
    assert status == 415 and hdrs["Content-Type"] == "application/problem+json; charset=utf-8"
    assert text.startswith('{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.13",'
                           '"title":"Unsupported Media Type","status":415,"traceId":"00-')


async def test_trace_ids_are_deterministic_per_app(api: Api):
    texts = [(await api.post("/api/orders/limit", ""))[2] for _ in range(2)]
    assert texts[0] != texts[1]
    assert '"traceId":"00-042b87d5e3325baffae6232439ef77bc-5927ed5751f192f1-00"' in texts[0]


# --- market orders ------------------------------------------------------------------------
async def test_market_order_price_is_average(api: Api):
    await api.limit("BTCUSD", "sell", "0.5", "10020", key=MARKET)
    status, _, text = await api.post(
        "/api/orders/market", {"assetPairId": "BTCUSD", "side": "buy", "volume": 2})
    order_id = json.loads(text)["payload"]["orderId"]
    assert text == f'{{"payload":{{"orderId":"{order_id}","price":10012.5}},"error":null}}'
    closed = (await api.get("/api/orders/closed"))[2]
    assert closed == ('{"payload":[' + _order_text(
        order_id, "Matched", "Buy", "10012.5", "2.0", "2.0", "0.0", "20025.00",
        "1767225600000", kind="Market") + '],"error":null}')


@pytest.mark.parametrize("body, want", [
    ({"assetPairId": "BTCUSD", "side": "buy", "volume": 0},
     (1101, "volume cannot be less than zero.", "volume")),
    ({"assetPairId": "X", "side": "buy", "volume": 1},
     (1100, "Asset pair not found", "assetPairId")),
    ({"assetPairId": "BTCUSD", "side": "buy", "volume": "0.00001"},
     (1101, "volume must be greater than 0.0001", "volume")),
    ({"assetPairId": "BTCUSD", "side": "buy", "volume": 5}, (2005, "No liquidity")),
    ({"assetPairId": "BTCUSD", "side": "sell", "volume": "1.5"}, (2006, "Not enough funds")),
])
async def test_market_order_errors(api: Api, body, want):
    btc = api.ex.account("trader").balances["BTC"]
    btc.total = btc.total / 2
    status, headers, text = await api.post("/api/orders/market", body)
    assert (status, headers["Content-Type"], text) == (200, "application/json", error_text(*want))
    assert await api.payload("GET", "/api/orders/closed") == []


async def test_market_order_rejects_price_member(api: Api):
    status, _, text = await api.post(
        "/api/orders/market", '{"assetPairId":"BTCUSD","volume":1,"price":1}')
    assert status == 400
    assert "Could not find member 'price' on object of type 'PlaceMarketOrderRequest'" in text


# --- bulk ---------------------------------------------------------------------------------
async def test_bulk_success_with_signed_volumes(api: Api):
    body = ('{"assetPairId":"BTCUSD","orders":[{"orderAction":"sell","volume":0.1,'
            '"price":11000.5},{"orderAction":"Buy","volume":"0.2","price":9000},'
            '{"orderAction":1,"volume":0.1,"price":0}]}')
    status, _, text = await api.post("/api/orders/bulk", body)
    ids = [s["id"] for s in json.loads(text)["payload"]["statuses"]]
    assert status == 200
    assert text == ('{"payload":{"assetPairId":"BTCUSD","error":"success","statuses":['
                    f'{{"id":"{ids[0]}","error":"success","volume":-0.1,"price":11000.5}},'
                    f'{{"id":"{ids[1]}","error":"success","volume":0.2,"price":9000.0}},'
                    f'{{"id":"{ids[2]}","error":"meInvalidPrice","volume":-0.1,"price":0.0}}]}},'
                    '"error":null}')
    active = await api.payload("GET", "/api/orders/active")
    assert sorted(o["id"] for o in active) == sorted(ids[:2])
    api.ex.quirks.update({"bulk-signed-volumes": False})
    text = (await api.post("/api/orders/bulk", body))[2]
    assert '"volume":0.1,"price":11000.5' in text and "-0.1" not in text


async def test_bulk_cancel_previous_and_replace(api: Api):
    old_buy = await api.limit("BTCUSD", "buy", "0.1", "9000")
    old_sell = await api.limit("BTCUSD", "sell", "0.1", "11000")
    body = {"assetPairId": "BTCUSD", "cancelPreviousOrders": True, "cancelMode": "buySide",
            "orders": [{"orderAction": "sell", "volume": 0.1, "price": 11500, "oldId": old_sell},
                       {"orderAction": "buy", "volume": 0.1, "price": 9100, "oldId": ""}]}
    payload = json.loads((await api.post("/api/orders/bulk", body))[2])["payload"]
    assert [s["error"] for s in payload["statuses"]] == ["success", "meNotFoundPrevious"]
    closed = {o["id"]: o["status"] for o in await api.payload("GET", "/api/orders/closed")}
    assert closed == {old_buy: "Cancelled", old_sell: "Replaced"}


async def test_bulk_unknown_pair_and_empty_orders(api: Api):
    text = (await api.post("/api/orders/bulk", {"assetPairId": "NOPE", "orders": [
        {"orderAction": "buy", "volume": 1, "price": 1}]}))[2]
    assert text == ('{"payload":{"assetPairId":"NOPE","error":"meUnknownAsset","statuses":[]},'
                    '"error":null}')
    text = (await api.post("/api/orders/bulk", '{"assetPairId":"BTCUSD","orders":null}'))[2]
    assert text == ('{"payload":{"assetPairId":"BTCUSD","error":"success","statuses":[]},'
                    '"error":null}')


@pytest.mark.parametrize("body, key, message", [
    ('{"assetPairId":"BTCUSD","orders":[{"side":"buy","volume":1,"price":1}]}', "orders[0].side",
     "Could not find member 'side' on object of type 'BulkOrderItemModel'. "
     "Path 'orders[0].side', line 1, position 42."),
    ('{"assetPairId":"BTCUSD","cancelMode":"all"}', "cancelMode",
     "Error converting value \"all\" to type 'System.Nullable`1[Lykke.MatchingEngine.Connector"
     ".Models.Api.CancelMode]'. Path 'cancelMode', line 1, position 42."),
    ('{"assetPairId":"BTCUSD","cancelPreviousOrders":"maybe"}', "cancelPreviousOrders",
     "Could not convert string to boolean: maybe. Path 'cancelPreviousOrders', line 1, "
     "position 54."),
    ('{"assetPairId":"BTCUSD","orders":{}}', "orders",
     "Cannot deserialize the current JSON object (e.g. {\"name\":\"value\"}) into type "
     "'System.Collections.Generic.List`1[HftApi.WebApi.Models.Request.BulkOrderItemModel]' "
     "because the type requires a JSON array (e.g. [1,2,3]) to deserialize correctly. "
     "Path 'orders', line 1, position 34."),
    ('{"assetPairId":"BTCUSD","orders":[5]}', "orders[0]",
     "Error converting value 5 to type 'HftApi.WebApi.Models.Request.BulkOrderItemModel'. "
     "Path 'orders[0]', line 1, position 35."),
])
async def test_bulk_model_binding_400(api: Api, body, key, message):
    status, _, text = await api.post("/api/orders/bulk", body)
    assert status == 400
    assert strip_trace(text) == problem_text({key: [message]})


async def test_bulk_null_item_crashes_like_the_server(api: Api):
    body = '{"assetPairId":"BTCUSD","orders":[null,{"orderAction":"buy","volume":1,"price":1}]}'
    assert (await api.post("/api/orders/bulk", body))[:3:2] == (500, CRASH)
    assert await api.payload("GET", "/api/orders/active") == []
    api.ex.quirks.update({"rest-bulk-null-item-500": False})   # off: null items are skipped
    status, _, text = await api.post("/api/orders/bulk", body)
    assert status == 200 and text.count('"error":"success"') == 2, text
    assert len(await api.payload("GET", "/api/orders/active")) == 1


async def test_bulk_cancel_modes_accept_any_case_and_integers(api: Api):
    for mode in ("BOTHSIDES", "bothSides", 1, "3", None):
        body = {"assetPairId": "BTCUSD", "cancelPreviousOrders": 1, "cancelMode": mode}
        assert (await api.post("/api/orders/bulk", body))[0] == 200


# --- cancels ------------------------------------------------------------------------------
async def test_cancel_one(api: Api):
    order_id = await api.limit("BTCUSD", "buy", "0.1", "9000")
    assert (await api.delete(f"/api/orders/{order_id}"))[2] == '{"payload":null,"error":null}'
    assert (await api.delete(f"/api/orders/{order_id}"))[2] == error_text(2009, "Not found")
    assert (await api.delete("/api/orders/not-an-id"))[2] == error_text(2009, "Not found")
    market_order = api.ex.history.active_orders(api.ex.account("market").wallet_id)[0].id
    assert (await api.delete(f"/api/orders/{market_order}"))[2] == error_text(2009, "Not found")


async def test_cancel_all_by_pair_and_side(api: Api):
    buy = await api.limit("BTCUSD", "buy", "0.1", "9000")
    sell = await api.limit("BTCUSD", "sell", "0.1", "11000")
    assert (await api.delete("/api/orders?assetPairId=NOPE"))[2] == error_text(
        1100, "Asset pair not found", "assetPairId")
    ok = '{"payload":null,"error":null}'
    assert (await api.delete("/api/orders?assetPairId=ETHUSD"))[2] == ok
    assert len(await api.payload("GET", "/api/orders/active")) == 2
    assert (await api.delete("/api/orders?side=SELL"))[2] == '{"payload":null,"error":null}'
    assert [o["id"] for o in await api.payload("GET", "/api/orders/active")] == [buy]
    await api.delete("/api/orders?assetPairId=&side=")
    assert await api.payload("GET", "/api/orders/active") == []
    assert sell
    assert len(api.ex.history.active_orders(api.ex.account("market").wallet_id)) == 2


async def test_cancel_all_bad_side_is_400(api: Api):
    status, _, text = await api.delete("/api/orders?side=both")
    assert status == 400
    assert strip_trace(text) == problem_text({"side": ["The value 'both' is not valid."]})
    status, _, text = await api.delete("/api/orders?side=7")
    assert strip_trace(text) == problem_text({"side": ["The value '7' is invalid."]})


# --- lists and by id ----------------------------------------------------------------------
async def test_active_and_closed_lists_newest_first_and_paged(api: Api):
    first = await api.limit("BTCUSD", "buy", "0.1", "9000")
    api.ex.clock.advance(10)
    second = await api.limit("BTCUSD", "buy", "0.1", "9001")
    ids = [o["id"] for o in await api.payload("GET", "/api/orders/active")]
    assert ids == [second, first]
    assert [o["id"] for o in await api.payload("GET", "/api/orders/active?offset=1&take=1")] \
        == [first]
    assert await api.payload("GET", "/api/orders/active?take=0") == []
    assert await api.payload("GET", "/api/orders/active?assetPairId=ETHUSD") == []
    await api.delete(f"/api/orders/{first}")
    closed = (await api.get("/api/orders/closed"))[2]
    assert closed == '{"payload":[' + _order_text(first, "Cancelled") + '],"error":null}'


@pytest.mark.parametrize("query, error", [
    ("assetPairId=NOPE&take=-1", (1100, "Asset pair not found", "assetPairId")),
    ("offset=-1&take=-1", (1101, "offset cannot be less than zero.", "offset")),
    ("take=-1", (1101, "take cannot be less than zero.", "take")),
    ("take=1001", (1101, "take '1001' is too big, maximum is '1000'.", "take")),
])
async def test_order_list_validation(api: Api, query, error):
    for kind in ("active", "closed"):
        assert (await api.get(f"/api/orders/{kind}?{query}"))[2] == error_text(*error)


async def test_order_list_bad_query_is_400(api: Api):
    status, _, text = await api.get("/api/orders/active?offset=x&take=99999999999")
    assert status == 400
    assert strip_trace(text) == problem_text({"offset": ["The value 'x' is not valid."],
                                              "take": ["The value '99999999999' is not valid."]})


async def test_get_order_not_found_field_is_the_given_id(api: Api):
    missing = "AC336213-0A64-44A8-9599-E88BF6AA1B69"      # camel-cased as Newtonsoft does
    text = (await api.get(f"/api/orders/{missing}"))[2]
    assert text == error_text(1100, "Order not found", "aC336213-0A64-44A8-9599-E88BF6AA1B69")
    other = api.ex.history.active_orders(api.ex.account("market").wallet_id)[0].id
    assert (await api.get(f"/api/orders/{other}"))[2] == error_text(1100, "Order not found", other)


async def test_get_order_accepts_any_guid_form(api: Api):
    order_id = await api.limit("BTCUSD", "buy", "0.1", "9000")
    for form in (order_id.upper(), order_id.replace("-", ""), "{" + order_id + "}"):
        assert json.loads((await api.get(f"/api/orders/{form}"))[2])["payload"]["id"] == order_id


async def test_get_order_non_uuid_is_500_quirk(api: Api):
    assert (await api.get("/api/orders/12345"))[:3:2] == (500, CRASH)
    api.ex.quirks.update({"rest-non-uuid-order-id-500": False})
    assert (await api.get("/api/orders/12345"))[2] == error_text(1100, "Order not found", "12345")


async def test_literal_segments_win_over_order_id(api: Api):
    assert (await api.get("/api/orders/active"))[2] == '{"payload":[],"error":null}'
    assert (await api.get("/api/orders/Closed/"))[2] == '{"payload":[],"error":null}'
    assert (await api.get("/api/orders/limit"))[:3:2] == (500, CRASH)   # GET: an order id
    assert (await api.delete("/api/orders/active"))[2] == error_text(2009, "Not found")
    assert (await api.post("/api/orders/active", "{}"))[0] == 405
