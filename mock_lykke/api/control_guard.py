"""Who may drive the control API (/_mock): the Host, Origin, media type and token checks.

A browser tab must not be able to use it: a cross-origin write is refused (its `Origin` is
not the mock's own), a write's body must be `application/json` (which a page of another
origin cannot send without a CORS preflight, and /_mock answers none), and a `Host` that is
not an address the mock serves is refused (DNS rebinding). With a token, every /_mock
request must carry it. Only /_mock is guarded: the Lykke API answers as the real server.
docs/control-api.md ("Security") is the user's view.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import socket
from typing import Iterable

from aiohttp import web
from yarl import URL

ANY_HOST = "*"
WILDCARD_HOSTS = ("", "0.0.0.0", "::")
LOOPBACK_NAMES = frozenset({"localhost"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(value: str) -> str:
    """The name part of a Host header or a host argument: no port, no brackets, lower case,
    no trailing dot ("[::1]:5000" -> "::1", "Example.COM.:80" -> "example.com")."""
    value = value.strip().lower()
    if value.startswith("["):
        value = value[1:value.find("]")] if "]" in value else value[1:]
    elif value.count(":") == 1:
        value = value.split(":")[0]
    return value.rstrip(".")


def _ip(name: str):
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    name = host_name(host)
    ip = _ip(name)
    return name in LOOPBACK_NAMES or (ip is not None and ip.is_loopback)


def _same_ip(a, b) -> bool:
    a = getattr(a, "ipv4_mapped", None) or a
    b = getattr(b, "ipv4_mapped", None) or b
    return a == b


def _refusal(status: int, message: str) -> web.Response:
    response = web.Response(status=status, text=json.dumps({"error": message}),
                            content_type="application/json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mock-lykke control API"'
    return response


class ControlGuard:
    """The checks for one server: `host` is the address it binds; `allow_hosts` are more
    Host names to accept ("*": any Host); `token`, if set, must come with every request as
    `Authorization: Bearer <token>` (or `?token=`)."""

    def __init__(self, host: str = "127.0.0.1", allow_hosts: Iterable[str] = (),
                 token: str | None = None):
        allow = [h.strip() for h in allow_hosts if h.strip()]
        self.any_host = ANY_HOST in allow
        self.allowed = frozenset(host_name(h) for h in allow if h != ANY_HOST)
        names = set(LOOPBACK_NAMES) | self.allowed
        bound = host_name(host)
        if bound in WILDCARD_HOSTS:             # every interface: the machine's own name too
            machine = socket.gethostname().lower()
            names |= {machine, machine.split(".")[0]}
        else:
            names.add(bound)
        self.names = frozenset(names)
        self.token = token or None

    def refuse(self, request: web.Request) -> web.Response | None:
        """None if the request may go on, else the answer that refuses it."""
        host = request.headers.get("Host")
        if host is not None and not self.any_host and not self._served(host, request):
            return _refusal(403, f"the control API refuses Host {host!r}: not an address "
                                 "this mock serves (start it with --allow-host NAME to allow "
                                 "a name, or --allow-host '*' for any)")
        if request.method not in _SAFE_METHODS:
            origin = request.headers.get("Origin")
            if origin is not None and not self._same_origin(origin, host, request):
                return _refusal(403, f"the control API refuses a cross-origin write (Origin "
                                     f"{origin}); a page may only use it from the mock's own "
                                     "origin")
            if request.body_exists and request.content_type != "application/json":
                return _refusal(415, "the control API takes JSON bodies: send "
                                     "Content-Type: application/json")
        if self.token is not None:
            given = _token(request)
            if given is None:
                return _refusal(401, "the control API needs its token: send "
                                     "'Authorization: Bearer <token>' (--control-token)")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return _refusal(403, "the control API token is wrong")
        return None

    def _served(self, host: str, request: web.Request) -> bool:
        name = host_name(host)
        if name in self.names:
            return True
        ip = _ip(name)
        if ip is None:
            return False
        if ip.is_loopback:
            return True
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        local = _ip(sockname[0].split("%")[0]) if sockname else None
        return local is not None and _same_ip(ip, local)    # the address it was reached on

    def _same_origin(self, origin: str, host: str | None, request: web.Request) -> bool:
        try:
            url = URL(origin)
            name = host_name(url.raw_host or "")
        except ValueError:
            return False
        if not url.scheme or not name:
            return False                        # "null" and the like
        if name in self.allowed:
            return True
        if host is None:
            return False
        own = URL.build(scheme=request.scheme, authority=host.strip())
        return (url.scheme, name, url.port) == (own.scheme, host_name(host), own.port)


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("token") or None
