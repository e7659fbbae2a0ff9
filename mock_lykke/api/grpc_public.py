"""gRPC `hft.PublicService` (anonymous), and `GrpcFront`, the call plumbing the three
gRPC services share: faults, auth, the error envelope and crashes, streams.

Each RPC is a plain method named as in the proto. Unary ones take (request, account) and
return the response message; stream ones take the same and return an opened
`streams.Subscriber`. They run synchronously on the loop, so an engine command and the
events it causes never interleave with another call.

Every call is work in flight for the clock (`enter()` / `leave()`, used by lockstep), and goes
through its latency legs and the dry-run tracking when those are on (mock_lykke/latency.py).
"""
from __future__ import annotations

import asyncio
import logging

import grpc
from google.protobuf import message_factory

from ..engine.errors import ME_MESSAGES, ApiError, Code, ServerCrash
from ..latency import begin_call
from ..proto import publicService_pb2 as pb
from . import convert_grpc as convert
from .auth import REVOKED, authenticate

log = logging.getLogger(__name__)

UNAUTHENTICATED_DETAILS = "Received http2 header with status: 401"
UNIMPLEMENTED_DETAILS = "Method is unimplemented."
FELL_BEHIND = ("stream closed: the client fell behind (more than {} messages waiting); "
               "read the stream faster or open fewer streams")


def _status(name: str | None) -> grpc.StatusCode:
    try:
        return grpc.StatusCode[str(name).upper()]
    except KeyError:
        return grpc.StatusCode.UNKNOWN


def _fault_error(action):
    """The Error an injected error_code answers: its message, else the engine's text for
    the code, else the code's name."""
    code = action.error_code
    try:
        text = ME_MESSAGES.get(Code(code), Code(code).name)
    except ValueError:
        text = str(code)
    return convert.error(code, getattr(action, "message", None) or text)


def _fault_details(action, name: str) -> str:
    return getattr(action, "message", None) or f"injected fault on {name}"


class GrpcFront:
    """One gRPC service: builds its method handlers from the proto descriptor."""
    descriptor = None                   # the ServiceDescriptor
    private = False                     # a key is required on every method
    unimplemented: dict[str, str] = {}  # method -> quirk id that makes it UNIMPLEMENTED

    def __init__(self, mock, hub):
        self.mock = mock
        self.hub = hub

    @property
    def exchange(self):
        return self.mock.exchange

    @property
    def quirks(self):
        return self.mock.exchange.quirks

    # --- registration -------------------------------------------------------------------
    def method_handlers(self) -> dict[str, grpc.RpcMethodHandler]:
        out = {}
        for m in self.descriptor.methods:
            req = message_factory.GetMessageClass(m.input_type)
            resp = message_factory.GetMessageClass(m.output_type)
            impl = getattr(self, m.name)
            if m.server_streaming:
                out[m.name] = grpc.unary_stream_rpc_method_handler(
                    self._stream(m.name, impl), request_deserializer=req.FromString,
                    response_serializer=None)          # streams queue serialized bytes
            else:
                out[m.name] = grpc.unary_unary_rpc_method_handler(
                    self._unary(m.name, impl, resp), request_deserializer=req.FromString,
                    response_serializer=resp.SerializeToString)
        return out

    def register(self, server) -> None:
        name = self.descriptor.full_name
        handlers = self.method_handlers()
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, handlers),))
        if hasattr(server, "add_registered_method_handlers"):
            server.add_registered_method_handlers(name, handlers)

    # --- the steps of every call -----------------------------------------------------------
    async def _fault(self, name: str, context):
        action = self.mock.faults.check(name)
        if action is None:
            return None
        if action.delay_ms:
            await asyncio.sleep(action.delay_ms / 1000)
        if action.grpc_status:
            await context.abort(_status(action.grpc_status), _fault_details(action, name))
        return action

    async def _auth(self, context):
        """The caller's account (None on public calls without a usable key)."""
        header = None
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                header = value
                break
        if header is None:
            if self.private:
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_DETAILS)
            return None
        result = authenticate(self.exchange, header)
        if result.problem == REVOKED or (self.private and result.account is None):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_DETAILS)
        return result.account

    async def _unimplemented(self, name: str, context) -> None:
        quirk_id = self.unimplemented.get(name)
        if quirk_id is not None and self.quirks[quirk_id]:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, UNIMPLEMENTED_DETAILS)

    def _unary(self, name: str, impl, resp_cls):
        has_error = "error" in resp_cls.DESCRIPTOR.fields_by_name

        async def handler(request, context):
            clock = self.exchange.clock
            clock.enter()
            try:
                await self._unimplemented(name, context)
                action = await self._fault(name, context)
                account = await self._auth(context)
                call = begin_call(self.mock, "grpc", name, account)
                response = await self._answer(call, name, impl, resp_cls, has_error, action,
                                              request, account)
                if call is not None:
                    await call.finish()
                if response is None:
                    await context.abort(grpc.StatusCode.UNKNOWN, convert.CRASH_DETAILS)
                return response
            finally:
                clock.leave()
        handler.__name__ = name
        return handler

    @staticmethod
    async def _answer(call, name, impl, resp_cls, has_error, action, request, account):
        """The response message of a unary call; None: it crashed (status UNKNOWN)."""
        if action is not None and action.error_code is not None:
            if call is not None:
                call.note("fault", action.error_code, _fault_error(action).message)
            return resp_cls(error=_fault_error(action)) if has_error else None
        try:
            if call is None:
                return impl(request, account)
            return await call.run(lambda: impl(request, account))
        except ApiError as e:
            if call is not None:
                call.note("rejected", int(e.code), e.message)
            if has_error:
                return resp_cls(error=convert.error(e.code, e.message))
            log.error("%s: %r has no error field to carry it", name, e)
        except ServerCrash:
            pass
        except Exception:
            log.exception("%s failed", name)
        if call is not None:
            call.note("crash")
        return None

    def _stream(self, name: str, impl):
        hub = self.hub

        async def handler(request, context):
            clock = self.exchange.clock
            clock.enter()
            try:
                sub = await self._subscribe(name, impl, request, context)
            finally:
                clock.leave()
            sub.task = asyncio.current_task()
            try:
                await context.send_initial_metadata(())     # tells the client it is subscribed
                while True:
                    data = await sub.next()
                    if data is None:
                        break
                    act = self.mock.faults.check_stream(name)
                    if act is not None:
                        if act.delay_ms:
                            await asyncio.sleep(act.delay_ms / 1000)
                        if act.grpc_status and _status(act.grpc_status) != grpc.StatusCode.OK:
                            await context.abort(_status(act.grpc_status), _fault_details(act, name))
                        if act.end_stream or act.grpc_status:
                            break
                        if getattr(act, "drop", False):
                            sub.discarded()
                            continue
                    await context.write(data)
                    sub.sent()
            except asyncio.CancelledError:
                if not sub.overflowed:
                    raise
                asyncio.current_task().uncancel()
            finally:
                hub.remove(sub)
            if sub.overflowed:
                await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                    FELL_BEHIND.format(sub.limit))
        handler.__name__ = name
        return handler

    async def _subscribe(self, name: str, impl, request, context):
        """Faults, auth, then the snapshot + registration (after the request leg)."""
        await self._unimplemented(name, context)
        action = await self._fault(name, context)
        account = await self._auth(context)
        if action is not None and action.error_code is not None:
            await context.abort(grpc.StatusCode.UNKNOWN, _fault_error(action).message)
        call = begin_call(self.mock, "grpc", name, account, stream=True)
        try:
            if call is None:
                sub = impl(request, account)        # snapshot + registration, one step
            else:
                sub = await call.run(lambda: impl(request, account))
                call.note("open")
        except ServerCrash:
            sub = None
        except Exception:
            log.exception("%s failed", name)
            sub = None
        if call is not None:
            if sub is None:
                call.note("crash")
            await call.finish()
        if sub is None:
            await context.abort(grpc.StatusCode.UNKNOWN, convert.CRASH_DETAILS)
        return sub


