"""Bad input on every RPC and every REST route: wrong types, negative / zero / NaN / huge /
over-accuracy numbers, unknown and unicode ids, empty / oversized / malformed bodies, garbage
protobuf bytes.

Every answer is one the real server gives for bad input: an API error in the envelope, a 400
problem, 413/415, or the real server's own crash (gRPC UNKNOWN "Exception was thrown by
handler.", REST 500 `Runtime error`) where a quirk reproduces one. With every crash quirk
switched off no call crashes at all. A rejected call changes nothing any account can see.
(tests/test_rest_fuzz.py fuzzes valid-looking REST data from the OpenAPI document; this file
is about garbage, on both fronts.)"""
from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import grpc
import pytest
from google.protobuf import message_factory

from mock_lykke.api import rest
from mock_lykke.api.openapi import openapi_document
from mock_lykke.proto import isalive_pb2, privateService_pb2 as pv, publicService_pb2 as pb
from test_reliability_support import *  # noqa: F403  (the served fixture)
from test_reliability_support import TIMEOUT, bearer, key, md, observable, serve, world

CRASH_DETAILS = "Exception was thrown by handler."
CRASH_BODY = '{"error":{"code":1001,"message":"Runtime error","fields":{}}}'
CRASH_QUIRKS = {q: False for q in (
    "grpc-unparseable-decimal-unknown", "grpc-non-uuid-order-id-unknown", "grpc-givemeerror",
    "price-stream-empty-snapshot-crash", "rest-orderbooks-require-pair",
    "rest-non-uuid-order-id-500", "rest-bulk-null-item-500", "rest-trades-time-out-of-range-500")}

STRINGS = ["", " ", "\x00", "é中文😀", "x" * 3000, "BTCUSD\n", "btcusd", "../..", "%00", "null",
           "NaN", "１２", "0x10", "{}"]
DECIMALS = ["NaN", "Infinity", "-Infinity", "1e5", "1E-3", "", " ", "\x00", "12abc", "0x10",
            "+-1", "1..2", ".", "-1", "0", "-0", "-0.001", "0.000000001", "1" + "0" * 40,
            "0." + "0" * 40 + "1", "79228162514264337593543950336", "１２", "1,000,000.5",
            "1e1000000", "9" * 5000, "0." + "0" * 5000 + "1"]
INTS = [-1, 2**31 - 1, -2**31, 1001]
ENUMS = [1, 2, 99, -1]
GARBAGE = [b"\xff\xff\xff", b"\x0a\x05ab", b"\x0a\x02\xc3\x28", b"\x08" + b"\xff" * 11,
           b"\x0a\x03\xed\xa0\x80",                  # a UTF-8-encoded lone surrogate
           b"\x12\x7f" + b"x" * 3]
DECIMAL_FIELDS = {"volume", "price"}

BASELINES = {   # valid requests, so one bad field is what decides
    "PlaceLimitOrder": dict(assetPairId="BTCUSD", side=pv.buy, volume="0.001", price="5000"),
    "PlaceMarketOrder": dict(assetPairId="BTCUSD", side=pv.buy, volume="0.001"),
    "PlaceBulkLimitOrder": dict(assetPairId="BTCUSD", orders=[
        pv.BulkOrder(side=pv.buy, volume="0.001", price="5000")]),
    "CreateWithdrawal": dict(requestId="r-1", assetId="BTC", volume="0.001",
                             destinationAddress="addr"),
}
SERVICES = [("hft.PublicService", pb.DESCRIPTOR.services_by_name["PublicService"]),
            ("hft.PrivateService", pv.DESCRIPTOR.services_by_name["PrivateService"]),
            ("common.Monitoring", isalive_pb2.DESCRIPTOR.services_by_name["Monitoring"])]
METHODS = [(svc, m) for svc, desc in SERVICES for m in desc.methods]


