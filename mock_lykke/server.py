"""One object that runs the mock: gRPC (grpc.aio) and REST (aiohttp) on the running loop.

    async with MockServer(mock) as server:
        channel = grpc.aio.insecure_channel(server.grpc_target)
        ...

Ports 0 (the default) pick free ephemeral ports; the bound ones are `grpc_port` and
`rest_port`. With a realtime exchange clock the server also runs the clock's timers (unless
the scenario controller's own driver does).

With `tls=make_tls(...)` (mock_lykke.tls) the gRPC port serves TLS (ALPN h2) and the REST
port HTTPS (`rest_url` is then https://...); clients trust `tls.ca_file`.

`stop()` runs the mock's on_stop hooks (the clock's timers stop), closes the fronts (calls in
flight get `grace` seconds to finish), then runs its on_closed hooks (the journal closes): a
call answered during the stop is in the journal.

The control API (/_mock) answers only requests whose Host is an address the server serves
(or one of `allow_hosts`; "*" = any), refuses cross-origin writes, and with `control_token`
needs the token (api/control_guard.py). `rest_limits` are the REST port's timeouts
(api/limits.py). A port that cannot be bound is an OSError that names the front and the
address, raised before grpc's C core tries (and logs) it.

Every gRPC method is registered with grpc before the start: its faster path per call (~5 %
less server CPU), at ~30 us per method to start and stop. `quick_start=True` (the pytest
fixture) registers none: each method's handler is made on its first call.

`on_call` (sessions' idle time-to-live) is called at the start of every gRPC call and HTTP
request; without it the server adds nothing to a call.
"""
from __future__ import annotations

import errno
import logging
import socket

import grpc
from aiohttp import web
from grpc_health.v1 import health, health_pb2
from grpc_reflection.v1alpha import reflection

from .api.grpc_monitoring import HEALTH, MonitoringFront, Servicer, reflection_servicer
from .api.grpc_private import PrivateFront
from .api.grpc_public import PublicFront, Services
from .api.control_guard import WILDCARD_HOSTS, ControlGuard
from .api.limits import LIMITS, RestLimits
from .api.streams import DEFAULT_QUEUE_LIMIT, StreamHub
from .scenario.driver import ClockDriver
from .state import Mock
from .tls import TlsMaterial

log = logging.getLogger(__name__)

GRPC_OPTIONS = [("grpc.so_reuseport", 0)]      # a busy port is an error, not shared
FRONTS = (PublicFront, PrivateFront, MonitoringFront)
SERVICE_NAMES = [f.descriptor.full_name for f in FRONTS]


