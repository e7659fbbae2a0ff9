"""Issue 14, "no input crashes a route": one test per input that used to answer 500, hang
or slip past binding, on the front where it was found. (The fuzzers that now hunt for more:
test_rest_fuzz.py::test_hostile_values_never_crash, test_grpc_fuzz.py,
test_control_fuzz.py.)"""
from __future__ import annotations

import json
from decimal import Decimal

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_lykke.api.control import add_control_routes
from mock_lykke.engine.clock import ClockError, VirtualClock
from mock_lykke.engine.exchange import MAX_BULK_ITEMS
from mock_lykke.latency import MAX_MS, Leg, LogNormal, parse_model
from mock_lykke.proto import privateService_pb2 as pv
from mock_lykke.scenario.values import parse_duration
from test_rest_support import api, snapshot  # noqa: F401  (the api fixture)
from test_reliability_support import key, md, observable, serve, world

PROBLEM_KEYS = ["type", "title", "status", "traceId", "errors"]
HUGE = "1" * 5000


def _recorded(ex) -> list:
    seen: list = []
    ex.recorders.append(lambda name, args: seen.append((name, args)))
    return seen


# --- REST binding -----------------------------------------------------------------------
@pytest.mark.parametrize("path, body", [
    ("/api/orders/bulk", r'{"assetPairId":"BTCUSD","orders":[{"orderAction":"buy",'
                         r'"volume":0.001,"price":5000,"oldId":"\ud800"}]}'),
    ("/api/orders/bulk", r'{"assetPairId":"\ud800","orders":[]}'),
    ("/api/operations/withdrawals", r'{"assetId":"BTC","volume":0.01,'
                                    r'"destinationAddress":"a\udc00\ud800b"}'),
])
async def test_a_lone_surrogate_reaches_the_engine_as_u_fffd(api, path, body):  # noqa: F811
    seen = _recorded(api.ex)
    status, _, text = await api.post(path, body, headers={"X-Request-ID": "r-1"})
    assert status == 200, text
    text.encode("utf-8")
    assert seen, "the engine recorded the command"
    recorded = json.dumps(seen, default=str, ensure_ascii=False)
    recorded.encode("utf-8")                      # a journal line can be written
    assert "\ufffd" in recorded


