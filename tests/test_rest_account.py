"""REST account routes: balance, trades (+ by order), operations history, deposit addresses,
withdrawals (BEHAVIOUR.md §7.7, §7.9, §9, §12), byte-exact."""
from __future__ import annotations

import json

import pytest

from test_rest_support import (CRASH, Api, D, api, error_text,  # noqa: F401
                               problem_text, strip_trace)


# --- balance ------------------------------------------------------------------------------
async def test_balance_available_includes_reserved(api: Api):
    await api.limit("BTCUSD", "buy", "0.1", "9000")
    status, headers, text = await api.get("/api/balance")
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert text == ('{"payload":[{"assetId":"BTC","available":2.0,"reserved":0.0,'
                    '"timestamp":1767225600000},{"assetId":"ETH","available":20.0,'
                    '"reserved":0.0,"timestamp":1767225600000},{"assetId":"USD",'
                    '"available":50000.0,"reserved":900.00,"timestamp":1767225600000}],'
                    '"error":null}')
    api.ex.quirks.update({"available-includes-reserved": False})
    usd = (await api.payload("GET", "/api/balance"))[2]
    assert usd == {"assetId": "USD", "available": 49100.0, "reserved": 900.0,
                   "timestamp": 1767225600000}
    assert '"available":49100.00,' in (await api.get("/api/balance"))[2]


async def test_balance_is_truncated_to_accuracy(api: Api):
    api.ex.account("trader").balances["USD"].total = D("10.019")
    assert '"available":10.01,' in (await api.get("/api/balance"))[2]


# --- trades -------------------------------------------------------------------------------
async def _trades(api: Api) -> tuple[str, str]:
    """The trader buys 0.5 @ 10010 (taker, fee 0.001), 1 s later sells 0.2 to the 9990 bid."""
    buy = await api.limit("BTCUSD", "buy", "0.5", "10010")
    api.ex.clock.advance(1000)
    sell = await api.limit("BTCUSD", "sell", "0.2", "9990")
    return buy, sell


async def test_trades_shape_with_side_and_fee(api: Api):
    buy, sell = await _trades(api)
    status, _, text = await api.get("/api/trades")
    ids = [t["id"] for t in json.loads(text)["payload"]]
    assert status == 200
    assert text == (
        '{"payload":['
        f'{{"id":"{ids[0]}","timestamp":1767225601000,"assetPairId":"BTCUSD","orderId":"{sell}",'
        '"role":"Taker","side":"sell","price":9990.0,"baseVolume":0.2,"quoteVolume":1998.00,'
        '"baseAssetId":"BTC","quoteAssetId":"USD","fee":{"size":2.00,"assetId":"USD"}},'
        f'{{"id":"{ids[1]}","timestamp":1767225600000,"assetPairId":"BTCUSD","orderId":"{buy}",'
        '"role":"Taker","side":"buy","price":10010.0,"baseVolume":0.5,"quoteVolume":5005.00,'
        '"baseAssetId":"BTC","quoteAssetId":"USD","fee":{"size":0.00050000,"assetId":"BTC"}}],'
        '"error":null}')


async def test_trades_without_side_quirk_off(api: Api):
    await _trades(api)
    api.ex.quirks.update({"rest-trades-side": False})
    text = (await api.get("/api/trades?take=1"))[2]
    assert '"side"' not in text and '"role":"Taker","price":9990.0' in text


async def test_trades_filters(api: Api):
    buy, sell = await _trades(api)

    async def order_ids(query: str):
        return [t["orderId"] for t in await api.payload("GET", f"/api/trades?{query}")]

    assert await order_ids("side=Buy") == [buy]
    assert await order_ids("side=1") == [sell]
    assert await order_ids("assetPairId=ETHUSD") == []
    assert await order_ids("from=1767225600000") == [sell]               # exclusive
    assert await order_ids("to=1767225600000") == [buy]                  # inclusive
    assert await order_ids("from=1767225599999.6") == [sell]             # rounded to ms
    assert await order_ids("offset=1&take=1") == [buy]
    assert await order_ids("take=0") == []


@pytest.mark.parametrize("query, error", [
    ("assetPairId=NOPE", (1100, "Asset pair not found", "assetPairId")),
    ("offset=-1", (1101, "offset cannot be less than zero.", "offset")),
    ("take=1001&from=1e300", (1101, "take '1001' is too big, maximum is '1000'.", "take")),
])
async def test_trades_validation(api: Api, query, error):
    assert (await api.get(f"/api/trades?{query}"))[2] == error_text(*error)


async def test_trades_bad_query_values_are_400(api: Api):
    status, _, text = await api.get("/api/trades?side=up&from=yesterday&TAKE=")
    assert status == 400
    assert strip_trace(text) == problem_text({"side": ["The value 'up' is not valid."],
                                              "from": ["The value 'yesterday' is not valid."]})


async def test_trades_time_out_of_range_crashes_like_the_server(api: Api):
    await _trades(api)
    for query in ("from=1e300", "to=-1e20", "from=NaN", "to=Infinity"):
        assert (await api.get(f"/api/trades?{query}"))[:3:2] == (500, CRASH), query
    api.ex.quirks.update({"rest-trades-time-out-of-range-500": False})   # off: clamped
    everything = await api.payload("GET", "/api/trades")
    assert everything
    assert await api.payload("GET", "/api/trades?from=-1e300&to=1e300") == everything
    assert await api.payload("GET", "/api/trades?from=1e300") == []


async def test_trades_of_order(api: Api):
    buy, _ = await _trades(api)
    got = await api.payload("GET", f"/api/trades/order/{buy}")
    assert [t["orderId"] for t in got] == [buy]
    assert await api.payload("GET", f"/api/trades/order/{buy.upper()}") == got
    market_order = api.ex.history.orders[api.ex.trades(api.ex.account("market"))[0].order_id].id
    assert await api.payload("GET", f"/api/trades/order/{market_order}") == []
    assert (await api.get("/api/trades/order/nope"))[:3:2] == (500, CRASH)
    api.ex.quirks.update({"rest-non-uuid-order-id-500": False})
    assert (await api.get("/api/trades/order/nope"))[2] == '{"payload":[],"error":null}'


# --- operations, deposits -----------------------------------------------------------------
async def test_operations_history(api: Api):
    op_id = api.ex.deposit(api.ex.account("trader"), "BTC", D("0.5"))
    text = (await api.get("/api/operations"))[2]
    assert text == (f'{{"payload":[{{"operationId":"{op_id}","assetId":"BTC","totalVolume":0.5,'
                    '"fee":0.0,"type":"deposit","timestamp":1767225600000}],"error":null}')
    assert await api.payload("GET", "/api/operations?offset=1") == []


async def test_operations_negative_paging_crashes(api: Api):
    assert (await api.get("/api/operations?take=-1"))[:3:2] == (500, CRASH)


async def test_operations_empty_or_bad_take_is_400(api: Api):
    status, _, text = await api.get("/api/operations?take=&offset=a")
    assert status == 400
    assert strip_trace(text) == problem_text({"offset": ["The value 'a' is not valid."],
                                              "take": ["The value '' is invalid."]})


async def test_deposit_addresses_flow(api: Api):
    status, headers, text = await api.get("/api/operations/deposits/addresses")
    assert (status, headers["Content-Type"], text) == (200, "application/json; charset=utf-8", "[]")
    text = (await api.get("/api/operations/deposits/addresses/BTC"))[2]
    assert text == ('{"assetId":"BTC","symbol":"BTC","address":null,"baseAddress":null,'
                    '"addressExtension":null,"state":"NotFound"}')
    status, headers, text = await api.post("/api/operations/deposits/addresses", None)
    assert (status, text, headers.get("Content-Type")) == (200, "", None)
    listed = json.loads((await api.get("/api/operations/deposits/addresses"))[2])
    assert [a["assetId"] for a in listed] == ["BTC"] and listed[0]["state"] == "Active"
    one = (await api.get("/api/operations/deposits/addresses/BTC"))[2]
    assert json.loads(one) == listed[0]
    assert one.startswith('{"assetId":"BTC","symbol":"BTC","address":"btc1')


async def test_deposit_address_errors(api: Api):
    assert (await api.get("/api/operations/deposits/addresses/NOPE"))[2] == error_text(
        1100, "Asset not found")
    assert (await api.get("/api/operations/deposits/addresses/ETH"))[2] == error_text(
        1100, "Asset not found")
    api.ex.reference.assets["ETH"].blockchain_deposit_enabled = True
    assert (await api.get("/api/operations/deposits/addresses/ETH"))[2] == error_text(
        1102, "Asset unavailable")
    api.ex.account("trader").kyc_required = True
    assert (await api.post("/api/operations/deposits/addresses", None))[2] == error_text(
        1102, "KYC required")


# --- withdrawals --------------------------------------------------------------------------
WITHDRAW = {"assetId": "BTC", "volume": "0.1", "destinationAddress": "bc1qxyz"}


async def test_withdrawal_is_bare_string_and_idempotent(api: Api):
    status, headers, text = await api.post("/api/operations/withdrawals", WITHDRAW,
                                           headers={"X-Request-ID": "r-1"})
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    op_id = json.loads(text)
    assert text == f'"{op_id}"'
    again = await api.post("/api/operations/withdrawals", dict(WITHDRAW, volume=5),
                           headers={"X-Request-ID": "r-1"})
    assert again[2] == text
    ops = await api.payload("GET", "/api/operations")
    assert [(o["operationId"], o["type"], o["totalVolume"]) for o in ops] == [
        (op_id, "withdrawal", 0.1)]


@pytest.mark.parametrize("body, error", [
    (dict(WITHDRAW, volume=0), (1101, "volume cannot be less than zero.", "volume")),
    (dict(WITHDRAW, assetId="NOPE"), (1100, "Asset not found", "assetId")),
    (dict(WITHDRAW, assetId="ETH"), (1102, "Asset unavailable", None)),
])
async def test_withdrawal_errors(api: Api, body, error):
    text = (await api.post("/api/operations/withdrawals", body, headers={"X-Request-ID": "r"}))[2]
    assert text == error_text(*error)
    assert await api.payload("GET", "/api/operations") == []


async def test_withdrawal_model_binding(api: Api):
    status, _, text = await api.post("/api/operations/withdrawals",
                                     {"volume": 1, "destinationAddress": ""})
    assert status == 400
    assert strip_trace(text) == problem_text({
        "X-Request-ID": ["The requestId field is required."],
        "AssetId": ["The AssetId field is required."],
        "DestinationAddress": ["The DestinationAddress field is required."]})
    status, _, text = await api.post("/api/operations/withdrawals", {"x": 1},
                                     headers={"X-Request-ID": " "})
    assert strip_trace(text) == problem_text({
        "X-Request-ID": ["The requestId field is required."],
        "x": ["Could not find member 'x' on object of type 'CreateWithdrawalRequest'. "
              "Path 'x', line 1, position 5."]})