class PublicFront(GrpcFront):
    descriptor = pb.DESCRIPTOR.services_by_name["PublicService"]

    def GetAssetPairs(self, request, account):
        ref = self.exchange.reference
        return pb.AssetPairsResponse(
            payload=[convert.asset_pair(p, ref.assets) for p in ref.visible_pairs()])

    def GetAssetPair(self, request, account):
        pair_id = request.assetPairId
        if pair_id == "givemeerror" and self.quirks["grpc-givemeerror"]:
            raise ServerCrash("Exception for this asset pair")
        if not pair_id and self.quirks["grpc-empty-not-found"]:
            return pb.AssetPairResponse()
        pair = self.exchange.asset_pair(pair_id)
        return pb.AssetPairResponse(payload=convert.asset_pair(pair, self.exchange.reference.assets))

    def GetAssets(self, request, account):
        return pb.AssetsResponse(
            payload=[convert.asset(a) for a in self.exchange.reference.visible_assets()])

    def GetAsset(self, request, account):
        if not request.assetId and self.quirks["grpc-empty-not-found"]:
            return pb.AssetResponse()
        return pb.AssetResponse(payload=convert.asset(self.exchange.asset(request.assetId)))

    def GetOrderbooks(self, request, account):
        ex = self.exchange
        if not request.assetPairId and self.quirks["grpc-orderbooks-empty-pair"]:
            return pb.OrderbookResponse(payload=[convert.empty_orderbook("", ex.clock.now())])
        books = ex.orderbooks(request.assetPairId or None)
        return pb.OrderbookResponse(
            payload=[convert.orderbook(b, self.quirks, request.depth) for b in books])

    def GetTickers(self, request, account):
        return pb.TickersResponse(payload=[convert.ticker(t, self.quirks)
                                           for t in self.exchange.tickers(request.assetPairIds)])

    def GetPrices(self, request, account):
        return pb.PricesResponse(
            payload=[convert.price(p) for p in self.exchange.prices(request.assetPairIds)])

    def GetPublicTrades(self, request, account):
        take = request.take
        if take == 0:
            take = 0 if self.quirks["grpc-take-rules"] else 100
        trades = self.exchange.public_trades(request.assetPairId, request.offset, take)
        return pb.PublicTradeUpdate(trades=[convert.public_trade(t) for t in trades])

    # streams
    def GetPriceUpdates(self, request, account):
        return self.hub.open_prices(list(request.assetPairIds))

    def GetTickerUpdates(self, request, account):
        return self.hub.open_tickers()

    def GetOrderbookUpdates(self, request, account):
        return self.hub.open_orderbooks(request.assetPairId, list(request.assetPairIds))

    def GetPublicTradeUpdates(self, request, account):
        return self.hub.open_public_trades(request.assetPairId)
