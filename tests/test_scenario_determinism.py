"""End to end through the real server: the same scenario + seed + request sequence gives
byte-identical REST responses and gRPC stream messages; scenario faults reach both fronts."""
import importlib.util

import aiohttp
import grpc
import pytest
from google.protobuf import empty_pb2

from mock_lykke.scenario import build_mock, load_file
from test_scenario_support import SCENARIOS

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mock_lykke.server") is None,
                                reason="mock_lykke.server not there yet")
AUTH = {"Authorization": "Bearer trader-key"}


async def _session(name="market-maker.yaml", seed=None):
    from mock_lykke.proto import publicService_pb2 as pb, publicService_pb2_grpc as pbg
    from mock_lykke.server import MockServer
    mock = build_mock(load_file(SCENARIOS / name), seed=seed)
    rest_bytes, stream_bytes = [], []
    async with MockServer(mock) as server:
        async with aiohttp.ClientSession(server.rest_url) as http, \
                grpc.aio.insecure_channel(server.grpc_target) as channel:
            stream = pbg.PublicServiceStub(channel).GetOrderbookUpdates(
                pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
            stream_bytes.append((await stream.read()).SerializeToString())

            async def call(method, path, **kw):
                async with http.request(method, path, **kw) as resp:
                    rest_bytes.append((resp.status, await resp.read()))

            await call("POST", "/_mock/advance", json={"by": "7s"})
            await call("POST", "/api/orders/limit", headers=AUTH, json={
                "assetPairId": "BTCUSD", "side": "buy", "volume": 0.2, "price": 10100})
            await call("POST", "/_mock/advance", json={"by": "1m5s"})
            for path in ("/api/orderbooks?assetPairId=BTCUSD", "/api/balance",
                         "/api/orders/closed", "/api/trades", "/api/tickers", "/api/prices",
                         "/api/trades/public/BTCUSD"):
                await call("GET", path, headers=AUTH)
            await call("POST", "/api/orders/limit", headers=AUTH, json={   # the sentinel
                "assetPairId": "BTCUSD", "side": "buy", "volume": "0.0001", "price": "1.111"})
            while True:              # every diff up to the sentinel's (no waiting on time)
                msg = await stream.read()
                stream_bytes.append(msg.SerializeToString())
                if any(level.p == "1.111" for level in msg.bids):
                    break
            stream.cancel()
    return rest_bytes, stream_bytes


async def test_same_scenario_seed_and_requests_give_identical_bytes_on_both_fronts():
    rest_a, stream_a = await _session()
    rest_b, stream_b = await _session()
    assert [status for status, _ in rest_a] == [200] * len(rest_a)
    assert len(stream_a) > 60                       # one diff per requote and per trade
    assert rest_a == rest_b and stream_a == stream_b
    rest_c, _ = await _session(seed=43)
    assert rest_c != rest_a


async def test_scenario_faults_reach_both_fronts():
    from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc as pvg
    from mock_lykke.server import MockServer
    mock = build_mock(load_file(SCENARIOS / "faults.yaml"))
    async with MockServer(mock) as server:
        async with aiohttp.ClientSession(server.rest_url) as http, \
                grpc.aio.insecure_channel(server.grpc_target) as channel:
            stub = pvg.PrivateServiceStub(channel)
            md = (("authorization", "Bearer trader-key"),)
            request = pv.LimitOrderRequest(assetPairId="BTCUSD", side=0, volume="0.001",
                                           price="9000")
            errors = [(await stub.PlaceLimitOrder(request, metadata=md)).error.code
                      for _ in range(4)]
            assert errors == [0, 0, 2006, 0]                 # nth: 3
            for _ in range(5):                               # nth: 5 of the REST cancel
                async with http.delete("/api/orders/00000000-0000-4000-8000-000000000000",
                                       headers={"Authorization": "Bearer trader-key"}) as r:
                    last = r.status
            assert last == 503
            async with http.post("/_mock/advance", json={"by": "60s"}) as r:
                assert r.status == 200
            with pytest.raises(grpc.aio.AioRpcError) as e:
                await stub.GetBalances(empty_pb2.Empty(), metadata=md)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE
