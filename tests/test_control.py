"""The control API under /_mock: JSON in and out, thin over the Controller."""
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from pathlib import Path

from mock_lykke.api.control import ROUTES, add_control_routes
from mock_lykke.engine.orders import BUY
from mock_lykke.scenario import snapshot_bytes
from mock_lykke.state import Mock
from test_scenario_support import START, example, world


@pytest.fixture
async def api():
    c = example("market-maker.yaml")
    app = web.Application()
    add_control_routes(app, c.mock)
    async with TestClient(TestServer(app)) as client:
        client.ctl = c
        yield client


async def call(client, method, path, json=None, status=200):
    resp = await client.request(method, "/_mock" + path, json=json)
    body = await resp.json()
    assert resp.status == status, body
    return body


async def test_health_time_and_advance(api):
    health = await call(api, "GET", "/health")
    assert health["status"] == "ok" and health["clock"]["mode"] == "virtual"
    assert (await call(api, "GET", "/time"))["now"] == START
    moved = await call(api, "POST", "/advance", {"ms": 1500})
    assert moved["now"] == START + 1500 and moved["timersRun"] >= 1
    moved = await call(api, "POST", "/advance", {"by": "2s"})
    assert moved["iso"] == "2026-01-01T00:00:03.500Z"
    moved = await call(api, "POST", "/advance", {"to": "1m"})
    assert moved["elapsed"] == 60_000
    err = await call(api, "POST", "/advance", {"to": "10s"}, status=400)
    assert "cannot go back" in err["error"]
    err = await call(api, "POST", "/advance", {"by": "soon"}, status=400)
    assert set(err) == {"error"}


async def test_orders_as_any_account(api):
    placed = await call(api, "POST", "/orders/limit", {"account": "trader",
                        "assetPairId": "BTCUSD", "side": "buy", "volume": 0.5, "price": "9000"})
    order = api.ctl.exchange.history.orders[placed["orderId"]]
    assert (order.side, str(order.volume), order.status) == (BUY, "0.5", "Placed")
    market = await call(api, "POST", "/orders/market", {"account": "trader",
                        "assetPairId": "BTCUSD", "side": "sell", "volume": "0.01"})
    assert float(market["price"]) > 9000
    bulk = await call(api, "POST", "/orders/bulk", {"account": "trader", "assetPairId": "BTCUSD",
                      "cancelPreviousOrders": True, "cancelMode": "bothSides",
                      "orders": [{"side": "sell", "volume": "1", "price": "11000"},
                                 {"side": "buy", "volume": "100", "price": "9000"}]})
    assert [s["error"] for s in bulk["statuses"]] == ["success", "meNotEnoughFunds"]
    assert bulk["statuses"][0]["volume"] == "-1.0"
    assert order.status == "Cancelled"
    await call(api, "DELETE", f"/orders/{bulk['statuses'][0]['id']}")
    assert (await call(api, "DELETE", "/orders?account=trader"))["cancelled"] == 0
    err = await call(api, "POST", "/orders/limit", {"account": "trader", "assetPairId": "BTCUSD",
                     "side": "buy", "volume": "100", "price": "10000"}, status=400)
    assert err == {"error": "Not enough funds", "code": 2006}
    err = await call(api, "POST", "/orders/limit", {"account": "ghost", "assetPairId": "BTCUSD",
                     "side": "buy", "volume": "1", "price": "1"}, status=404)
    assert err == {"error": "unknown account 'ghost'"}
    err = await call(api, "POST", "/orders/limit", {"account": "trader"}, status=400)
    assert err["error"].startswith("missing assetPairId")
    await call(api, "DELETE", "/orders/not-an-order", status=404)


async def test_accounts_balances_deposits_and_flags(api):
    accounts = await call(api, "GET", "/accounts")
    assert [a["name"] for a in accounts] == ["trader", "market", "flow"]
    got = await call(api, "PUT", "/accounts/trader/balances/USD", {"amount": "123.45"})
    assert got["balances"]["USD"]["total"] == "123.45"
    op = await call(api, "POST", "/accounts/trader/deposits", {"assetId": "BTC", "amount": "1"})
    assert len(op["operationId"]) == 36
    flags = await call(api, "PATCH", "/accounts/trader", {"blocked": True, "kycRequired": True})
    assert flags["blocked"] and api.ctl.exchange.account("trader").blocked
    await call(api, "PATCH", "/accounts/trader", {"vip": True}, status=400)
    await call(api, "GET", "/accounts/ghost", status=404)
    await call(api, "PUT", "/accounts/trader/balances/XYZ", {"amount": "1"}, status=404)


