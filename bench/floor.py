"""The transport floor: a bare grpc.aio server and a bare aiohttp app that answer the same
calls with canned replies (no auth, no engine, no conversion)."""
from __future__ import annotations

import grpc
from aiohttp import web

from mock_lykke.proto import privateService_pb2 as pv, publicService_pb2 as pb

ORDER_ID = "0b6c7f5e-3a1d-4c2e-9f8a-1d2e3f4a5b6c"
PLACED = pv.LimitOrderResponse(payload=pv.LimitOrderResponse.LimitOrderPayload(orderId=ORDER_ID))
CANCELLED = pv.CancelOrderResponse(payload=True)
PLACED_JSON = ('{"payload":{"orderId":"%s"},"error":null}' % ORDER_ID).encode()
CANCELLED_JSON = b'{"payload":null,"error":null}'
JSON = "application/json; charset=utf-8"


async def _placed(request, context):
    return PLACED


async def _cancelled(request, context):
    return CANCELLED


def grpc_handlers() -> grpc.GenericRpcHandler:
    """PlaceLimitOrder and CancelOrder of hft.PrivateService, canned."""
    def unary(fn, req, resp):
        return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=req.FromString,
                                                   response_serializer=resp.SerializeToString)
    return grpc.method_handlers_generic_handler("hft.PrivateService", {
        "PlaceLimitOrder": unary(_placed, pv.LimitOrderRequest, pv.LimitOrderResponse),
        "CancelOrder": unary(_cancelled, pv.CancelOrderRequest, pv.CancelOrderResponse),
    })


def book_stream_handler(hub) -> grpc.GenericRpcHandler:
    """hft.PublicService/GetOrderbookUpdates fed by `hub` (bench.fanout.BareHub): every
    subscriber gets the same pre-serialized bytes."""
    async def stream(request, context):
        queue = hub.subscribe()
        try:
            await context.send_initial_metadata(())
            while True:
                data = await queue.get()
                if data is None:
                    break
                await context.write(data)
        finally:
            hub.unsubscribe(queue)
    return grpc.method_handlers_generic_handler("hft.PublicService", {
        "GetOrderbookUpdates": grpc.unary_stream_rpc_method_handler(
            stream, request_deserializer=pb.OrderbookUpdatesRequest.FromString,
            response_serializer=None)})


async def start_grpc(host: str = "127.0.0.1", handlers=()) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    if handlers:
        server.add_generic_rpc_handlers(tuple(handlers))
    port = server.add_insecure_port(f"{host}:0")
    await server.start()
    return server, port


async def _rest_placed(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=PLACED_JSON, headers={"Content-Type": JSON})


async def _rest_cancelled(request: web.Request) -> web.Response:
    return web.Response(body=CANCELLED_JSON, headers={"Content-Type": JSON})


def rest_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/api/orders/limit", _rest_placed)
    app.router.add_delete("/api/orders/{orderId}", _rest_cancelled)
    return app


async def start_rest(host: str = "127.0.0.1", app: web.Application | None = None):
    runner = web.AppRunner(app if app is not None else rest_app())
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    return runner, runner.addresses[0][1]