# --- gRPC ---------------------------------------------------------------------------------------
def _bad_requests(method):
    """The method's request with one field at a time set to something bad."""
    cls = message_factory.GetMessageClass(method.input_type)
    base = BASELINES.get(method.name, {})
    yield cls(**base)
    for f in cls.DESCRIPTOR.fields:
        repeated = f.is_repeated
        if f.message_type is not None and f.message_type.name == "BulkOrder":
            for value in DECIMALS[::3] + STRINGS[::4]:
                for name in ("volume", "price", "oldId"):
                    item = pv.BulkOrder(side=pv.sell, volume="0.001", price="20000")
                    setattr(item, name, value)
                    yield cls(**{**base, "orders": [item]})
            yield cls(**{**base, "orders": [pv.BulkOrder(side=7, volume="-1", price="0")] * 50})
        elif f.message_type is not None and f.message_type.name == "Timestamp":
            for seconds in (-62135596801, 253402300800, -1, 2**40):
                yield cls(**{**base, f.name: {"seconds": seconds}})
        elif f.message_type is not None and f.message_type.name == "StringValue":
            for value in STRINGS:
                yield cls(**{**base, f.name: {"value": value}})
        elif f.type == f.TYPE_STRING:
            values = DECIMALS if f.name in DECIMAL_FIELDS else STRINGS
            for value in values:
                yield cls(**{**base, f.name: [value, value, ""] if repeated else value})
        elif f.type == f.TYPE_ENUM:
            for value in ENUMS:
                yield cls(**{**base, f.name: value})
        elif f.type in (f.TYPE_INT32, f.TYPE_INT64):
            for value in INTS:
                yield cls(**{**base, f.name: value})


def _crash_without_switch(method, request) -> bool:
    """The crashes no quirk switches off: negative paging of the operations history and a
    withdrawal without an asset (the real server's), an out-of-range bulk cancel mode (a
    choice, see grpc_private.py)."""
    if method.name == "GetOperationsHistory":
        return request.offset < 0 or request.take < 0
    if method.name == "CreateWithdrawal":
        return request.assetId == ""
    return (method.name == "PlaceBulkLimitOrder" and request.HasField("cancelMode")
            and request.cancelMode not in pv.CancelMode.values())


async def _call(channel, service: str, method, request_bytes: bytes, crash_ok: bool):
    """Call with a valid key; check the answer is a kind the real server gives. Returns True
    when the call was rejected (an error envelope or status: nothing may have changed)."""
    path = f"/{service}/{method.name}"
    resp_cls = message_factory.GetMessageClass(method.output_type)
    meta = md(key(0))
    if method.server_streaming:
        call = channel.unary_stream(path, request_serializer=None,
                                    response_deserializer=resp_cls.FromString)(request_bytes,
                                                                               metadata=meta)
        await asyncio.wait_for(call.initial_metadata(), TIMEOUT)
        if not call.done():                     # registered: a stream is open
            call.cancel()
            return False
        code, details = await call.code(), await call.details()
        if code == grpc.StatusCode.CANCELLED:
            return False
    else:
        try:
            answer = await channel.unary_unary(
                path, request_serializer=None, response_deserializer=resp_cls.FromString)(
                request_bytes, metadata=meta, timeout=TIMEOUT)
            return "error" in resp_cls.DESCRIPTOR.fields_by_name and answer.HasField("error")
        except grpc.aio.AioRpcError as e:
            code, details = e.code(), e.details()
    assert code == grpc.StatusCode.UNKNOWN, (method.name, code, details)
    if details != CRASH_DETAILS:        # only grpc's own: the request bytes did not decode
        assert "Error parsing message" in details, (method.name, details)
    elif not crash_ok:
        pytest.fail(f"{method.name} crashed with every crash quirk off")
    return True


@pytest.mark.parametrize("quirks_on", [True, False], ids=["quirks", "no-crash-quirks"])
async def test_bad_fields_on_every_rpc(quirks_on):
    ex = world()
    if not quirks_on:
        ex.quirks.update(CRASH_QUIRKS)
    async with serve(ex) as s:
        before = observable(ex)
        calls = 0
        for service, method in METHODS:
            for request in _bad_requests(method):
                rejected = await _call(s.channel, service, method, request.SerializeToString(),
                                       quirks_on or _crash_without_switch(method, request))
                now = observable(ex)
                if rejected:
                    assert now == before, (method.name, request)
                before = now
                calls += 1
        ex.check_invariants()
        assert calls > 500


