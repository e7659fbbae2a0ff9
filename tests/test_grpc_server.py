"""MockServer: ports, health and reflection, graceful stop, hooks, the realtime clock's
timers, resets."""
from __future__ import annotations

import asyncio
import socket

import aiohttp
import grpc
import pytest
from google.protobuf.empty_pb2 import Empty
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from mock_lykke.engine.clock import RealtimeClock
from mock_lykke.proto import (isalive_pb2, isalive_pb2_grpc, privateService_pb2_grpc,
                              publicService_pb2 as pb, publicService_pb2_grpc)
from mock_lykke.api.grpc_public import Services
from mock_lykke.server import MockServer
from mock_lykke.state import Mock
from test_grpc_support import *  # noqa: F403  (fixtures)
from test_grpc_support import TRADER, D, make_exchange, read, status_of, stream_error


def other_tasks():
    me = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not me and not t.done()]


async def test_ephemeral_ports_and_both_fronts():
    async with MockServer(Mock(make_exchange())) as a, MockServer(Mock(make_exchange())) as b:
        ports = {a.grpc_port, a.rest_port, b.grpc_port, b.rest_port}
        assert len(ports) == 4 and 0 not in ports
        assert a.grpc_target == f"127.0.0.1:{a.grpc_port}"
        assert a.rest_url == f"http://127.0.0.1:{a.rest_port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(a.rest_url + "/api/isalive") as r:
                assert r.status == 200
        async with grpc.aio.insecure_channel(b.grpc_target) as ch:
            r = await isalive_pb2_grpc.MonitoringStub(ch).IsAlive(isalive_pb2.IsAliveRequest())
            assert r.name == "Lykke.HftApi"


async def test_health_and_reflection(channel):
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "hft.PublicService", "hft.PrivateService", "common.Monitoring"):
        r = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert r.status == health_pb2.HealthCheckResponse.SERVING
    call = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo()
    await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in (await read(call)).list_services_response.service}
    assert {"hft.PublicService", "hft.PrivateService", "common.Monitoring"} <= names
    await call.write(reflection_pb2.ServerReflectionRequest(
        file_containing_symbol="hft.PrivateService"))
    files = (await read(call)).file_descriptor_response.file_descriptor_proto
    assert files                                   # grpcurl can describe it without protos
    await call.done_writing()


async def test_graceful_stop_ends_open_streams_and_leaves_no_task():
    mock = Mock(make_exchange())
    server = MockServer(mock)
    await server.start()
    channel = grpc.aio.insecure_channel(server.grpc_target)
    pub = publicService_pb2_grpc.PublicServiceStub(channel)
    priv = privateService_pb2_grpc.PrivateServiceStub(channel)
    prices = pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
    balances = priv.GetBalanceUpdates(Empty(), metadata=TRADER)
    await read(prices)
    await read(balances)
    await server.stop()
    assert (await stream_error(prices))[0] == grpc.StatusCode.OK          # §13.1: completed
    assert (await stream_error(balances))[0] == grpc.StatusCode.UNAVAILABLE  # ends with the host
    await channel.close()
    assert not mock.exchange.listeners and mock.exchange.clock.pending() == 0
    assert not mock.on_reset
    assert other_tasks() == []
    await server.stop()                            # a second stop is harmless


async def test_hooks_run_in_order():
    seen = []
    mock = Mock(make_exchange())

    async def first():
        seen.append("start1")

    async def second():
        seen.append("start2")

    async def bye():
        seen.append("stop")

    mock.on_start += [first, second]
    mock.on_stop.append(bye)
    async with MockServer(mock):
        assert seen == ["start1", "start2"]
    assert seen == ["start1", "start2", "stop"]


