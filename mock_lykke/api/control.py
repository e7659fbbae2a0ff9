"""The control API under /_mock: thin aiohttp wrappers over scenario.Controller.

JSON in and out; decimals may be sent as strings or numbers and come back as strings. Errors
are `{"error": "..."}` with 400 (bad request) or 404 (unknown account, order, fault, route),
plus `"code"` when the engine rejected a command. docs/control-api.md lists every route.
"""
from __future__ import annotations

import json
from decimal import Decimal

from aiohttp import web

from ..engine.errors import Code
from ..scenario.controller import Controller, ControlError

PREFIX = "/_mock"


def _dumps(obj) -> str:
    return json.dumps(obj, default=lambda v: str(v) if isinstance(v, Decimal) else repr(v),
                      ensure_ascii=False)


def _json(data, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _error(message: str, status: int = 400, code: int | None = None) -> web.Response:
    body = {"error": message}
    if code is not None:
        body["code"] = code
    return _json(body, status)


async def _body(request: web.Request) -> dict:
    text = await request.text()
    if not text.strip():
        return {}
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise ControlError(f"the body is not JSON: {e.msg}") from None
    return data


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
        raise ControlError(f"{name} must be an integer") from None


def bulk_json(result) -> dict:
    return {"assetPairId": result.pair_id, "error": Code(result.code).name,
            "statuses": [{"id": s.id, "error": Code(s.code).name, "volume": repr(s.volume),
                          "price": repr(s.price)} for s in result.statuses]}


def add_control_routes(app: web.Application, mock) -> None:
    """Add the /_mock/... routes to the REST application."""

    def ctl() -> Controller:
        return mock.controller or Controller(mock)

    def route(method: str, path: str):
        def wrap(fn):
            async def handler(request: web.Request) -> web.Response:
                try:
                    return _json(await fn(request, ctl()))
                except ControlError as e:
                    return _error(e.message, e.status, e.code)
            app.router.add_route(method, PREFIX + path, handler)
            return fn
        return wrap

    @route("GET", "/health")
    async def health(request, c):
        return c.health()

    @route("GET", "/time")
    async def time(request, c):
        return c.time()

    @route("POST", "/advance")
    async def advance(request, c):
        body = _object(await _body(request))
        if "to" in body:
            return c.advance(to=body["to"])
        return c.advance(ms=body.get("ms", body.get("by", 0)))

    @route("POST", "/reset")
    async def reset(request, c):
        return c.reset()

    @route("GET", "/scenario")
    async def scenario(request, c):
        if c.scenario is None:
            raise ControlError("no scenario", 404)
        return {"name": c.scenario.name, "seed": c.seed, "clockMode": c.clock_mode,
                "data": c.scenario.to_json()}

    # --- accounts ---------------------------------------------------------------------
    @route("GET", "/accounts")
    async def accounts(request, c):
        return c.accounts()

    @route("GET", "/accounts/{name}")
    async def account(request, c):
        return c.describe_account(c.account(request.match_info["name"]))

    @route("PATCH", "/accounts/{name}")
    async def account_flags(request, c):
        return c.set_account(request.match_info["name"], _object(await _body(request)))

    @route("PUT", "/accounts/{name}/balances/{assetId}")
    async def set_balance(request, c):
        (amount,) = _need(_object(await _body(request)), "amount")
        name = request.match_info["name"]
        c.set_balance(name, request.match_info["assetId"], amount)
        return c.describe_account(c.account(name))

    @route("POST", "/accounts/{name}/deposits")
    async def deposit(request, c):
        asset_id, amount = _need(_object(await _body(request)), "assetId", "amount")
        return {"operationId": c.deposit(request.match_info["name"], asset_id, amount)}

    # --- orders -----------------------------------------------------------------------
    @route("POST", "/orders/limit")
    async def limit(request, c):
        body = _object(await _body(request))
        account, pair, side, volume, price = _need(body, "account", "assetPairId", "side",
                                                   "volume", "price")
        return {"orderId": c.place_limit(account, pair, side, volume, price)}

    @route("POST", "/orders/market")
    async def market_order(request, c):
        body = _object(await _body(request))
        account, pair, side, volume = _need(body, "account", "assetPairId", "side", "volume")
        order_id, price = c.place_market(account, pair, side, volume)
        return {"orderId": order_id, "price": repr(price)}

    @route("POST", "/orders/bulk")
    async def bulk(request, c):
        body = _object(await _body(request))
        account, pair = _need(body, "account", "assetPairId")
        return bulk_json(c.place_bulk(account, pair, body.get("orders") or [],
                                      body.get("cancelPreviousOrders", False),
                                      body.get("cancelMode")))

    @route("DELETE", "/orders/{orderId}")
    async def cancel(request, c):
        c.cancel_order(request.match_info["orderId"], request.query.get("account"))
        return {"cancelled": 1}

    @route("DELETE", "/orders")
    async def cancel_all(request, c):
        q = request.query
        if not q.get("account"):
            raise ControlError("missing account")
        return {"cancelled": c.cancel_all(q["account"], q.get("assetPairId"), q.get("side"))}

    # --- faults -----------------------------------------------------------------------
    @route("GET", "/faults")
    async def faults(request, c):
        return c.faults_list()

    @route("POST", "/faults")
    async def add_faults(request, c):
        body = await _body(request)
        specs = body if isinstance(body, list) else [body]
        for spec in specs:           # all or nothing: check each before adding any
            c.check_fault(spec)
        return [c.add_fault(spec) for spec in specs]

    @route("DELETE", "/faults")
    async def clear_faults(request, c):
        c.clear_faults()
        return []

    @route("DELETE", "/faults/{id}")
    async def remove_fault(request, c):
        c.remove_fault(_int(request.match_info["id"], "fault id"))
        return c.faults_list()

    # --- latency ----------------------------------------------------------------------
    @route("GET", "/latency")
    async def latency(request, c):
        return c.latency()

    @route("PUT", "/latency")
    async def set_latency(request, c):
        body = await _body(request)
        return c.set_latency(body.get("rules") if isinstance(body, dict) and "rules" in body
                             else body)

    @route("DELETE", "/latency")
    async def clear_latency(request, c):
        return c.clear_latency()

    # --- quirks -----------------------------------------------------------------------
    @route("GET", "/quirks")
    async def quirks(request, c):
        return c.quirks()

    @route("PATCH", "/quirks")
    async def set_quirks(request, c):
        return c.set_quirks(_object(await _body(request)))

    # --- market participants ------------------------------------------------------------
    @route("GET", "/market")
    async def market(request, c):
        return c.market()

    @route("POST", "/market/{assetPairId}/mid")
    async def set_mid(request, c):
        (mid,) = _need(_object(await _body(request)), "mid")
        return c.set_mid(request.match_info["assetPairId"], mid)

    # --- records ----------------------------------------------------------------------
    @route("GET", "/journal")
    async def journal(request, c):
        q = request.query
        return c.journal_entries(_int(q.get("since", 0), "since"),
                                 _int(q.get("limit", 1000), "limit"))

    @route("GET", "/state")
    async def state(request, c):
        return c.snapshot()

    async def not_found(request: web.Request) -> web.Response:
        return _error(f"no control route {request.method} {request.path}", 404)

    app.router.add_route("*", PREFIX + "/{tail:.*}", not_found)
