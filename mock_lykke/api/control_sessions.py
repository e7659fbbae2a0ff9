"""The /_mock/sessions routes: thin wrappers over sessions.SessionManager (docs/sessions.md).

The manager is the serving mock's `extras["sessions"]` (set by `mock-lykke serve`); on any
other server (the pytest fixture, a session itself) these routes answer 404. Addresses in
answers use the host name the client reached this server by (its Host header), so they work
from another container and through published ports.
"""
from __future__ import annotations

from aiohttp import web

from ..sessions import SessionError
from .control_table import ANY, _error, _json, route


def _manager(mock):
    manager = mock.extras.get("sessions")
    if manager is None:
        raise SessionError("sessions are not served here (only `mock-lykke serve` has them, "
                           "and not inside a session)", 404)
    return manager


def _host(request: web.Request) -> str:
    host = request.url.host or "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _refused(e: SessionError) -> web.Response:
    if not e.details:
        return _error(e.message, e.status)
    return _json({"error": e.message, **e.details}, e.status)


def _describe(request, manager, session) -> dict:
    return session.describe(_host(request), manager.scheme)


@route("POST", "/sessions", ANY, raw=True)
async def create(request, mock, p, body):
    try:
        manager = _manager(mock)
        if body is not None and not isinstance(body, dict):
            raise SessionError("the body must be a JSON object")
        session = await manager.create(body)
    except SessionError as e:
        return _refused(e)
    return _json(_describe(request, manager, session), 201)


@route("GET", "/sessions", raw=True)
async def listing(request, mock, p, body):
    try:
        manager = _manager(mock)
    except SessionError as e:
        return _refused(e)
    return _json({"sessions": [_describe(request, manager, s)
                               for s in manager.sessions.values()]})


@route("GET", "/sessions/{id}", raw=True)
async def one(request, mock, p, body):
    try:
        manager = _manager(mock)
        return _json(_describe(request, manager, manager.get(p["id"])))
    except SessionError as e:
        return _refused(e)


@route("DELETE", "/sessions/{id}", raw=True)
async def delete(request, mock, p, body):
    try:
        await _manager(mock).delete(p["id"])
    except SessionError as e:
        return _refused(e)
    return web.Response(status=204)