async def test_faults_and_quirks(api):
    added = await call(api, "POST", "/faults", [{"method": "GetBalances",
                                                 "grpcStatus": "UNAVAILABLE"},
                                                {"route": "GET /api/balance", "httpStatus": 503,
                                                 "probability": 0.5}])
    assert [f["id"] for f in added] == [1, 2]
    assert api.ctl.mock.faults.check("GetBalances").grpc_status == "UNAVAILABLE"
    listed = await call(api, "GET", "/faults")
    assert listed[0]["fired"] == 1 and listed[1]["probability"] == "0.5"
    err = await call(api, "POST", "/faults", [{"method": "GetBalances", "delay": "1s"},
                                              {"method": "Nope", "delay": "1s"}], status=400)
    assert "no gRPC method matches 'Nope'" in err["error"]
    assert len(await call(api, "GET", "/faults")) == 2           # all or nothing
    assert len(await call(api, "DELETE", "/faults/1")) == 1
    await call(api, "DELETE", "/faults/1", status=404)
    assert await call(api, "DELETE", "/faults") == []
    quirks = await call(api, "PATCH", "/quirks", {"negative-ask-volumes": False})
    assert quirks["negative-ask-volumes"] is False and quirks["rest-errors-http-200"] is True
    assert (await call(api, "GET", "/quirks")) == quirks
    await call(api, "PATCH", "/quirks", {"nope": False}, status=404)


async def test_market_journal_state_and_reset(api):
    market = await call(api, "GET", "/market")
    assert [p["kind"] for p in market] == ["marketMaker", "taker"]
    shocked = await call(api, "POST", "/market/BTCUSD/mid", {"mid": "12000"})
    assert shocked[0]["mid"] == "12000"
    await call(api, "POST", "/market/ETHUSD/mid", {"mid": "1"}, status=404)
    journal = await call(api, "GET", "/journal")
    assert journal["header"]["seed"] == 42
    assert [e["cmd"] for e in journal["entries"]] == ["place_bulk", "place_bulk"]
    page = await call(api, "GET", f"/journal?since={journal['next']}")
    assert page["entries"] == [] and page["next"] == journal["next"]
    state = await call(api, "GET", "/state")
    assert state["now"] == START and state["books"]["BTCUSD"]["asks"][0][0] == "12012"
    await call(api, "POST", "/advance", {"by": "10s"})
    reset = await call(api, "POST", "/reset")
    assert reset["now"] == START
    fresh = example("market-maker.yaml")
    assert snapshot_bytes(api.ctl.exchange) == snapshot_bytes(fresh.exchange)
    scenario = await call(api, "GET", "/scenario")
    assert scenario["seed"] == 42 and scenario["data"]["version"] == 1


async def test_unknown_routes_and_bad_bodies_are_json_errors(api):
    assert await call(api, "GET", "/nope", status=404) == {"error": "no control route GET "
                                                                    "/_mock/nope"}
    resp = await api.post("/_mock/orders/limit", data="{not json")
    assert resp.status == 400 and "not JSON" in (await resp.json())["error"]
    resp = await api.post("/_mock/orders/limit", json=[1, 2])
    assert resp.status == 400 and (await resp.json()) == {"error": "the body must be a JSON "
                                                                   "object"}


async def test_paths_match_as_aiohttp_routes_would(api):
    """one aiohttp route dispatches through the table: path values are percent-decoded,
    a method or a shape the table lacks is the control API's 404"""
    err = await call(api, "GET", "/accounts/tr%2Fader", status=404)
    assert err == {"error": "unknown account 'tr/ader'"}
    err = await call(api, "GET", "/accounts/tr%25ader", status=404)
    assert err == {"error": "unknown account 'tr%ader'"}
    assert (await call(api, "GET", "/accounts/tr%61der"))["name"] == "trader"
    for method, path in [("POST", "/health"), ("GET", "/health/"), ("GET", "/accounts/"),
                         ("GET", "/accounts//balances"), ("PUT", "/orders/limit"),
                         ("GET", "/accounts/%7Btrader%7D"), ("GET", "/")]:
        err = await call(api, method, path, status=404)
        assert err["error"].startswith(f"no control route {method} /_mock/"), (method, path)
    resp = await api.head("/_mock/health")
    assert resp.status == 404
    # a route that reads no body ignores one that is not JSON
    resp = await api.post("/_mock/reset", data="{not json")
    assert resp.status == 200


def test_every_route_is_documented():
    docs = Path(__file__).resolve().parents[1] / "docs"
    text = (docs / "control-api.md").read_text() + (docs / "dryrun.md").read_text()
    for r in ROUTES:
        path = "/_mock/" + "/".join(r.segments)
        assert f"`{r.method} {path}" in text, f"{r.method} {path} is not documented"


async def test_a_bare_mock_gets_a_controller_on_first_use():
    ex = world().exchange
    mock = Mock(exchange=ex)
    app = web.Application()
    add_control_routes(app, mock)
    async with TestClient(TestServer(app)) as client:
        placed = await call(client, "POST", "/orders/limit", {"account": "trader",
                            "assetPairId": "BTCUSD", "side": "buy", "volume": "1",
                            "price": "100"})
        assert placed["orderId"] in ex.history.orders
        err = await call(client, "POST", "/reset", status=400)
        assert err["error"] == "this mock has no scenario to reset to"
        assert (await call(client, "GET", "/journal"))["entries"][0]["cmd"] == "place_limit"
    assert mock.controller is not None
