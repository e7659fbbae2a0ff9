"""MockServer.stop returns only once every stream's servicer task has ended. (When it
returned earlier and asyncio.run closed the loop right after, grpc.aio's own task for each
such call was cancelled between the servicer's end and its own, and it printed a bare
CancelledError traceback for each: ~80 of them on `python -m bench`'s stderr.)"""
from __future__ import annotations

import grpc

from mock_lykke.proto import publicService_pb2 as pb, publicService_pb2_grpc
from mock_lykke.server import MockServer
from mock_lykke.state import Mock
from test_reliability_support import world


async def test_stop_returns_after_every_streams_servicer_ended():
    for _ in range(3):                  # (without the wait, one stop in ~6 returned early)
        await _stop_with_live_streams()


async def _stop_with_live_streams():
    server = MockServer(Mock(world()))
    await server.start()
    async with grpc.aio.insecure_channel(server.grpc_target) as channel:
        stub = publicService_pb2_grpc.PublicServiceStub(channel)
        calls = [stub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
                 for _ in range(20)]
        for call in calls:
            await call.initial_metadata()           # subscribed: its servicer runs
        tasks = list(server.streams.tasks)
        assert len(tasks) == 20
        for call in calls[::2]:                     # some cancelled by the client meanwhile
            call.cancel()
        await server.stop(0)
        assert all(task.done() for task in tasks)
        assert not server.streams.tasks