async def test_garbage_protobuf_bytes_on_every_rpc():
    ex = world()
    async with serve(ex) as s:
        before = observable(ex)
        for service, method in METHODS:
            req_cls = message_factory.GetMessageClass(method.input_type)
            for payload in GARBAGE:
                try:
                    req_cls.FromString(payload)
                    continue                    # it decodes (unknown fields): not garbage
                except Exception:
                    pass
                assert await _call(s.channel, service, method, payload, True)
                assert observable(ex) == before, method.name


# --- REST ---------------------------------------------------------------------------------------
DOC = openapi_document()
JSON_VALUES = ["null", "-1", "0", "-0.0", "1e400", '"1e400"', "79228162514264337593543950336",
               "0.1234567890123456789012345678901234", "true", "[]", "{}", '""', '"\\u0000"',
               '"é中😀"', '"' + "x" * 3000 + '"', '"１２"', '"-0"', '"NaN"', '"buy"']
BODIES = [b"", b" ", b"{", b"}", b"[]", b"null", b"0", b'"x"', b"\xff\xfe\xfd", b"{" * 5000,
          b'{"a":' * 2000 + b"1" + b"}" * 2000, b"\xef\xbb\xbf{}", b'{"orders":[null]}',
          b"{" + b'"assetPairId":"BTCUSD",' * 1000 + b"}", b'{"x":"' + b"y" * 5_000_000 + b'"}']
QUERY_VALUES = ["-1", "1e400", "-1e400", "NaN", "%FF", "", "%E2%80%8F", "９", "2147483648",
                "-2147483649", "%00", "buy", "Sell", "2", "BTCUSD"]
PATH_VALUES = STRINGS + ["%ZZ", "0b6c7f5e-3a1d-4c2e-9f8a-1d2e3f4a5b6c", "{x}"]
BODY_BASELINES = {
    "/api/orders/limit": {"assetPairId": "BTCUSD", "side": "buy", "volume": 0.001,
                          "price": 5000},
    "/api/orders/market": {"assetPairId": "BTCUSD", "side": "buy", "volume": 0.001},
    "/api/orders/bulk": {"assetPairId": "BTCUSD",
                         "orders": [{"orderAction": "buy", "volume": 0.001, "price": 5000}]},
    "/api/operations/withdrawals": {"assetId": "BTC", "volume": 0.001,
                                    "destinationAddress": "addr"},
}
CRASH_ROUTES = {    # where the real server's reproduced 500s live (quirks on)
    "GET /api/orderbooks", "GET /api/orders/{orderId}", "GET /api/trades/order/{orderId}",
    "GET /api/trades", "GET /api/operations", "POST /api/orders/bulk"}


def _body_text(base: dict, field: str, raw: str) -> str:
    parts = [f"{json.dumps(k)}:{raw if k == field else json.dumps(v)}" for k, v in base.items()]
    if field not in base:
        parts.append(f"{json.dumps(field)}:{raw}")
    return "{" + ",".join(parts) + "}"


def _rest_cases():
    """(route, method, path, body bytes | None) with one bad part each."""
    for r in rest.ROUTES:
        op = DOC["paths"][r.template][r.method.lower()]
        params = [p for p in op["parameters"] if p["in"] in ("query", "path")]
        path_names = [p["name"] for p in params if p["in"] == "path"]
        plain = r.template
        for name in path_names:
            plain = plain.replace("{" + name + "}", "BTCUSD")
        base_body = BODY_BASELINES.get(r.template)
        body = json.dumps(base_body).encode() if base_body is not None else None
        yield r, plain, body
        for name in path_names:
            for value in PATH_VALUES:
                yield r, r.template.replace("{" + name + "}", quote(value, safe="%{}")), body
        for p in params:
            if p["in"] == "query":
                for value in QUERY_VALUES:
                    yield r, f"{plain}?{p['name']}={value}", body
        if r.body is not None:
            for raw in BODIES:
                yield r, plain, raw
            item = DOC["components"]["schemas"]
            schema = item[op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                          .rsplit("/", 1)[1]]
            for field in list(schema["properties"]) + ["unknownMember"]:
                for raw in JSON_VALUES:
                    yield r, plain, _body_text(base_body or {}, field, raw).encode()
            if r.template == "/api/orders/bulk":
                for raw in JSON_VALUES:
                    for field in ("orderAction", "volume", "price", "oldId"):
                        text = _body_text({"orderAction": "sell", "volume": 0.001,
                                           "price": 20000}, field, raw)
                        yield r, plain, ('{"assetPairId":"BTCUSD","orders":[' + text
                                         + "]}").encode()