class MockServer:
    def __init__(self, mock: Mock, host: str = "127.0.0.1", grpc_port: int = 0,
                 rest_port: int = 0, tls: TlsMaterial | None = None, quick_start: bool = False,
                 allow_hosts: tuple[str, ...] = (), control_token: str | None = None,
                 rest_limits: RestLimits | None = None, on_call=None):
        for name, port in (("grpc_port", grpc_port), ("rest_port", rest_port)):
            if not 0 <= port <= 65535:
                raise ValueError(f"{name} must be 0..65535, got {port}")
        self.mock = mock
        self.on_call = on_call
        self.guard = ControlGuard(host, allow_hosts, control_token)
        self.rest_limits = rest_limits or RestLimits()
        self.tls = tls
        self.quick_start = quick_start
        self.host = host
        self.grpc_port = grpc_port
        self.rest_port = rest_port
        self.streams: StreamHub | None = None
        self._grpc: grpc.aio.Server | None = None
        self._health = None
        self._runner: web.AppRunner | None = None
        self._driver: ClockDriver | None = None

    @property
    def _connect_host(self) -> str:
        return "127.0.0.1" if self.host in WILDCARD_HOSTS else self.host

    @property
    def grpc_target(self) -> str:
        return address(self._connect_host, self.grpc_port)

    @property
    def rest_url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{address(self._connect_host, self.rest_port)}"

    @property
    def bound(self) -> dict[str, str]:
        """The addresses as bound ({"grpc": "0.0.0.0:5001", "rest": "0.0.0.0:5000"})."""
        host = self.host or "0.0.0.0"
        return {"grpc": address(host, self.grpc_port), "rest": address(host, self.rest_port)}

    async def __aenter__(self) -> "MockServer":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # --- start / stop ---------------------------------------------------------------------
    async def start(self) -> None:
        if self._grpc is not None:
            raise RuntimeError("the server is already started")
        mock = self.mock
        if not mock.started_at:
            mock.started_at = mock.exchange.clock.now()
        self.streams = StreamHub(mock, mock.extras.get("stream_queue_limit", DEFAULT_QUEUE_LIMIT))
        mock.on_reset.append(self._on_reset)
        try:
            await self._start_grpc()
            await self._start_rest()
            for hook in mock.on_start:
                await hook()
            self._start_clock()
            # the whole server is SERVING only now, with its scenario loaded (mock-lykke health)
            await self._health.set("", health_pb2.HealthCheckResponse.SERVING)
        except BaseException:
            await self._shutdown(0)
            raise

    async def stop(self, grace: float = 1.0) -> None:
        if self._grpc is None and self._runner is None:
            return
        for hook in self.mock.on_stop:
            try:
                await hook()
            except Exception:
                log.exception("on_stop hook failed")
        await self._shutdown(grace)
        for hook in self.mock.on_closed:        # the fronts are closed: no more answers
            try:
                await hook()
            except Exception:
                log.exception("on_closed hook failed")

    async def _shutdown(self, grace: float) -> None:
        if self.streams is not None:
            self.streams.close()                # open streams end with status OK
        if self._health is not None:
            await self._health.enter_graceful_shutdown()
            self._health = None
        if self._grpc is not None:
            await self._grpc.stop(grace)
            self._grpc = None
            if self.streams is not None:        # (their calls' ends, before the loop may close)
                await self.streams.settle(grace + 1)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._stop_clock()
        if self._on_reset in self.mock.on_reset:
            self.mock.on_reset.remove(self._on_reset)

    async def _start_grpc(self) -> None:
        server = grpc.aio.server(options=GRPC_OPTIONS, interceptors=None if self.on_call is None
                                 else [_OnCall(self.on_call)])
        self._grpc = server
        fronts = [front(self.mock, self.streams) for front in FRONTS]
        self._health = health.aio.HealthServicer()
        services = {f.descriptor.full_name: f for f in fronts}
        services[health.SERVICE_NAME] = Servicer(self._health, HEALTH)
        services[reflection.SERVICE_NAME] = reflection_servicer(SERVICE_NAMES)
        server.add_generic_rpc_handlers((Services(services),))
        if not self.quick_start:
            for f in fronts:
                server.add_registered_method_handlers(
                    f.descriptor.full_name, {name: f.handler(name) for name in f.classes()})
        await self._health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)  # until start ends
        for name in SERVICE_NAMES:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        target = address(self.host, self.grpc_port)
        check_free("gRPC", self.host, self.grpc_port)
        try:
            if self.tls is None:
                port = server.add_insecure_port(target)
            else:
                port = server.add_secure_port(target, self.tls.server_credentials())
        except RuntimeError as e:           # grpc's way of saying the address is taken
            raise OSError(f"cannot bind gRPC to {target}: {e}") from None
        if not port:
            raise OSError(f"cannot bind gRPC to {target}")
        self.grpc_port = port
        await server.start()

    async def _start_rest(self) -> None:
        from .api.rest import create_app

        app = create_app(self.mock, self.guard)
        limits = app[LIMITS] = self.rest_limits
        # in-flight requests get at most a second at stop (aiohttp's default is 60 s)
        if self.on_call is not None:
            app.middlewares.append(_on_call_middleware(self.on_call))
        runner = web.AppRunner(app, shutdown_timeout=1.0, keepalive_timeout=limits.idle,
                               lingering_time=limits.linger)
        await runner.setup()
        self._runner = runner
        ssl_context = self.tls.server_ssl_context() if self.tls is not None else None
        site = web.TCPSite(runner, self.host, self.rest_port, ssl_context=ssl_context)
        try:
            await site.start()
        except OSError as e:
            raise OSError(f"cannot bind REST to {address(self.host, self.rest_port)}: "
                          f"{_reason(e)}") from None
        self.rest_port = runner.addresses[0][1]

    # --- the clock's timers -----------------------------------------------------------------
    def _start_clock(self) -> None:
        """Start the clock (a realtime clock created paused starts to follow the wall clock)
        and, unless the scenario controller already drives it, run its timers."""
        clock = self.mock.exchange.clock
        start = getattr(clock, "start", None)
        if start is not None:
            start()
        controller = self.mock.controller
        driven = controller is not None and getattr(controller, "driver", None) is not None \
            and controller.driver.running
        if clock.mode == "realtime" and not driven:
            self._driver = ClockDriver(lambda: self.mock.exchange.clock)
            self._driver.start()

    async def _stop_clock(self) -> None:
        if self._driver is not None:
            await self._driver.stop()
            self.mock.exchange.clock.wakeup = None
            self._driver = None

    def _on_reset(self) -> None:
        """The mock's exchange was replaced: streams of the old world end."""
        if self.streams is not None:
            self.streams.rebind()
        if self._driver is not None:
            self._driver.kick()


# --- addresses ------------------------------------------------------------------------------
def address(host: str, port: int) -> str:
    """host:port, an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def _reason(e: OSError) -> str:
    if e.errno == errno.EADDRINUSE:
        return "the address is in use"
    text = e.strerror or str(e)
    return text[0].lower() + text[1:] if text else "error"


def check_free(front: str, host: str, port: int) -> None:
    """Raise OSError("cannot bind <front> to host:port: ...") if the address cannot be bound
    (in use, not allowed, not a local address, a name that does not resolve): the check grpc
    makes itself, but without its C core's log line on stderr. Port 0 is always free."""
    if port == 0:
        return
    where = address(host, port)
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise OSError(f"cannot bind {front} to {where}: {_reason(e)}") from None
    for family, kind, proto, _, sockaddr in infos:
        try:
            with socket.socket(family, kind, proto) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as grpc binds
                s.bind(sockaddr)
        except OSError as e:
            if e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) and len(infos) > 1:
                continue                # e.g. ::1 of "localhost" on a host without IPv6
            raise OSError(f"cannot bind {front} to {where}: {_reason(e)}") from None


class _OnCall(grpc.aio.ServerInterceptor):
    def __init__(self, on_call):
        self.on_call = on_call

    async def intercept_service(self, continuation, details):
        self.on_call()
        return await continuation(details)


def _on_call_middleware(on_call):
    @web.middleware
    async def middleware(request, handler):
        on_call()
        return await handler(request)
    return middleware
