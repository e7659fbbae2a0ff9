"""Latency models on the live endpoints: seeded draws, per method / route and leg; in virtual
and lockstep time a latency is clock time (the command runs later on the clock), in realtime
it is wall time."""
import asyncio
import time
from random import Random

import aiohttp
import grpc
import pytest
from google.protobuf.empty_pb2 import Empty

from mock_lykke.latency import LatencyPlan, parse_model, rule_problems
from mock_lykke.proto import (privateService_pb2 as pv, privateService_pb2_grpc as pvg,
                              publicService_pb2 as pb, publicService_pb2_grpc as pbg)
from mock_lykke.scenario import ControlError, build_mock, load_text
from mock_lykke.scenario.loader import check_file
from mock_lykke.server import MockServer

START = 1_767_225_600_000
TRADER = (("authorization", "Bearer trader-key"),)
WORLD = """
version: 1
seed: 5
clock: {mode: MODE, quiet: 0ms, warmup: 0ms}
assets: [{assetId: BTC, accuracy: 8}, {assetId: USD, accuracy: 2}]
assetPairs: [{assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}]
accounts:
  - {name: trader, apiKey: trader-key, balances: {BTC: "1", USD: "100000"}}
  - {name: market, apiKey: market-key, balances: {BTC: "100", USD: "1000000"}}
orders:
  - {account: market, assetPairId: BTCUSD, side: sell, price: "10010", volume: "1"}
  - {account: market, assetPairId: BTCUSD, side: buy, price: "9990", volume: "1"}
latency:
LATENCY
"""


def world(latency: str, mode: str = "virtual", **kw):
    text = WORLD.replace("MODE", mode).replace("LATENCY", latency)
    return build_mock(load_text(text), **kw)


def limit(volume="0.1", price="9995"):
    return pv.LimitOrderRequest(assetPairId="BTCUSD", side=pv.buy, volume=volume, price=price)


def arrivals(mock) -> asyncio.Event:
    """Set when the tracker hears of a call (it has reached the server)."""
    tracker = mock.controller.tracker
    arrived = asyncio.Event()
    begin = tracker.begin_call

    def hook(*args):
        arrived.set()
        return begin(*args)
    tracker.begin_call = hook
    return arrived


# --- models ----------------------------------------------------------------------------------
def test_the_models_draw_what_they_say(tmp_path):
    rng = Random(1)
    assert parse_model("50ms").draw(rng) == 50 and parse_model(20).draw(rng) == 20
    assert parse_model({"constant": "1.5ms"}).draw(rng) == 1.5
    uniform = [parse_model({"uniform": ["1ms", "3ms"]}).draw(rng) for _ in range(500)]
    assert 1 <= min(uniform) < 1.1 and 2.9 < max(uniform) <= 3
    model = parse_model({"lognormal": {"median": "20ms", "sigma": 0.5, "max": "60ms"}})
    draws = sorted(model.draw(rng) for _ in range(2001))
    assert 18 < draws[1000] < 22 and draws[-1] == 60
    (tmp_path / "s.txt").write_text("# measured\n1\n2ms\n\n3.5  # ms\n")
    samples = {parse_model({"empirical": "s.txt"}, tmp_path).draw(rng) for _ in range(200)}
    assert samples == {1.0, 2.0, 3.5}
    for bad, text in (({"uniform": ["5ms", "1ms"]}, "min is above max"),
                      ({"normal": "1ms"}, "unknown model"),
                      ({"empirical": "nope.txt"}, "not found"),
                      ("soon", "not a duration")):
        with pytest.raises(ValueError, match=text):
            parse_model(bad, tmp_path)


def test_draws_are_seeded_per_rule_and_leg():
    rules = [{"method": "Place*", "request": {"uniform": ["1ms", "100ms"]},
              "response": {"uniform": ["1ms", "100ms"]}}]

    def plan(seed):
        return LatencyPlan(rules, lambda name: Random(f"{name}-{seed}"))

    a, b = plan(1), plan(1)
    first = [a.leg("PlaceLimitOrder", "request").draw() for _ in range(5)]
    b.leg("PlaceMarketOrder", "response").draw()      # another leg's draws do not interfere
    assert [b.leg("PlaceLimitOrder", "request").draw() for _ in range(5)] == first
    assert len(set(first)) == 5
    assert [plan(2).leg("PlaceLimitOrder", "request").draw() for _ in range(5)] != first


