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
from .streams import COMPLETED_ON_SHUTDOWN

log = logging.getLogger(__name__)

UNAUTHENTICATED_DETAILS = "Received http2 header with status: 401"
UNIMPLEMENTED_DETAILS = "Method is unimplemented."
REFUSED = object()                 # _account(): the call must end UNAUTHENTICATED
FELL_BEHIND = ("stream closed: the client fell behind (more than {} messages waiting); "
               "read the stream faster or open fewer streams")
HOST_ENDED = "Server shutting down (the mock was stopped or reset)"


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


def _fault_answer(call, action, resp_cls, has_error):
    """The answer to an injected error_code: the error envelope (None: a crash)."""
    error = _fault_error(action)
    if call is not None:
        call.note("fault", action.error_code, error.message)
    return resp_cls(error=error) if has_error else None


def _failure(call, name: str, e: Exception, resp_cls, has_error):
    """The answer to an exception out of a unary method: the error envelope for an
    ApiError, else None (a crash: status UNKNOWN)."""
    if isinstance(e, ApiError):
        if call is not None:
            call.note("rejected", int(e.code), e.message)
        if has_error:
            return resp_cls(error=convert.error(e.code, e.message))
        log.error("%s: %r has no error field to carry it", name, e)
    elif not isinstance(e, ServerCrash):
        log.exception("%s failed", name, exc_info=e)
    if call is not None:
        call.note("crash")
    return None


def _message_classes(service) -> dict[str, tuple]:
    """method name -> (server streaming, request class, response class)"""
    return {m.name: (m.server_streaming, message_factory.GetMessageClass(m.input_type),
                     message_factory.GetMessageClass(m.output_type))
            for m in service.methods}


class GrpcFront:
    """One gRPC service: makes its method handlers from the proto descriptor.

    The message classes are looked up once per class; a server makes a method's handler at
    start when it registers the method with grpc, else on the method's first call
    (`Services`)."""
    descriptor = None                   # the ServiceDescriptor
    private = False                     # a key is required on every method
    unimplemented: dict[str, str] = {}  # method -> quirk id that makes it UNIMPLEMENTED
    _classes: dict[str, tuple] | None = None

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
    @classmethod
    def classes(cls) -> dict[str, tuple]:
        found = cls.__dict__.get("_classes")
        if found is None:
            found = _message_classes(cls.descriptor)
            cls._classes = found
        return found

    def handler(self, name: str) -> grpc.RpcMethodHandler | None:
        found = self.classes().get(name)
        if found is None:
            return None
        streaming, req, resp = found
        impl = getattr(self, name)
        if streaming:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(name, impl), request_deserializer=req.FromString,
                response_serializer=None)              # streams queue serialized bytes
        return grpc.unary_unary_rpc_method_handler(
            self._unary(name, impl, resp), request_deserializer=req.FromString,
            response_serializer=resp.SerializeToString)

    # --- the steps of every call -----------------------------------------------------------
    def _admit(self, name: str, context):
        """Quirks, faults, auth, in that order: (fault action or None, account) when nothing
        stops or delays the call (no coroutine made); else an awaitable that waits, aborts,
        or gives that pair."""
        if self.unimplemented and self._is_unimplemented(name):
            return context.abort(grpc.StatusCode.UNIMPLEMENTED, UNIMPLEMENTED_DETAILS)
        action = self.mock.faults.check(name)
        if action is not None:
            return self._faulted(action, name, context)
        account = self._account(context)
        if account is REFUSED:
            return context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_DETAILS)
        return None, account

    async def _faulted(self, action, name: str, context):
        if action.delay_ms:
            await asyncio.sleep(action.delay_ms / 1000)
        if action.grpc_status:
            await context.abort(_status(action.grpc_status), _fault_details(action, name))
        account = self._account(context)
        if account is REFUSED:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_DETAILS)
        return action, account

    def _account(self, context):
        """The caller's account (None on public calls without a usable key), or REFUSED."""
        header = None
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                header = value
                break
        if header is None:
            return REFUSED if self.private else None
        result = authenticate(self.exchange, header)
        if result.problem == REVOKED or (self.private and result.account is None):
            return REFUSED
        return result.account

    def _is_unimplemented(self, name: str) -> bool:
        quirk_id = self.unimplemented.get(name)
        return quirk_id is not None and self.quirks[quirk_id]

    def _unary(self, name: str, impl, resp_cls):
        has_error = "error" in resp_cls.DESCRIPTOR.fields_by_name
        mock = self.mock

        async def handler(request, context):
            clock = mock.exchange.clock
            clock.enter()
            try:
                admitted = self._admit(name, context)
                if type(admitted) is not tuple:
                    admitted = await admitted
                action, account = admitted
                call = begin_call(mock, "grpc", name, account)
                if action is not None and action.error_code is not None:
                    response = _fault_answer(call, action, resp_cls, has_error)
                else:
                    try:
                        if call is None:
                            response = impl(request, account)
                        else:
                            response = await call.run(lambda: impl(request, account))
                    except Exception as e:
                        response = _failure(call, name, e, resp_cls, has_error)
                if call is not None:
                    await call.finish()
                if response is None:
                    await context.abort(grpc.StatusCode.UNKNOWN, convert.CRASH_DETAILS)
                return response
            finally:
                clock.leave()
        handler.__name__ = name
        return handler

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
            hub.serving(sub.task)
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
            if sub.host_ended and sub.kind not in COMPLETED_ON_SHUTDOWN:
                await context.abort(grpc.StatusCode.UNAVAILABLE, HOST_ENDED)
        handler.__name__ = name
        return handler

    async def _subscribe(self, name: str, impl, request, context):
        """Faults, auth, then the snapshot + registration (after the request leg)."""
        admitted = self._admit(name, context)
        if type(admitted) is not tuple:
            admitted = await admitted
        action, account = admitted
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


class Services(grpc.GenericRpcHandler):
    """The services of one server, by full name: objects whose handler(method name) makes a
    method's handler (None: no such method). Made on a method's first call, then kept."""

    def __init__(self, services: dict):
        self._services = services
        self._made: dict[str, grpc.RpcMethodHandler] = {}

    def service(self, details):
        path = details.method
        found = self._made.get(path)
        if found is None:
            name, _, method = path[1:].partition("/")          # "/package.Service/Method"
            owner = self._services.get(name)
            found = owner.handler(method) if owner is not None else None
            if found is not None:
                self._made[path] = found
        return found


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
