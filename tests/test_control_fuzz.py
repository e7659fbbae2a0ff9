"""Fuzzing the control API (/_mock): every route with bodies built from its own field names
and hostile values (lone surrogates, numbers of a million digits, `1e1000000`, deep nesting,
lists and objects where a string belongs). The control API is ours: bad input is a 400 (or
404 for an unknown name) with `{"error": ...}`, never a 500, and what it refuses changes
nothing."""
from __future__ import annotations

import json
import os

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_rest_support import ThreadServer, snapshot
from test_scenario_support import world

EXAMPLES = int(os.environ.get("MOCK_LYKKE_FUZZ_EXAMPLES", "25"))     # per route
HUGE = "9" * 1_000_003

# raw JSON texts: the hostile values, then ordinary ones so that later checks are reached
HOSTILE = ['"\\ud800"', '"a\\udfffb"', '"\\ud800\\ud800"', HUGE, "-" + HUGE, "1e1000000",
           "-1e1000000", "1e-1000000", '"1e1000000"', f'"{HUGE}"', "[]", '["x"]', "{}",
           '{"a":1}', "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "null",
           "true", "-0", "0.1", '""', '" "', '"\\u0000"', "1" + "0" * 5000]
ORDINARY = ['"trader"', '"market"', '"BTCUSD"', '"BTC"', '"buy"', '"sell"', '"0.5"', "9000",
            '"1s"', "1500", "true", "false", '"bothSides"', '"PlaceLimitOrder"',
            '"POST /api/orders/limit"', '"rest-errors-http-200"', "0.5", "1"]
VALUES = st.sampled_from(HOSTILE) | st.sampled_from(ORDINARY)

FIELDS = {   # what each route reads from its body (docs/control-api.md)
    "/advance": ["ms", "by", "to"],
    "/accounts/trader": ["blocked", "kycRequired", "pendingDialogs", "depositState"],
    "/accounts/trader/balances/BTC": ["amount"],
    "/accounts/trader/deposits": ["assetId", "amount"],
    "/orders/limit": ["account", "assetPairId", "side", "volume", "price"],
    "/orders/market": ["account", "assetPairId", "side", "volume"],
    "/orders/bulk": ["account", "assetPairId", "cancelPreviousOrders", "cancelMode", "orders"],
    "/faults": ["method", "route", "error", "grpcStatus", "httpStatus", "delay", "drop",
                "endStream", "on", "after", "until", "nth", "probability", "times", "message"],
    "/latency": ["method", "route", "request", "response", "message"],
    "/quirks": ["rest-errors-http-200", "rest-trades-side"],
    "/market/BTCUSD/mid": ["mid"],
}
METHODS = {"/advance": "POST", "/accounts/trader": "PATCH",
           "/accounts/trader/balances/BTC": "PUT", "/accounts/trader/deposits": "POST",
           "/orders/limit": "POST", "/orders/market": "POST", "/orders/bulk": "POST",
           "/faults": "POST", "/latency": "PUT", "/quirks": "PATCH",
           "/market/BTCUSD/mid": "POST"}
ITEM = ["side", "volume", "price", "oldId"]
MODELS = ['"5ms"', '{"lognormal":{"median":"5ms","sigma":%s}}', '{"uniform":[%s,"1s"]}',
          '{"constant":%s}', '{"lognormal":{"median":%s,"sigma":1e300,"max":%s}}']

JSON = {"Content-Type": "application/json"}   # the control API refuses other bodies (415)


def _object(draw, names) -> str:
    keys = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    return "{" + ",".join(f'"{k}":{draw(VALUES)}' for k in keys) + "}"


@st.composite
def bodies(draw, path: str) -> str:
    text = _object(draw, FIELDS[path])
    if path == "/orders/bulk" and draw(st.booleans()):
        items = ",".join(_object(draw, ITEM) for _ in range(draw(st.integers(0, 3))))
        text = text[:-1] + ("," if len(text) > 2 else "") + f'"orders":[{items}]}}'
    if path == "/latency" and draw(st.booleans()):
        model = draw(st.sampled_from(MODELS)).replace("%s", draw(VALUES))
        text = f'[{{"method":"PlaceLimitOrder","request":{model}}}]'
    return draw(st.sampled_from([text, text, f"[{text}]", draw(VALUES)]))


