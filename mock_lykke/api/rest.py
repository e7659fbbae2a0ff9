"""The REST front (aiohttp): the real server's routes under /api (BEHAVIOUR.md §1-§7, §12).

One pipeline does what ASP.NET's does, in its order: CORS preflight, routing
(case-insensitive, trailing `/` tolerated, literal segments before `{parameters}`), the key
check, 404/405, authorization, injected faults, model binding (400/415 problem details),
then the handler. Handlers only translate: engine command in, wire shape out
(`convert_json`; request binding is `json_binding`). `mock.exchange` is read per request
(the control API may replace it). Every request is work in flight for the clock (`enter()` /
`leave()`, used by lockstep); a route's latency legs and the dry-run tracking wrap the
handler (mock_lykke/latency.py).
"""
from __future__ import annotations

import asyncio
import logging
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict

from ..engine.errors import ME_MESSAGES, ApiError, Code, ServerCrash
from ..engine.orders import BUY, SELL, BulkItem
from ..latency import begin_call
from ..routes import REST_ROUTES
from . import convert_json as cj, json_binding as jb, swagger_ui
from .auth import REVOKED, authenticate, bearer_token
from .json_reader import dotnet_text
from .limits import BodyTimeout, read_body, timed_out
from .openapi import SWAGGER_JSON_PATH, SWAGGER_UI_PATH, openapi_document

log = logging.getLogger(__name__)
_COUNTER = web.AppKey("rest_request_counter", list)
MAX_BODY = 30_000_000                  # Kestrel's default request body limit

from .ui import is_ui_stream           # noqa: E402  (the dashboard's stream: no clock hold)


# --- routes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    method: str
    template: str                      # canonical path, as in BEHAVIOUR.md §6
    handler: Callable
    private: bool = False
    body: jb.Model | None = None       # JSON body model (POST)
    request_id: bool = False           # required header X-Request-ID (withdrawals)
    segments: tuple[str, ...] = field(default=())
    # the fault hook's name for this route, e.g. `DELETE /api/orders/{orderId}`
    name: str = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "name", f"{self.method} {self.template}")


ROUTES: list[Route] = []
_LITERAL: dict[tuple, Route] = {}                      # (method, *lower-cased segments)
_BY_SHAPE: dict[tuple[str, int], list[Route]] = {}     # (method, segment count) -> the others


def route(method: str, template: str, private: bool = False, body: jb.Model | None = None,
          request_id: bool = False):
    def register(fn):
        r = Route(method, template, fn, private, body, request_id,
                  tuple(template.strip("/").split("/")))
        if r.name not in REST_ROUTES:       # the names faults and latency rules select by
            raise ValueError(f"{r.name} is not in mock_lykke.routes.REST_ROUTES")
        ROUTES.append(r)
        if any(seg.startswith("{") for seg in r.segments):
            _BY_SHAPE.setdefault((method, len(r.segments)), []).append(r)
        else:
            _LITERAL.setdefault((method, *(seg.lower() for seg in r.segments)), r)
        return fn
    return register


def _path_segments(raw_path: str) -> list[str]:
    if len(raw_path) > 1 and raw_path.endswith("/"):
        raw_path = raw_path[:-1]
    if "%" not in raw_path:
        return raw_path.split("/")[1:]
    return [unquote(s.replace("%2F", "%252F").replace("%2f", "%252f"))
            for s in raw_path.split("/")[1:]]


def _matches(r: Route, segments: list[str]) -> dict | None:
    if len(segments) != len(r.segments):
        return None
    params = {}
    for want, got in zip(r.segments, segments):
        if want.startswith("{"):
            if not got:
                return None
            params[want[1:-1]] = got
        elif want.lower() != got.lower():
            return None
    return params


def resolve(method: str, raw_path: str) -> tuple[Route | None, dict, bool]:
    """(route, path params, path known). Literal segments win over parameters."""
    segments = _path_segments(raw_path)
    literal = _LITERAL.get((method, *map(str.lower, segments)))
    if literal is not None:                 # all literal: nothing with a parameter beats it
        return literal, {}, True
    best = None
    for r in _BY_SHAPE.get((method, len(segments)), ()):
        p = _matches(r, segments)
        if p is not None:
            if best is None:
                best = (r, p)
            else:
                best = min(best, (r, p), key=_literals_first)
    if best is None:
        known = any(_matches(r, segments) is not None for r in ROUTES)
        return None, {}, known
    return best[0], best[1], True