def _rejected(status: int, text: str) -> bool:
    if status != 200:
        return status != 204
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("error") is not None


@pytest.mark.parametrize("quirks_on", [True, False], ids=["quirks", "no-crash-quirks"])
async def test_bad_input_on_every_route(quirks_on):
    ex = world()
    if not quirks_on:
        ex.quirks.update(CRASH_QUIRKS)
    async with serve(ex) as s:
        before = observable(ex)
        count = 0
        for r, path, body in _rest_cases():
            headers = {**bearer(key(0)), "Content-Type": "application/json",
                       "X-Request-ID": f"req-{count % 7}"}
            async with s.http.request(r.method, s.url + path, data=body,
                                      headers=headers) as resp:
                status, text = resp.status, await resp.text()
            assert status in (200, 204, 400, 404, 405, 413, 415, 500), (path, status, text)
            if status == 500:
                assert text == CRASH_BODY, (path, text)
                allowed = r.name in CRASH_ROUTES if quirks_on else (
                    r.template == "/api/operations")           # negative paging: no switch
                assert allowed, (r.name, path, body and body[:200])
            now = observable(ex)
            if _rejected(status, text):
                assert now == before, (path, body and body[:200], status, text[:200])
            before = now
            count += 1
        ex.check_invariants()
        assert count > 900


async def test_a_body_over_kestrels_limit_is_413_and_changes_nothing(served):
    before = observable(served.ex)
    body = b'{"assetPairId":"' + b"x" * 31_000_000 + b'"}'
    async with served.http.post(served.url + "/api/orders/limit", data=body,
                                headers={**bearer(key(0)),
                                         "Content-Type": "application/json"}) as resp:
        assert resp.status == 413
    assert observable(served.ex) == before


# --- known gaps (the real server's parser is .NET's) ------------------------------------------
async def test_unicode_digits_are_not_numbers(served):
    async with served.http.post(served.url + "/api/orders/limit", headers=bearer(key(0)),
                                json={"assetPairId": "BTCUSD", "side": "buy",
                                      "volume": "０.００１", "price": 5000}) as resp:
        assert resp.status == 400
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await served.priv.PlaceLimitOrder(pv.LimitOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="０.００１", price="5000"),
            metadata=md(key(0)))
    assert e.value.code() == grpc.StatusCode.UNKNOWN


async def test_a_lone_surrogate_in_a_json_string_is_a_400_written_as_u_fffd(served):
    body = b'{"assetPairId":"BTCUSD","side":"\\ud800","volume":1,"price":1}'
    async with served.http.post(served.url + "/api/orders/limit", data=body,
                                headers={**bearer(key(0)),
                                         "Content-Type": "application/json"}) as resp:
        assert resp.status == 400
        text = (await resp.read()).decode("utf-8")          # valid UTF-8
    assert json.loads(text)["errors"]["side"] == [
        "Error converting value \"\ufffd\" to type "
        "'Lykke.MatchingEngine.Connector.Models.Common.OrderAction'. "
        "Path 'side', line 1, position 39."]


async def test_grpc_decimal_beyond_the_dotnet_range_crashes_like_the_server(served):
    with pytest.raises(grpc.aio.AioRpcError) as e:
        await served.priv.PlaceLimitOrder(pv.LimitOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="79228162514264337593543950336",
            price="5000"), metadata=md(key(0)))
    assert e.value.code() == grpc.StatusCode.UNKNOWN
