"""The control API's route table and JSON answers, below control.py and control_sessions.py
(both add routes to it; control.py serves them)."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Callable, NamedTuple

from aiohttp import web


def _dumps(obj) -> str:
    text = json.dumps(obj, default=_plain, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:      # a lone surrogate: \uXXXX escapes, never a 500
            return json.dumps(obj, default=_plain)
    return text


def _plain(v) -> str:
    return str(v) if isinstance(v, Decimal) else repr(v)


def _json(data, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _error(message: str, status: int = 400, code: int | None = None) -> web.Response:
    body = {"error": message}
    if code is not None:
        body["code"] = code
    return _json(body, status)


NO_BODY, OBJECT, ANY = None, "object", "any"        # what a route reads from the body


class Route(NamedTuple):
    method: str
    segments: tuple[str, ...]       # "{name}" is a path value
    body: str | None
    run: Callable                   # run(controller, path values, body, query) -> JSON data
    raw: bool = False               # raw: await run(request, mock, path values, body) -> Response


ROUTES: list[Route] = []


def route(method: str, path: str, body: str | None = NO_BODY, raw: bool = False):
    def add(fn):
        ROUTES.append(Route(method, tuple(path[1:].split("/")), body, fn, raw))
        return fn
    return add