def _literals_first(rp: tuple[Route, dict]) -> tuple[bool, ...]:
    return tuple(s.startswith("{") for s in rp[0].segments)


# --- per-request context ------------------------------------------------------------------
class Problem(Exception):
    """A model-binding failure: 400 problem details."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors


class Call:
    """What a handler sees: the engine, the caller, path params, bound body, query."""
    __slots__ = ("request", "mock", "ex", "account", "params", "body", "request_id", "errors")

    def __init__(self, request: web.Request, mock, account, params: dict):
        self.request = request
        self.mock = mock
        self.ex = mock.exchange
        self.account = account
        self.params = params
        self.body: dict | None = None
        self.request_id: str | None = None
        self.errors: list[tuple[str, str]] = []

    @property
    def quirks(self):
        return self.ex.quirks

    def _q(self, fn, *args):
        try:
            return fn(self.request.query, *args)
        except jb.BindError as e:
            self.errors.append((e.key, e.message))
            return None

    def q_string(self, name):
        return self._q(jb.q_string, name)

    def q_int(self, name, default, nullable=True):
        return self._q(jb.q_int, name, default, nullable)

    def q_double(self, name):
        return self._q(jb.q_double, name)

    def q_side(self, name):
        return self._q(jb.q_side, name)

    def bound(self) -> None:
        """End of model binding: 400 if any query value was bad."""
        if self.errors:
            raise Problem(self.errors)


# --- responses ----------------------------------------------------------------------------
def _response(status: int, text: str | None, content_type: str | None, **headers) -> web.Response:
    body = _utf8(text) if text is not None else None
    if not headers and content_type in _TYPED:
        return web.Response(status=status, body=body, headers=_TYPED[content_type].copy())
    if content_type:
        headers["Content-Type"] = content_type
    return web.Response(status=status, body=body, headers=headers)


# the usual headers, copied (cheaper than a new multidict from a dict)
_TYPED = {t: CIMultiDict({"Content-Type": t}) for t in (cj.JSON, cj.JSON_PLAIN, cj.PROBLEM)}


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:          # a lone surrogate from the request: .NET writes U+FFFD
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


def ok(payload) -> web.Response:
    return _response(200, cj.ok(payload), cj.JSON)


def bare(value) -> web.Response:
    return _response(200, cj.dumps(value), cj.JSON)


def api_error(code: int, message: str, field: str | None, quirks) -> web.Response:
    status, body = cj.error_body(code, message, field, quirks)
    return _response(status, body, cj.JSON_PLAIN)


def crash(quirks) -> web.Response:
    status, body = cj.crash_body(quirks)
    return _response(status, body, cj.JSON_PLAIN)


def empty(status: int, content_type: str | None = None, **headers) -> web.Response:
    return _response(status, None, content_type, **headers)


# --- handlers: public ---------------------------------------------------------------------
@route("GET", "/api/isalive")
def isalive(c: Call):
    return bare(cj.isalive(c.mock.version, c.mock.started_at, c.mock.host_name))


@route("GET", "/api/assets")
def assets(c: Call):
    return ok([cj.asset(a) for a in c.ex.reference.visible_assets()])


@route("GET", "/api/assets/{assetId}")
def asset(c: Call):
    return ok(cj.asset(c.ex.asset(c.params["assetId"])))


@route("GET", "/api/assetpairs")
def asset_pairs(c: Call):
    ref = c.ex.reference
    return ok([cj.asset_pair(p, ref.assets) for p in ref.visible_pairs()])


@route("GET", "/api/assetpairs/{assetPairId}")
def asset_pair(c: Call):
    return ok(cj.asset_pair(c.ex.asset_pair(c.params["assetPairId"]), c.ex.reference.assets))


@route("GET", "/api/orderbooks")
def orderbooks(c: Call):
    pair_id, depth = c.q_string("assetPairId"), c.q_int("depth", None)
    c.bound()
    if pair_id is None and c.quirks["rest-orderbooks-require-pair"]:
        raise ServerCrash("order books looked up with a null asset pair id")
    per_order = c.quirks["orderbook-per-order-entries"]
    books = c.ex.orderbooks(pair_id, (depth or 0) if per_order else 0)
    return ok([cj.orderbook(b, c.quirks, depth or 0) for b in books])


def _filter_ids(c: Call) -> list[str]:
    return [v if v.strip() else "" for v in jb.q_values(c.request.query, "assetPairIds") or []]


@route("GET", "/api/prices")
def prices(c: Call):
    return ok([cj.price(p) for p in c.ex.prices(_filter_ids(c))])


@route("GET", "/api/tickers")
def tickers(c: Call):
    return ok([cj.ticker(t, c.quirks) for t in c.ex.tickers(_filter_ids(c))])


@route("GET", "/api/trades/public/{assetPairId}")
def public_trades(c: Call):
    offset, take = c.q_int("offset", 0), c.q_int("take", 100)
    c.bound()
    trades = c.ex.public_trades(c.params["assetPairId"], 0 if offset is None else offset,
                                100 if take is None else take)
    return ok([cj.public_trade(t) for t in trades])


# --- handlers: private --------------------------------------------------------------------
@route("GET", "/api/balance", private=True)
def balance(c: Call):
    return ok([cj.balance(b, c.quirks) for b in c.ex.balances(c.account)])


def _orders(c: Call, active: bool):
    pair_id = c.q_string("assetPairId")
    offset, take = c.q_int("offset", 0), c.q_int("take", 100)
    c.bound()
    views = c.ex.orders(c.account, active, pair_id, 0 if offset is None else offset,
                        100 if take is None else take)
    return ok([cj.order(o) for o in views])


@route("GET", "/api/orders/active", private=True)
def active_orders(c: Call):
    return _orders(c, True)


@route("GET", "/api/orders/closed", private=True)
def closed_orders(c: Call):
    return _orders(c, False)


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _guid(text: str) -> str | None:
    """The canonical (lowercase) id of a .NET-parseable GUID (N, D, B, P forms), or None."""
    t = text.strip()
    if len(t) >= 2 and (t[0], t[-1]) in (("{", "}"), ("(", ")")):
        t = t[1:-1]
        if not _GUID.fullmatch(t):
            return None
    elif not (_GUID.fullmatch(t) or re.fullmatch(r"[0-9a-fA-F]{32}", t)):
        return None
    return str(uuid.UUID(t))


def _history_order_id(c: Call) -> str | None:
    """The order id as the history service sees it; a non-UUID id crashes it (quirk)."""
    guid = _guid(c.params["orderId"])
    if guid is None and c.quirks["rest-non-uuid-order-id-500"]:
        raise ServerCrash("history service: order id is not a UUID")
    return guid


@route("GET", "/api/orders/{orderId}", private=True)
def get_order(c: Call):
    guid = _history_order_id(c)
    view = c.ex.get_order(c.account, guid) if guid is not None else None
    if view is None:
        raise ApiError(Code.itemNotFound, "Order not found", c.params["orderId"])
    return ok(cj.order(view))


@route("POST", "/api/orders/limit", private=True, body=jb.LIMIT_ORDER)
def place_limit(c: Call):
    b = c.body
    order_id = c.ex.place_limit(c.account, b["AssetPairId"], _side(b["Side"]), b["Volume"],
                                b["Price"])
    return ok({"orderId": order_id})


@route("POST", "/api/orders/market", private=True, body=jb.MARKET_ORDER)
def place_market(c: Call):
    b = c.body
    order_id, avg = c.ex.place_market(c.account, b["AssetPairId"], _side(b["Side"]),
                                      b["Volume"])
    return ok(cj.market_order(order_id, avg))


def _side(name: str) -> str:
    return BUY if name == "Buy" else SELL


@route("POST", "/api/orders/bulk", private=True, body=jb.BULK_ORDER)
def place_bulk(c: Call):
    b = c.body
    orders = b["Orders"] or []
    if any(o is None for o in orders):
        if c.quirks["rest-bulk-null-item-500"]:
            raise ServerCrash("bulk order item is null")
        orders = [o for o in orders if o is not None]
    items = [BulkItem(_side(o["OrderAction"]), o["Volume"], o["Price"], o["OldId"])
             for o in orders]
    mode = b["CancelMode"]
    mode = mode[0].lower() + mode[1:] if mode else None
    result = c.ex.place_bulk(c.account, b["AssetPairId"], items, b["CancelPreviousOrders"], mode)
    return ok(cj.bulk_result(b["AssetPairId"], result, c.quirks))


@route("DELETE", "/api/orders", private=True)
def cancel_all(c: Call):
    pair_id, side = c.q_string("assetPairId"), c.q_side("side")
    c.bound()
    c.ex.cancel_all(c.account, pair_id, side)
    return ok(None)


@route("DELETE", "/api/orders/{orderId}", private=True)
def cancel_order(c: Call):
    c.ex.cancel_order(c.account, c.params["orderId"])
    return ok(None)


_MAX_MS = 315537897600000            # .NET DateTime.AddMilliseconds limit
_EPOCH_MS = 62135596800000           # 0001-01-01 .. 1970-01-01


def _dotnet_ms(value: float | None) -> int | None:
    """`DateTime.UnixEpoch.AddMilliseconds(value)` as epoch ms (rounded half away from zero);
    OverflowError where .NET throws (outside years 1..9999, NaN, infinities)."""
    if value is None:
        return None
    if not math.isfinite(value):
        raise OverflowError(value)
    ms = int(value + (0.5 if value >= 0 else -0.5))
    if not -_EPOCH_MS <= ms <= _MAX_MS - _EPOCH_MS - 1:
        raise OverflowError(value)
    return ms


@route("GET", "/api/trades", private=True)
def trades(c: Call):
    pair_id, side = c.q_string("assetPairId"), c.q_side("side")
    offset, take = c.q_int("offset", 0), c.q_int("take", 100)
    from_, to = c.q_double("from"), c.q_double("to")
    c.bound()
    offset, take = 0 if offset is None else offset, 100 if take is None else take
    try:
        from_ms, to_ms = _dotnet_ms(from_), _dotnet_ms(to)
    except OverflowError:
        c.ex.trades(c.account, pair_id, side, offset, take)      # validation comes first
        if c.quirks["rest-trades-time-out-of-range-500"]:
            raise ServerCrash("from/to out of the DateTime range") from None
        from_ms, to_ms = _clamp_ms(from_), _clamp_ms(to)
    found = c.ex.trades(c.account, pair_id, side, offset, take, from_ms, to_ms)
    return ok([cj.trade(t, c.quirks) for t in found])


def _clamp_ms(value: float | None) -> int | None:
    """Quirk off: an out-of-range bound is clamped to the DateTime range, NaN is no bound."""
    if value is None or value != value:
        return None
    return int(max(-_EPOCH_MS, min(_MAX_MS - _EPOCH_MS - 1, value)))


@route("GET", "/api/trades/order/{orderId}", private=True)
def order_trades(c: Call):
    guid = _history_order_id(c)
    found = c.ex.order_trades(c.account, guid) if guid is not None else []
    return ok([cj.trade(t, c.quirks) for t in found])


@route("GET", "/api/operations", private=True)
def operations(c: Call):
    offset, take = c.q_int("offset", 0, False), c.q_int("take", 100, False)
    c.bound()
    return ok([cj.operation(op) for op in c.ex.operations(c.account, offset, take)])


@route("POST", "/api/operations/deposits/addresses", private=True)
def create_deposit_addresses(c: Call):
    c.ex.create_deposit_addresses(c.account)
    return empty(200)


@route("GET", "/api/operations/deposits/addresses", private=True)
def deposit_addresses(c: Call):
    return bare([cj.deposit_address(d) for d in c.ex.deposit_addresses(c.account)])


@route("GET", "/api/operations/deposits/addresses/{assetId}", private=True)
def deposit_address(c: Call):
    found = c.ex.deposit_address(c.account, c.params["assetId"])
    return empty(204) if found is None else bare(cj.deposit_address(found))


@route("POST", "/api/operations/withdrawals", private=True, body=jb.WITHDRAWAL, request_id=True)
def create_withdrawal(c: Call):
    b = c.body
    op_id = c.ex.create_withdrawal(c.account, c.request_id, b["AssetId"], b["Volume"],
                                   b["DestinationAddress"], b["DestinationAddressExtension"])
    return bare(op_id)


# --- model binding ------------------------------------------------------------------------
_JSON_TYPES = re.compile(r"(application/json|text/json|application/[^/;\s]+\+json)")


async def _bind_body(c: Call, r: Route) -> web.Response | None:
    """Header and body binding of a POST route; a 415/400 response, or None when bound."""
    errors: list[tuple[str, str]] = []
    if r.request_id:
        c.request_id = c.request.headers.get("X-Request-ID", "")
        if dotnet_text(c.request_id) != c.request_id:
            return empty(400)           # bytes that are not UTF-8: Kestrel refuses the request
        if not c.request_id.strip():
            errors.append(("X-Request-ID", "The requestId field is required."))
    media = c.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not _JSON_TYPES.fullmatch(media):
        return _response(415, cj.problem_415(_next_trace(c.request)), cj.PROBLEM)
    try:
        raw = await read_body(c.request)
    except web.HTTPRequestEntityTooLarge:
        return empty(413)
    except BodyTimeout:
        return timed_out(empty(408))
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        errors.append(("", "A non-empty request body is required."))
        raise Problem(errors)
    values = jb.bind_plain(r.body, text)
    if values is None:
        binder = jb.Binder(text)
        values = binder.bind_root(r.body)
        if binder.errors:
            raise Problem(errors + binder.errors)
        if values is None:
            raise Problem(errors + [("", "A non-empty request body is required.")])
    errors += jb.required_errors(r.body, values)
    if errors:
        raise Problem(errors)
    c.body = values
    return None


def _next_trace(request: web.Request) -> int:
    counter = request.app[_COUNTER]
    counter[0] += 1
    return counter[0]


def _problem(request: web.Request, errors: list[tuple[str, str]]) -> web.Response:
    grouped: dict[str, list[str]] = {}
    for key, message in errors:
        grouped.setdefault(key, []).append(message)
    return _response(400, cj.problem_400(grouped, _next_trace(request)), cj.PROBLEM)


# --- the pipeline -------------------------------------------------------------------------
def _cors(response: web.StreamResponse, request: web.Request) -> web.StreamResponse:
    if request.headers.get("Origin") is not None:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _preflight(request: web.Request) -> web.Response:
    headers = {"Access-Control-Allow-Origin": "*",
               "Access-Control-Allow-Methods": request.headers["Access-Control-Request-Method"]}
    wanted = request.headers.get("Access-Control-Request-Headers")
    if wanted:
        headers["Access-Control-Allow-Headers"] = wanted
    return empty(204, **headers)


def _swagger(request: web.Request, raw_path: str) -> web.Response | None:
    """Swashbuckle's two pages (they run after routing found no endpoint)."""
    if request.method != "GET":
        return None
    path = raw_path.rstrip("/").lower() if raw_path != "/" else raw_path
    segments = raw_path.strip("/").split("/")
    if path == SWAGGER_JSON_PATH.lower() and segments[1] == "v2":   # document name is exact
        return _response(200, cj.dumps(openapi_document()), cj.JSON)
    if path.startswith(swagger_ui.PREFIX):
        index = path == SWAGGER_UI_PATH.lower()
        name = "index.html" if index else raw_path[len(swagger_ui.PREFIX):]
        found = swagger_ui.asset(name)
        if found is not None:
            return web.Response(status=200, body=found[0], headers={"Content-Type": found[1]})
    if path == "/swagger/ui":
        return empty(301, Location="index.html" if raw_path.endswith("/") else "ui/index.html")
    return None