async def test_a_request_id_that_is_not_utf8_is_refused_before_the_engine():
    import asyncio
    async with serve(world()) as s:
        before = observable(s.ex)
        host, port = s.server.rest_url.split("//")[1].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        body = b'{"assetId":"BTC","volume":0.01,"destinationAddress":"a"}'
        writer.write(b"POST /api/operations/withdrawals HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Bearer key-0\r\nContent-Type: application/json\r\n"
                     b"X-Request-ID: r\xed\xa0\x80\r\nConnection: close\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert observable(s.ex) == before


@pytest.mark.parametrize("query", ["offset", "take"])
@pytest.mark.parametrize("path", ["/api/orders/active", "/api/trades/public/BTCUSD",
                                  "/api/trades"])
async def test_a_query_integer_of_5000_digits_is_not_valid(api, path, query):  # noqa: F811
    status, _, text = await api.get(f"{path}?{query}={HUGE}")
    assert status == 400, text
    assert json.loads(text)["errors"] == {query: [f"The value '{HUGE}' is not valid."]}


@pytest.mark.parametrize("target", [f"/api/orderbooks?assetPairId=BTCUSD&depth={HUGE}",
                                    f"/api/trades?side={HUGE}"])
async def test_depth_and_side_of_5000_digits_are_not_valid(api, target):  # noqa: F811
    status, _, text = await api.get(target)
    assert status == 400 and "is not valid." in text
    status, _, text = await api.delete(f"/api/orders?side={HUGE}")
    assert status == 400 and "is not valid." in text


@pytest.mark.parametrize("path, body, key", [
    ("/api/orders/limit", '{"assetPairId":"BTCUSD","side":%s,"volume":1,"price":1}' % HUGE,
     "side"),
    ("/api/orders/limit", '{"assetPairId":"BTCUSD","side":"%s","volume":1,"price":1}' % HUGE,
     "side"),
    ("/api/orders/bulk", '{"assetPairId":"BTCUSD","cancelMode":%s}' % HUGE, "cancelMode"),
])
async def test_an_enum_of_5000_digits_is_a_conversion_error(api, path, body, key):  # noqa: F811
    before = snapshot(api.ex)
    status, _, text = await api.post(path, body)
    assert status == 400, text
    (message,) = json.loads(text)["errors"][key]
    assert message.startswith("Error converting value ")
    assert snapshot(api.ex) == before


@pytest.mark.parametrize("volume, message", [
    ("1e1000000", "Input string '1e1000000' is not a valid decimal."),
    ('"1e1000000"', "Could not convert string to decimal: 1e1000000."),
    ("-1e1000000", "Input string '-1e1000000' is not a valid decimal."),
])
async def test_a_decimal_beyond_the_range_is_a_400_not_an_overflow(  # noqa: F811
        api, volume, message):
    status, _, text = await api.post(
        "/api/orders/limit", '{"assetPairId":"BTCUSD","side":"buy","volume":%s,"price":1}'
        % volume)
    assert status == 400, text
    assert json.loads(text)["errors"]["volume"][0].startswith(message)


async def test_a_long_number_that_is_not_one_is_refused_in_one_pass(api):  # noqa: F811
    # (the number patterns used to backtrack for minutes on 10 000 digits and a letter)
    status, _, text = await api.post(
        "/api/orders/limit", '{"assetPairId":"BTCUSD","volume":"%sx","price":1}' % ("9" * 10**6))
    assert status == 400 and "Could not convert string to decimal" in text
    status, _, text = await api.get("/api/trades?from=" + "9" * 8000 + "x")
    assert status == 400 and "is not valid." in text


async def test_problem_details_keys_in_the_servers_order(api):  # noqa: F811
    status, headers, text = await api.post("/api/orders/limit", '{"side":"up"}')
    assert status == 400
    assert list(json.loads(text)) == PROBLEM_KEYS
    assert text.startswith('{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1",')


# --- withdrawals --------------------------------------------------------------------------
async def test_a_withdrawal_finer_than_the_accuracy_moves_nothing(api):  # noqa: F811
    trader = api.ex.account("trader")
    before = snapshot(api.ex)
    status, _, text = await api.post("/api/operations/withdrawals",
                                      {"assetId": "BTC", "volume": "0.000000001",
                                       "destinationAddress": "a"},
                                      headers={"X-Request-ID": "fine"})
    assert status == 200 and len(json.loads(text)) == 36        # an operation id, as ever
    assert snapshot(api.ex) == before                           # the cash-out failed later
    assert trader.balances["BTC"].total == Decimal("2")


async def test_a_million_digit_withdrawal_volume_is_read_as_csharp_does(api):  # noqa: F811
    before = snapshot(api.ex)
    tiny = "0." + "0" * 1_000_000 + "1"                        # rounds to 0: not positive
    huge = "9" * 1_000_003                                      # beyond the decimal range
    for volume, want in ((tiny, 200), (f'"{tiny}"', 200), (huge, 400)):
        status, _, text = await api.post(
            "/api/operations/withdrawals",
            '{"assetId":"BTC","volume":%s,"destinationAddress":"a"}' % volume,
            headers={"X-Request-ID": "big"})
        assert status == want, text[:300]
        if want == 200:
            assert json.loads(text)["error"]["message"] == "volume cannot be less than zero."
    assert snapshot(api.ex) == before
    async with serve(world()) as s:
        answer = await s.priv.CreateWithdrawal(pv.CreateWithdrawalRequest(
            requestId="r", assetId="BTC", volume=tiny, destinationAddress="a"),
            metadata=md(key(0)))
        assert answer.error.message == "volume cannot be less than zero."


# --- gRPC bulk size -----------------------------------------------------------------------
async def test_a_bulk_order_over_the_mocks_limit_is_refused_whole():
    async with serve(world()) as s:
        before = observable(s.ex)
        item = pv.BulkOrder(side=pv.buy, volume="0.001", price="5000")
        answer = await s.priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(
            assetPairId="BTCUSD", orders=[item] * (MAX_BULK_ITEMS + 1)), metadata=md(key(0)))
        assert (answer.error.code, answer.error.message) == (
            1101, f"orders: at most {MAX_BULK_ITEMS} items in one bulk order "
                  "(a limit of the mock).")
        assert not answer.payload.statuses and observable(s.ex) == before
        body = json.dumps({"assetPairId": "BTCUSD", "orders": [
            {"orderAction": "buy", "volume": 0.001, "price": 5000}] * (MAX_BULK_ITEMS + 1)})
        async with s.http.post(s.server.rest_url + "/api/orders/bulk", data=body, headers={
                "Authorization": "Bearer key-0", "Content-Type": "application/json"}) as r:
            assert (r.status, (await r.json())["error"]["code"]) == (200, 1101)
        assert observable(s.ex) == before