@pytest.fixture(scope="module")
def live():
    c = world()
    with ThreadServer(c.mock) as url:
        yield url, c


def _check(response, ex, before) -> None:
    assert response.status_code != 500, response.text[:300]
    body = response.json()
    if response.status_code >= 400:
        assert set(body) <= {"error", "code"} and body["error"], body
        assert len(body["error"]) < 2000, "the error quotes the whole input"
        assert snapshot(ex) == before, f"refused but changed: {body}"


@pytest.mark.parametrize("path", sorted(FIELDS))
def test_fuzz_control_body(live, path):
    url, c = live

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies(path))
    def run(body):
        before = snapshot(c.exchange)
        response = requests.request(METHODS[path], url + "/_mock" + path,
                                    data=body.encode("utf-8"), headers=JSON, timeout=60)
        _check(response, c.exchange, before)

    run()
    requests.delete(url + "/_mock/faults", headers=JSON, timeout=10)
    requests.delete(url + "/_mock/latency", headers=JSON, timeout=10)


QUERIES = ["", "\\ud800", "%ED%A0%80", HUGE[:4400], "-" + HUGE[:4400], "1e1000000", "[]",
           "trader", "buy", "BTCUSD", "0", "-1"]


@pytest.mark.parametrize("path, names", [
    ("/orders", ["account", "assetPairId", "side"]), ("/journal", ["since", "limit"]),
    ("/faults/{}", []), ("/orders/{}", ["account"]), ("/accounts/{}", [])])
def test_fuzz_control_query_and_path(live, path, names):
    url, c = live

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(query=st.fixed_dictionaries({}, optional={n: st.sampled_from(QUERIES)
                                                      for n in names}),
           segment=st.sampled_from(QUERIES[1:]))
    def run(query, segment):
        before = snapshot(c.exchange)
        method = "GET" if path in ("/journal", "/accounts/{}") else "DELETE"
        target = url + "/_mock" + path.replace("{}", segment)
        target += "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        response = requests.request(method, target, headers=JSON, timeout=60)
        if len(target) > 8000:          # over aiohttp's request-line limit: its own 400
            assert response.status_code == 400
            return
        _check(response, c.exchange, before)

    run()


def test_a_million_digit_amount_is_a_400_naming_the_field(live):
    url, c = live
    for body in ('{"amount":%s}' % HUGE, '{"amount":1e1000000}', '{"amount":["1"]}'):
        response = requests.put(url + "/_mock/accounts/trader/balances/BTC", data=body,
                                headers=JSON, timeout=60)
        assert response.status_code == 400, response.text[:200]
        assert "amount" in response.json()["error"]


def test_a_list_where_a_string_belongs_is_a_400_naming_the_field(live):
    url, c = live
    body = json.dumps({"account": "trader", "assetPairId": ["BTCUSD"], "side": "buy",
                       "volume": "1", "price": "1"})
    response = requests.post(url + "/_mock/orders/limit", data=body, headers=JSON, timeout=10)
    assert response.status_code == 400
    assert "assetPairId" in response.json()["error"]


def test_deep_nesting_is_a_400(live):
    url, c = live
    response = requests.post(url + "/_mock/orders/limit", data="[" * 100_000, headers=JSON,
                             timeout=10)
    assert response.status_code == 400 and "nest" in response.json()["error"]


def test_a_lone_surrogate_becomes_u_fffd(live):
    url, c = live
    body = '{"account":"trader","assetPairId":"BTCUSD","orders":[{"side":"buy",' \
           '"volume":"0.001","price":"1","oldId":"\\ud800"}]}'
    response = requests.post(url + "/_mock/orders/bulk", data=body, headers=JSON, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["statuses"][0]["error"] == "meNotFoundPrevious"


def test_a_body_that_is_not_utf8_is_read_with_u_fffd(live):
    url, c = live
    response = requests.put(url + "/_mock/accounts/trader/balances/BTC",
                            data=b'{"amount":"\xff"}', headers=JSON, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "amount must be a decimal, got '\ufffd'"