async def _apply_fault(c: Call, action) -> web.Response | None:
    if action.delay_ms:
        await asyncio.sleep(action.delay_ms / 1000)       # an injected delay only
    if action.http_status:
        if action.http_status >= 500:
            _, body = cj.crash_body(c.quirks, action.message or "Runtime error")
            return _response(action.http_status, body, cj.JSON_PLAIN)
        return empty(action.http_status)
    if action.error_code is not None:
        code = Code(action.error_code)
        message = action.message or ME_MESSAGES.get(code) or cj.DEFAULT_MESSAGES.get(code, "")
        return api_error(code, message, None, c.quirks)
    return None


async def _dispatch(request: web.Request, mock) -> web.StreamResponse:
    raw_path = request.rel_url.raw_path
    if (request.method == "OPTIONS" and "Origin" in request.headers
            and "Access-Control-Request-Method" in request.headers):
        return _preflight(request)
    r, params, known = resolve(request.method, raw_path)
    ex = mock.exchange
    header = request.headers.get("Authorization")
    auth = authenticate(ex, header)
    if auth.problem == REVOKED:
        return empty(401, cj.JSON_PLAIN)
    if r is None:
        swagger = _swagger(request, raw_path)
        if swagger is not None:
            return swagger
        return empty(405 if known else 404)
    if r.private and auth.account is None:
        challenge = "Bearer" if bearer_token(header) is None else 'Bearer error="invalid_token"'
        return empty(401, **{"WWW-Authenticate": challenge})
    c = Call(request, mock, auth.account if r.private else None, params)
    call = begin_call(mock, "rest", r.name, c.account)
    response = await _answer(c, r, call)
    if call is not None:
        call.answered(response.status)
        await call.finish()
    return response