# --- latency, faults, clock ---------------------------------------------------------------
@pytest.mark.parametrize("model", [{"lognormal": {"median": "5ms", "sigma": 1e300}},
                                   {"lognormal": {"median": "5ms", "sigma": "1"}},
                                   {"lognormal": {"median": "5ms", "sigma": [1]}},
                                   {"lognormal": {"median": "1e400", "sigma": 1}},
                                   {"constant": "9" * 400 + "ms"}, {"uniform": [0, "2d"]}])
def test_a_latency_model_that_could_overflow_is_refused_at_load(model):
    with pytest.raises(ValueError):
        parse_model(model)


def test_a_lognormal_draw_is_always_a_finite_bounded_latency():
    from random import Random
    leg = Leg(LogNormal(MAX_MS, 10.0), Random(1))
    assert all(0 <= leg.draw() <= MAX_MS for _ in range(10_000))


async def test_the_control_api_names_the_bad_latency_field():
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer
    from test_scenario_support import world as scenario_world
    app = web.Application()
    add_control_routes(app, scenario_world().mock)
    async with TestClient(TestServer(app)) as client:
        await _control_checks(client)


async def _control_checks(client):
    rule = {"method": "PlaceLimitOrder", "request": {"lognormal": {"median": "5ms",
                                                                   "sigma": 1e300}}}
    resp = await client.put("/_mock/latency", json=[rule])
    assert resp.status == 400 and "sigma" in (await resp.json())["error"]
    fault = {"route": "GET /api/balance", "delay": "9" * 400 + "ms"}
    resp = await client.post("/_mock/faults", json=fault)
    assert resp.status == 400 and "delay" in (await resp.json())["error"]
    resp = await client.post("/_mock/advance", json={"to": "9999-12-31T23:59:59.999Z"})
    assert resp.status == 200
    resp = await client.post("/_mock/advance", json={"ms": 1})
    assert resp.status == 400 and "9999" in (await resp.json())["error"]
    assert (await client.get("/_mock/time")).status == 200


def test_the_clock_stops_at_the_end_of_dotnet_time():
    clock = VirtualClock(0)
    with pytest.raises(ClockError):
        clock.advance(253_402_300_800_000)


def test_a_million_digit_duration_is_refused_in_one_pass():
    with pytest.raises(ValueError):        # (the old regex scan was quadratic: it hung)
        parse_duration("9" * 1_000_000)


async def test_a_grpc_decimal_of_a_million_decimals_is_rounded_like_csharp():
    async with serve(world()) as s:
        with pytest.raises(grpc.aio.AioRpcError) as e:
            await s.priv.PlaceLimitOrder(pv.LimitOrderRequest(
                assetPairId="BTCUSD", side=pv.buy, volume="1e1000000", price="5000"),
                metadata=md(key(0)))
        assert e.value.code() == grpc.StatusCode.UNKNOWN           # no exponent: the crash
        answer = await s.priv.PlaceLimitOrder(pv.LimitOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="0." + "0" * 1_000_000 + "1",
            price="5000"), metadata=md(key(0)))
        assert answer.error.message == "volume cannot be less than zero."


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab\n", max_size=40), data=st.data())
def test_error_positions_are_found_without_rescanning(text, data):
    from mock_lykke.api.json_reader import _Reader
    reader = _Reader(text)
    for _ in range(20):                 # (the first few counted, the rest from an index)
        index = data.draw(st.integers(0, len(text)))
        line = text.count("\n", 0, index) + 1                # the plain definition
        pos = index - (text.rfind("\n", 0, index) + 1)
        assert reader.where(index, "p") == f" Path 'p', line {line}, position {pos}."


def test_many_binding_errors_cost_one_pass_each():
    from mock_lykke.api import json_binding as jb
    item = '{"x":1,"y":1,"z":1,"w":1}'
    body = '{"assetPairId":"BTCUSD","orders":[' + ",\n".join([item] * 9_000) + "]}"
    binder = jb.Binder(body)                    # (36 000 errors took seconds when each error
    binder.bind_root(jb.BULK_ORDER)             # counted the lines before it)
    assert len(binder.errors) == 36_000
    assert binder.errors[-1][1].endswith("Path 'orders[8999].w', line 9000, position 23.")
