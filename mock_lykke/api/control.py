"""The control API under /_mock: thin aiohttp wrappers over scenario.Controller.

JSON in and out; decimals may be sent as strings or numbers and come back as strings. Errors
are `{"error": "..."}` with 400 (bad request) or 404 (unknown account, order, fault, route),
plus `"code"` when the engine rejected a command. docs/control-api.md lists every route.

The routes are a table (`ROUTES`, built once at import); the application gets one aiohttp
route, `/_mock/{tail:.*}`, that finds the entry and runs it.
"""
from __future__ import annotations

import json
from decimal import Decimal

from aiohttp import web

from ..engine.errors import Code
from ..scenario.controller import Controller, ControlError, shown
from .control_table import ANY, NO_BODY, OBJECT, ROUTES, Route, _error, _json, route  # noqa: F401
from .json_reader import dotnet_text
from .limits import BodyTimeout, read_body, timed_out

PREFIX = "/_mock"


MAX_DEPTH = 32          # a body nested deeper is refused


async def _body(request: web.Request):
    raw = await read_body(request)
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return {}
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=_integer)
    except json.JSONDecodeError as e:
        raise ControlError(f"the body is not JSON: {e.msg}") from None
    except RecursionError:
        raise ControlError(f"the body is nested too deeply (at most {MAX_DEPTH} levels)") \
            from None
    return _clean(data)


def _integer(text: str):
    """A JSON integer; one of more than 40 digits (no count, time or amount has that many;
    int() refuses over 4 300) is kept as a Decimal, for the field's own check to refuse."""
    return int(text) if len(text) <= 40 else Decimal(text)


def _clean(data):
    """The body with each lone UTF-16 surrogate (from a `\\ud800` escape) written as U+FFFD,
    as the REST front reads it; refused if nested deeper than MAX_DEPTH."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ControlError(f"the body is nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(node, dict):
            items = list(node.items())
            node.clear()
            for key, value in items:
                node[dotnet_text(key)] = dotnet_text(value) if isinstance(value, str) else value
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = dotnet_text(value)
                stack.append((value, depth + 1))
    return dotnet_text(data) if isinstance(data, str) else data


def _object(data) -> dict:
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def _need(body: dict, *keys: str) -> list:
    missing = [k for k in keys if body.get(k) in (None, "")]
    if missing:
        raise ControlError(f"missing {', '.join(missing)}")
    return [body[k] for k in keys]


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f"{name} must be an integer, got {shown(value)}") from None


def bulk_json(result) -> dict:
    return {"assetPairId": result.pair_id, "error": Code(result.code).name,
            "statuses": [{"id": s.id, "error": Code(s.code).name, "volume": repr(s.volume),
                          "price": repr(s.price)} for s in result.statuses]}


# --- the table (control_table.py; control_sessions.py adds to it too) ------------------
def _value(segment: str) -> str | None:
    """A path value as aiohttp gives it (`[^{}/]+`, then %2F and %25 decoded), or None."""
    if not segment or "{" in segment or "}" in segment:
        return None
    return segment.replace("%2F", "/").replace("%25", "%") if "%" in segment else segment


def find(method: str, tail: str) -> tuple[Route, dict] | None:
    """The route for a method and the path after /_mock/ (aiohttp's path_safe form)."""
    parts = tail.split("/")
    for r in ROUTES:
        if r.method != method or len(r.segments) != len(parts):
            continue
        values = {}
        for want, got in zip(r.segments, parts):
            if want[0] == "{":
                value = _value(got)
                if value is None:
                    break
                values[want[1:-1]] = value
            elif want != got:
                break
        else:
            return r, values
    return None


def add_control_routes(app: web.Application, mock) -> None:
    """Add the /_mock/... routes to the REST application."""
    start = len(PREFIX) + 1

    async def handler(request: web.Request) -> web.Response:
        found = find(request.method, request.rel_url.path_safe[start:])
        if found is None:
            return _error(f"no control route {request.method} {request.path}", 404)
        r, values = found
        try:
            c = mock.controller or Controller(mock)
            body = None
            if r.body is not None:
                body = await _body(request)
                if r.body == OBJECT:
                    body = _object(body)
            if r.raw:
                return await r.run(request, mock, values, body)
            return _json(r.run(c, values, body, request.query))
        except ControlError as e:
            return _error(e.message, e.status, e.code)
        except BodyTimeout:
            return timed_out(_error("the request body did not arrive in time", 408))

    from .ui import add_ui_routes
    add_ui_routes(app, mock)                # the dashboard (/_mock/ui), before the catch-all
    app.router.add_route("*", PREFIX + "/{tail:.*}", handler)


# --- the routes -----------------------------------------------------------------------------
# each is run(controller, path values, body, query); docs/control-api.md describes them
@route("GET", "/health")
def health(c, p, body, q):
    return c.health()


@route("GET", "/time")
def time(c, p, body, q):
    return c.time()


@route("POST", "/advance", OBJECT)
def advance(c, p, body, q):
    if "to" in body:
        return c.advance(to=body["to"])
    return c.advance(ms=body.get("ms", body.get("by", 0)))


@route("POST", "/clock/pause")
def pause(c, p, body, q):
    return c.pause()


@route("POST", "/clock/resume")
def resume(c, p, body, q):
    return c.resume()


@route("PUT", "/clock/speed", OBJECT)
def speed(c, p, body, q):
    (value,) = _need(body, "speed")
    return c.set_speed(value)


@route("POST", "/reset")
def reset(c, p, body, q):
    return c.reset()


@route("GET", "/scenario")
def scenario(c, p, body, q):
    if c.scenario is None:
        raise ControlError("no scenario", 404)
    return {"name": c.scenario.name, "seed": c.seed, "clockMode": c.clock_mode,
            "data": c.scenario.to_json()}


# --- accounts -------------------------------------------------------------------------------
@route("GET", "/accounts")
def accounts(c, p, body, q):
    return c.accounts()


@route("GET", "/accounts/{name}")
def account(c, p, body, q):
    return c.describe_account(c.account(p["name"]))


@route("PATCH", "/accounts/{name}", OBJECT)
def account_flags(c, p, body, q):
    return c.set_account(p["name"], body)


@route("PUT", "/accounts/{name}/balances/{assetId}", OBJECT)
def set_balance(c, p, body, q):
    (amount,) = _need(body, "amount")
    c.set_balance(p["name"], p["assetId"], amount)
    return c.describe_account(c.account(p["name"]))


@route("POST", "/accounts/{name}/deposits", OBJECT)
def deposit(c, p, body, q):
    asset_id, amount = _need(body, "assetId", "amount")
    return {"operationId": c.deposit(p["name"], asset_id, amount)}


# --- orders ---------------------------------------------------------------------------------
@route("POST", "/orders/limit", OBJECT)
def limit(c, p, body, q):
    account, pair, side, volume, price = _need(body, "account", "assetPairId", "side",
                                               "volume", "price")
    return {"orderId": c.place_limit(account, pair, side, volume, price)}


@route("POST", "/orders/market", OBJECT)
def market_order(c, p, body, q):
    account, pair, side, volume = _need(body, "account", "assetPairId", "side", "volume")
    order_id, price = c.place_market(account, pair, side, volume)
    return {"orderId": order_id, "price": repr(price)}


@route("POST", "/orders/bulk", OBJECT)
def bulk(c, p, body, q):
    account, pair = _need(body, "account", "assetPairId")
    return bulk_json(c.place_bulk(account, pair, body.get("orders") or [],
                                  body.get("cancelPreviousOrders", False),
                                  body.get("cancelMode")))


@route("DELETE", "/orders/{orderId}")
def cancel(c, p, body, q):
    c.cancel_order(p["orderId"], q.get("account"))
    return {"cancelled": 1}


@route("DELETE", "/orders")
def cancel_all(c, p, body, q):
    if not q.get("account"):
        raise ControlError("missing account")
    return {"cancelled": c.cancel_all(q["account"], q.get("assetPairId"), q.get("side"))}


# --- faults ---------------------------------------------------------------------------------
@route("GET", "/faults")
def faults(c, p, body, q):
    return c.faults_list()


@route("POST", "/faults", ANY)
def add_faults(c, p, body, q):
    specs = body if isinstance(body, list) else [body]
    for spec in specs:               # all or nothing: check each before adding any
        c.check_fault(spec)
    return [c.add_fault(spec) for spec in specs]


@route("DELETE", "/faults")
def clear_faults(c, p, body, q):
    c.clear_faults()
    return []


@route("DELETE", "/faults/{id}")
def remove_fault(c, p, body, q):
    c.remove_fault(_int(p["id"], "fault id"))
    return c.faults_list()


# --- latency --------------------------------------------------------------------------------
@route("GET", "/latency")
def latency(c, p, body, q):
    return c.latency()


@route("PUT", "/latency", ANY)
def set_latency(c, p, body, q):
    return c.set_latency(body.get("rules") if isinstance(body, dict) and "rules" in body
                         else body)


@route("DELETE", "/latency")
def clear_latency(c, p, body, q):
    return c.clear_latency()


# --- quirks ---------------------------------------------------------------------------------
@route("GET", "/quirks")
def quirks(c, p, body, q):
    return c.quirks()


@route("PATCH", "/quirks", OBJECT)
def set_quirks(c, p, body, q):
    return c.set_quirks(body)


# --- market participants --------------------------------------------------------------------
@route("GET", "/market")
def market(c, p, body, q):
    return c.market()


@route("POST", "/market/{assetPairId}/mid", OBJECT)
def set_mid(c, p, body, q):
    (mid,) = _need(body, "mid")
    return c.set_mid(p["assetPairId"], mid)


# --- records --------------------------------------------------------------------------------
@route("GET", "/journal")
def journal(c, p, body, q):
    return c.journal_entries(_int(q.get("since", 0), "since"),
                             _int(q.get("limit", 1000), "limit"))


@route("GET", "/state")
def state(c, p, body, q):
    return c.snapshot()


from . import control_sessions  # noqa: E402,F401  (adds the /sessions routes to the table)
