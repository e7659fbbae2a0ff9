"""The `lykke` fixture in async tests: the mock runs on the test's own loop; waits are
awaited while the code under test (here, a task) runs beside them."""
import asyncio
from decimal import Decimal as D
from pathlib import Path

import grpc
import pytest
from google.protobuf.empty_pb2 import Empty
from hypothesis import HealthCheck, given, settings

from mock_lykke.engine import events as ev
from mock_lykke.proto import privateService_pb2 as pv, publicService_pb2 as pb
from mock_lykke.strategies import limit_orders
from mock_lykke.testing import MATCHED, AsyncLykke

pytestmark = pytest.mark.lykke(scenario="../scenarios/basic.yaml")
BASIC = Path(__file__).parents[1] / "scenarios" / "basic.yaml"


async def test_the_mock_shares_the_tests_loop(lykke):
    assert isinstance(lykke, AsyncLykke)
    assert lykke.mock is lykke.controller.mock
    balances = (await lykke.private("trader").GetBalances(Empty())).payload
    assert {b.assetId for b in balances} == {"BTC", "USD"}
    async with lykke.http("book").get("/api/balance") as resp:
        assert (await resp.json())["payload"][0]["available"] == 100.0
    channel = lykke.grpc_channel("trader")
    assert channel.get_state() != grpc.ChannelConnectivity.SHUTDOWN


async def test_waits_let_the_code_under_test_run(lykke):
    stub = lykke.private("trader")

    async def bot():                    # buys at the best ask once it has seen the book
        await lykke.private("trader").GetBalances(Empty())
        await stub.PlaceLimitOrder(pv.LimitOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="0.5", price="10010"))
    task = asyncio.create_task(bot())
    order = await lykke.wait_for_order(account="trader", status=MATCHED)
    assert order.volume == D("0.5") and order.price == D("10010")
    await task


async def test_next_event_counts_from_the_call(lykke):
    sold = lykke.next_event(ev.TradesExecuted, account="book")      # registered now
    lykke.place_limit("trader", "BTCUSD", "sell", "0.25", "9990")
    event = await sold
    assert event.trades[0].base_volume == D("0.25")
    with pytest.raises(TimeoutError):
        await lykke.next_event(ev.TradesExecuted, timeout=0.01)     # nothing new


async def test_a_reset_ends_the_streams_as_a_stopping_host_would(lykke):
    """§13.1: price and ticker streams are completed with OK, the others end with the host."""
    balances = lykke.private("trader").GetBalanceUpdates(Empty())
    prices = lykke.public().GetPriceUpdates(pb.PriceUpdatesRequest())
    assert (await balances.read()).balances                         # the snapshots
    assert (await prices.read()).assetPairId
    lykke.reset()
    with pytest.raises(grpc.aio.AioRpcError) as e:
        while True:
            await balances.read()
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    while await prices.read() != grpc.aio.EOF:                      # the rest of the snapshot
        pass
    assert await prices.code() == grpc.StatusCode.OK


async def test_the_module_mock_from_async_code(lykke_module):
    async with lykke_module.aio as lykke:
        balances = (await lykke.private("trader").GetBalances(Empty())).payload
        assert balances
        lykke_module.place_limit("book", "BTCUSD", "sell", "0.1", "9995")
        assert (await lykke.wait_for_order(account="book", price="9995")).status == "Placed"
    lykke_module.reset()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=limit_orders(BASIC, pair_id="BTCUSD", spread="0.002", max_volume="0.1"))
async def test_hypothesis_draws_orders_the_mock_accepts(lykke, order):
    lykke.reset()
    reply = await lykke.private("trader").PlaceLimitOrder(pv.LimitOrderRequest(**order))
    assert not reply.HasField("error"), (order, reply.error)
    assert lykke.order(reply.payload.orderId).volume == D(order["volume"])