async def _answer(c: Call, r: Route, call) -> web.StreamResponse:
    """The route's response: faults, binding, then the handler (after the request leg)."""
    try:
        action = c.mock.faults.check(r.name)
        faulted = await _apply_fault(c, action) if action is not None else None
        if faulted is not None:
            if call is not None:
                call.note("fault")
            return faulted
        if r.body is not None:
            refused = await _bind_body(c, r)
            if refused is not None:
                return refused
        if call is None:
            return r.handler(c)
        return await call.run(lambda: r.handler(c))
    except Problem as p:
        return _problem(c.request, p.errors)
    except ApiError as e:
        if call is not None:
            call.note("rejected", int(e.code), e.message)
        return api_error(e.code, e.message, e.field, c.quirks)
    except ServerCrash:
        if call is not None:
            call.note("crash")
        return crash(c.quirks)
    except Exception:
        log.exception("REST %s %s failed", c.request.method, c.request.rel_url.raw_path)
        if call is not None:
            call.note("crash")
        return crash(c.quirks)


def create_app(mock, guard=None) -> web.Application:
    """The REST app. No middleware (aiohttp's middleware chain costs every request): paths
    under /api/ go to `answer_api`, any other path the control API does not take to `answer`;
    the control API's handlers are wrapped in the same pipeline as they are added. `guard`
    (api.control_guard.ControlGuard; default: loopback only, no token) checks every /_mock
    request first."""
    if guard is None:
        from .control_guard import ControlGuard
        guard = ControlGuard()

    async def pipeline(request: web.Request, handler) -> web.StreamResponse:
        clock = mock.exchange.clock
        path = request.rel_url.raw_path
        control = path == "/_mock" or path.startswith("/_mock/")
        # the control API does not start a lockstep clock held for the bot's first request
        tracked = not (control and not getattr(clock, "released", True))
        if control and is_ui_stream(path):
            tracked = False                 # the dashboard's stream is no participant
        if tracked:
            clock.enter()
        try:
            if control:
                refused = guard.refuse(request)
                if refused is not None:
                    return refused
                return await handler(request)          # the control API (aiohttp routes)
            return _cors(await _dispatch(request, mock), request)
        finally:
            if tracked:
                clock.leave()

    async def answer_api(request: web.Request) -> web.StreamResponse:
        clock = mock.exchange.clock                   # as pipeline, for a path under /api/
        clock.enter()
        try:
            return _cors(await _dispatch(request, mock), request)
        finally:
            clock.leave()

    async def answer(request: web.Request) -> web.StreamResponse:
        return await pipeline(request, _not_routed)

    app = web.Application(client_max_size=MAX_BODY)
    app[_COUNTER] = [0]
    from .control import add_control_routes
    add_control_routes(_PipelinedRoutes(app, pipeline), mock)
    app.router.add_route("*", r"/api/{tail:[\s\S]*}", answer_api)        # any char, newline too
    app.router.add_route("*", r"/{tail:[\s\S]*}", answer)
    return app


class _PipelinedRoutes:
    """The app as add_control_routes sees it: `router.add_route` adds a handler that runs
    inside the pipeline (the clock's work in flight; a path that only decodes to /_mock
    is the API's)."""

    def __init__(self, app: web.Application, pipeline):
        self.router = self
        self._app = app
        self._pipeline = pipeline

    def add_route(self, method: str, path: str, handler, **kwargs):
        pipeline = self._pipeline

        async def pipelined(request: web.Request) -> web.StreamResponse:
            return await pipeline(request, handler)
        return self._app.router.add_route(method, path, pipelined, **kwargs)


async def _not_routed(request: web.Request) -> web.StreamResponse:
    raise web.HTTPNotFound()            # what aiohttp answers for a path it has no route for
