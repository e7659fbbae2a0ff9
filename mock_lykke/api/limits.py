"""The REST port's connection limits (docs/rest.md, "Limits and timeouts").

aiohttp closes a connection whose next request has not fully arrived `idle` seconds after
it opened or after its last answer (idle keep-alive connections and half-sent headers
alike). A request body must arrive in full within `body` seconds, else 408 and the
connection closes; a body left unread by an early answer is read and dropped for at most
`linger` seconds. Defaults follow Kestrel's (the real server's) keep-alive timeout.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True)
class RestLimits:
    idle: float = 130.0                # Kestrel's KeepAliveTimeout
    body: float = 30.0
    linger: float = 5.0


LIMITS = web.AppKey("rest_limits", RestLimits)


class BodyTimeout(Exception):
    """The request's body did not arrive in time (answer 408, close the connection)."""


async def read_body(request: web.Request) -> bytes:
    """The whole body, within the app's body timeout (RestLimits.body)."""
    limits = request.app.get(LIMITS)
    if limits is None or request.content.is_eof():     # the usual case: it is all here
        return await request.read()
    try:
        async with asyncio.timeout(limits.body):
            return await request.read()
    except TimeoutError:
        raise BodyTimeout() from None


def timed_out(response: web.Response) -> web.Response:
    """`response` (a 408) with the connection closed after it."""
    response.force_close()
    return response