def test_each_leg_comes_from_the_first_rule_that_has_it():
    plan = LatencyPlan([{"method": "PlaceLimitOrder", "request": "50ms"},
                        {"method": "*", "request": "1ms", "response": "2ms"},
                        {"route": "POST /api/orders/*", "request": "7ms"}], Random)
    assert plan.leg("PlaceLimitOrder", "request").draw() == 50
    assert plan.leg("PlaceLimitOrder", "response").draw() == 2
    assert plan.leg("GetBalances", "request").draw() == 1
    assert plan.leg("POST /api/orders/limit", "request").draw() == 7
    assert plan.leg("GET /api/balance", "request") is None


def test_rules_are_checked():
    assert rule_problems({"method": "PlaceLimitOrder", "request": "5ms"}) == []
    assert rule_problems({"method": "Nope", "request": "5ms"}) == [
        (("method",), "no gRPC method matches 'Nope'")]
    assert rule_problems({"method": "PlaceLimitOrder", "message": "5ms"})[0][0] == ("message",)
    assert rule_problems({"route": "GET /api/balance"})[0][1].startswith("a latency rule needs")
    assert rule_problems({"method": "*", "route": "*"})[0][1].startswith("a latency rule needs")


def test_a_scenario_with_bad_latency_says_where(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(WORLD.replace("MODE", "virtual").replace(
        "LATENCY", "  - {method: PlaceLimitOrder, request: {uniform: [9ms, 1ms]}}\n"
                   "  - {method: PlaceLimitOrder, reqest: 5ms}\n"))
    problems = [str(p) for p in check_file(path)]
    assert any(":14: latency[0].request: uniform: min is above max" in p for p in problems)
    assert any(":15: latency[1].reqest: unknown key" in p for p in problems)


# --- virtual time ----------------------------------------------------------------------------
async def test_an_order_with_a_50ms_request_leg_reaches_the_engine_50ms_later():
    mock = world("  - {method: PlaceLimitOrder, request: 50ms, response: 20ms}", track=True)
    c = mock.controller
    arrived = arrivals(mock)
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        call = asyncio.ensure_future(pvg.PrivateServiceStub(ch).PlaceLimitOrder(
            limit(), metadata=TRADER))
        await asyncio.wait_for(arrived.wait(), 5)
        assert c.exchange.clock.next_due() == START + 50
        c.advance("49ms")
        assert placed(c) == []                                  # not there yet
        c.advance("1ms")
        (order,) = placed(c)
        assert order.created == START + 50                      # reached the engine at +50
        c.advance("20ms")                                       # the response leg
        answer = await asyncio.wait_for(call, 5)
    assert answer.payload.orderId == order.id
    note = next(e for e in c.journal.entries if e["cmd"] == "call")
    assert note["t"] == START + 70 and note["args"] == {
        "id": 1, "via": "grpc", "method": "PlaceLimitOrder", "account": "trader",
        "arrived": START, "engine": START + 50, "latency": {"request": 50, "response": 20},
        "result": "ok"}
    command = next(e for e in c.journal.entries if e["cmd"] == "place_limit"
                   and e["args"]["account"] == "trader")
    assert command["t"] == START + 50 and command["call"] == 1


def placed(c):
    return [o for o in c.exchange.history.orders.values() if o.price == 9995]


async def test_a_rest_route_waits_on_the_clock_too():
    mock = world('  - {route: "POST /api/orders/*", request: 30ms}', track=True)
    c = mock.controller
    arrived = arrivals(mock)
    async with MockServer(mock) as server, aiohttp.ClientSession() as http:
        post = asyncio.ensure_future(http.post(
            server.rest_url + "/api/orders/limit", headers={"Authorization": "Bearer trader-key"},
            json={"AssetPairId": "BTCUSD", "Side": "Buy", "Volume": 0.1, "Price": 9995}))
        await asyncio.wait_for(arrived.wait(), 5)
        c.advance("30ms")
        response = await asyncio.wait_for(post, 5)
        body = await response.json()
        response.release()
    order = c.exchange.history.orders[body["payload"]["orderId"]]
    assert order.created == START + 30


async def test_stream_messages_are_delayed_in_clock_time_and_keep_their_order():
    mock = world("  - {method: GetPriceUpdates, message: 20ms}")
    c = mock.controller
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        stream = pbg.PublicServiceStub(ch).GetPriceUpdates(
            pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
        first = await asyncio.wait_for(stream.read(), 5)        # the snapshot: not delayed
        assert first.bid == "9990"
        (sub,) = server.streams._subs["price"]
        c.place_limit("trader", "BTCUSD", "buy", "0.1", "9995")
        c.advance("10ms")
        c.place_limit("trader", "BTCUSD", "buy", "0.1", "9996")
        assert not sub.items                                     # both still on their way
        c.advance("10ms")
        assert len(sub.items) == 1                               # the first, 20 ms later
        c.advance("10ms")
        moved = [await asyncio.wait_for(stream.read(), 5) for _ in range(2)]
        stream.cancel()
    assert [m.bid for m in moved] == ["9995", "9996"]
    assert [m.timestamp.ToMilliseconds() for m in moved] == [START, START + 10]


async def test_in_lockstep_the_clock_moves_to_the_order_by_itself():
    """No one advances: the lockstep clock runs to the call's timer as soon as it is quiet;
    the same calls give the same seeded latencies in a fresh world."""
    rule = "  - {method: PlaceLimitOrder, request: {uniform: [1ms, 100ms]}}"

    async def run():
        mock = world(rule, mode="lockstep", track=True)
        async with MockServer(mock) as server, \
                grpc.aio.insecure_channel(server.grpc_target) as ch:
            priv = pvg.PrivateServiceStub(ch)
            ids = [(await asyncio.wait_for(priv.PlaceLimitOrder(
                limit(price=str(9991 + i)), metadata=TRADER), 5)).payload.orderId
                for i in range(5)]
        orders = mock.controller.exchange.history.orders
        return [orders[i].created - START for i in ids]

    first = await run()
    assert first == sorted(first) and len(set(first)) == 5 and first[0] >= 1
    assert await run() == first


async def test_in_realtime_latency_is_wall_time():
    mock = world("  - {method: GetBalances, request: 30ms, response: 20ms}", mode="realtime")
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        priv = pvg.PrivateServiceStub(ch)
        await priv.GetBalances(Empty(), metadata=TRADER)       # connected
        t0 = time.monotonic()
        await asyncio.wait_for(priv.GetBalances(Empty(), metadata=TRADER), 5)
        assert time.monotonic() - t0 >= 0.05


# --- configuring it --------------------------------------------------------------------------
async def test_the_control_api_sets_reads_and_clears_the_rules():
    mock = world("  []")
    async with MockServer(mock) as server, aiohttp.ClientSession() as http:
        url = server.rest_url + "/_mock/latency"
        async with http.get(url) as r:
            assert await r.json() == []
        rules = [{"method": "PlaceLimitOrder", "request": {"lognormal": {"median": "20ms",
                                                                          "sigma": 0.5}}}]
        async with http.put(url, json=rules) as r:
            assert r.status == 200 and await r.json() == rules
        assert mock.extras["latency"].leg("PlaceLimitOrder", "request") is not None
        async with http.put(url, json=[{"method": "Nope", "request": "1ms"}]) as r:
            assert r.status == 400 and "no gRPC method" in (await r.json())["error"]
        async with http.delete(url) as r:
            assert await r.json() == []
    assert mock.extras["latency"] is None
    notes = [e for e in mock.controller.journal.entries if e["cmd"] == "latency"]
    assert [n["args"]["rules"] for n in notes] == [rules, []]


def test_the_controller_checks_rules_and_reset_restores_the_scenarios():
    mock = world("  - {method: GetBalances, request: 5ms}")
    c = mock.controller
    with pytest.raises(ControlError, match="reqest"):
        c.set_latency([{"method": "GetBalances", "reqest": "5ms"}])
    assert c.set_latency({"method": "*", "response": "1ms"}) == [
        {"method": "*", "response": "1ms"}]
    c.reset()
    assert c.latency() == [{"method": "GetBalances", "request": "5ms"}]


async def test_latency_never_reaches_past_the_end_of_a_lockstep_run():
    text = WORLD.replace("MODE", "lockstep").replace("warmup: 0ms", "warmup: 0ms, until: 1s")
    mock = build_mock(load_text(text.replace("LATENCY", "  - {method: PlaceLimitOrder, "
                                                         "request: 5s}")))
    async with MockServer(mock) as server, grpc.aio.insecure_channel(server.grpc_target) as ch:
        answer = await asyncio.wait_for(pvg.PrivateServiceStub(ch).PlaceLimitOrder(
            limit(), metadata=TRADER), 5)
    assert mock.exchange.history.orders[answer.payload.orderId].created == START + 1000