@pytest.mark.parametrize("which", ["grpc_port", "rest_port"])
async def test_busy_port_fails_cleanly(which):
    """an OSError (the CLI reports it), and nothing left running"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        mock = Mock(make_exchange())
        with pytest.raises(OSError):
            await MockServer(mock, **{which: port}).start()
    assert other_tasks() == [] and not mock.on_reset


async def test_realtime_clock_timers_are_run():
    clock = RealtimeClock(speed=1.0)
    mock = Mock(make_exchange(clock))
    async with MockServer(mock):
        fired = asyncio.Event()
        clock.call_at(clock.now() + 3_600_000, lambda: None)      # far away: the driver sleeps
        clock.call_at(clock.now() + 20, fired.set)                 # earlier: it must wake up
        await asyncio.wait_for(fired.wait(), 5)
    assert other_tasks() == []


async def test_realtime_keepalives():
    clock = RealtimeClock(speed=3000.0)                    # 30 s of clock time = 10 ms
    async with MockServer(Mock(make_exchange(clock))) as server:
        async with grpc.aio.insecure_channel(server.grpc_target) as ch:
            call = publicService_pb2_grpc.PublicServiceStub(ch).GetTickerUpdates(Empty())
            assert await read(call) == pb.TickerUpdate()
            assert await read(call) == pb.TickerUpdate()
            call.cancel()


async def test_reset_ends_streams_and_follows_the_new_exchange(mock, server, pub):
    old = pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
    assert (await read(old)).bid == "9990"
    fresh = make_exchange()
    fresh.place_limit(fresh.account("market"), "BTCUSD", "buy", D("1"), D("9991"))
    mock.exchange = fresh
    for hook in list(mock.on_reset):
        hook()
    assert (await stream_error(old))[0] == grpc.StatusCode.OK
    new = pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
    assert (await read(new)).bid == "9991"
    fresh.place_limit(fresh.account("market"), "BTCUSD", "buy", D("1"), D("9992"))
    assert (await read(new)).bid == "9992"




async def test_unknown_methods_and_services_are_unimplemented(channel):
    for path in ("/hft.PrivateService/NoSuchMethod", "/hft.NoSuchService/GetBalances",
                 "/grpc.health.v1.Health/Nope", "/nonsense"):
        code, _ = await status_of(channel.unary_unary(path)(b""))
        assert code == grpc.StatusCode.UNIMPLEMENTED, path


def test_a_method_handler_is_made_once_per_server():
    """Services makes a handler on a method's first call and keeps it; each server has its
    own (bound to its mock); a missing method is not kept"""
    class Details:
        def __init__(self, method):
            self.method = method
    made = []

    class Front:
        def handler(self, name):
            made.append(name)
            return None if name == "Nope" else ("handler of", name, self)
    front = Front()
    services = Services({"pkg.S": front})
    first = services.service(Details("/pkg.S/Get"))
    assert first == ("handler of", "Get", front)
    assert services.service(Details("/pkg.S/Get")) is first
    assert services.service(Details("/pkg.S/Nope")) is None
    assert services.service(Details("/pkg.S/Nope")) is None
    assert services.service(Details("/other.S/Get")) is None
    assert made == ["Get", "Nope", "Nope"]
    other = Services({"pkg.S": Front()})
    assert other.service(Details("/pkg.S/Get")) is not first


def test_fronts_look_up_message_classes_once_per_class():
    from mock_lykke.api.grpc_private import PrivateFront
    from mock_lykke.api.grpc_public import PublicFront
    assert PrivateFront.classes() is PrivateFront.classes()
    assert set(PrivateFront.classes()) == {m.name for m in PrivateFront.descriptor.methods}
    assert set(PublicFront.classes()) == {m.name for m in PublicFront.descriptor.methods}


@pytest.mark.parametrize("quick_start", [False, True])
async def test_registered_and_first_call_handlers_answer_alike(quick_start):
    """quick_start registers no method with grpc (each handler is made on its first call);
    both answer every kind of call the same."""
    from mock_lykke.proto import privateService_pb2 as pv
    async with MockServer(Mock(make_exchange()), quick_start=quick_start) as server:
        async with grpc.aio.insecure_channel(server.grpc_target) as ch:
            priv = privateService_pb2_grpc.PrivateServiceStub(ch)
            placed = await priv.PlaceLimitOrder(pv.LimitOrderRequest(
                assetPairId="BTCUSD", side=pv.buy, volume="0.1", price="5000"), metadata=TRADER)
            order = await priv.GetOrder(pv.OrderRequest(orderId=placed.payload.orderId),
                                        metadata=TRADER)
            assert order.payload.price == "5000"
            assert (await priv.CancelOrder(pv.CancelOrderRequest(
                orderId=placed.payload.orderId), metadata=TRADER)).payload
            balances = priv.GetBalances(Empty())                    # no key
            assert (await status_of(balances))[0] == grpc.StatusCode.UNAUTHENTICATED
            refused = priv.PlaceLimitOrder(pv.LimitOrderRequest(), metadata=(
                ("authorization", "Bearer nope"),))
            assert (await status_of(refused))[0] == grpc.StatusCode.UNAUTHENTICATED


async def test_health_watch_sees_the_graceful_stop():
    server = MockServer(Mock(make_exchange()), quick_start=True)
    await server.start()
    async with grpc.aio.insecure_channel(server.grpc_target) as ch:
        call = health_pb2_grpc.HealthStub(ch).Watch(
            health_pb2.HealthCheckRequest(service="hft.PrivateService"))
        assert (await read(call)).status == health_pb2.HealthCheckResponse.SERVING
        stopping = asyncio.create_task(server.stop())
        assert (await read(call)).status == health_pb2.HealthCheckResponse.NOT_SERVING
        await stopping
