"""The mock as a Python object: endpoints, API keys, ready-made clients, the control API's
powers, and waits. `Lykke` is for synchronous code (the mock runs on a background loop
thread; waits block); `AsyncLykke` is for asyncio (the mock runs on the caller's loop; waits
are awaited). Both share everything else, defined once in `_Base`."""
from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import json
from typing import Callable

import grpc

from ..proto import privateService_pb2_grpc, publicService_pb2_grpc
from .control import Control
from .loop import shared_loop
from .options import Options
from .world import CALL_TIMEOUT, World


def _describe(condition: Callable) -> str:
    try:
        return inspect.getsource(condition).strip()
    except (OSError, TypeError):
        return repr(condition)


class _Base(Control):
    def __init__(self, scenario=None, **options):
        self._world = World(Options.of(scenario=scenario, **options))
        self._owner = True                      # starts and stops the mock (not a view)
        self._channels: dict = {}
        self._sessions: dict = {}

    @classmethod
    def _view(cls, world: World):
        """Another face on a mock someone else runs (its clients are this view's own)."""
        self = cls.__new__(cls)
        self._world, self._owner, self._channels, self._sessions = world, False, {}, {}
        return self

    def __repr__(self) -> str:
        w = self._world
        where = (f"grpc={w.server.grpc_target} rest={w.server.rest_url}" if w.server is not None
                 else "not started")
        return (f"<{type(self).__name__} {where} scenario={w.scenario.name!r} "
                f"clock={w.options.clock}>")

    # --- endpoints and keys -------------------------------------------------------------
    @property
    def _server(self):
        if self._world.server is None:
            raise RuntimeError("the mock is not running: use `with Lykke() as lykke:` "
                               "or `async with AsyncLykke() as lykke:`")
        return self._world.server

    @property
    def grpc_target(self) -> str:
        """host:port of the gRPC port (plaintext h2c, or TLS with tls=True)."""
        return self._server.grpc_target

    @property
    def rest_url(self) -> str:
        """http://host:port of the REST port (https:// with tls=True)."""
        return self._server.rest_url

    @property
    def tls(self):
        """The TlsMaterial (mock_lykke.tls) with tls=True, else None."""
        return self._world.tls

    @property
    def ca_file(self):
        """The CA file clients must trust (tls=True), else None."""
        return self._world.tls.ca_file if self._world.tls is not None else None

    @property
    def ca_pem(self) -> bytes | None:
        return self._world.tls.ca_pem if self._world.tls is not None else None

    @property
    def timeout(self) -> float:
        """Default timeout of the waits, in seconds."""
        return self._world.options.timeout

    @property
    def api_keys(self) -> dict[str, str]:
        """Account name -> API key, for every account with a key."""
        return dict(self._world.api_keys)

    def api_key(self, account: str) -> str:
        try:
            return self._world.api_keys[account]
        except KeyError:
            raise KeyError(f"no account {account!r} with an API key (the accounts are: "
                           f"{', '.join(self._world.api_keys)})") from None

    # --- escape hatches: the objects themselves ------------------------------------------
    @property
    def mock(self):
        return self._world.mock

    @property
    def controller(self):
        """The scenario Controller (the control API's Python face)."""
        return self._world.controller

    @property
    def exchange(self):
        """The engine now (a reset replaces it). From another thread, touch it only through
        call()."""
        return self._world.mock.exchange

    def call(self, fn: Callable, *args, **kwargs):
        """fn(*args, **kwargs) on the mock's loop thread (safe from any thread)."""
        return self._world.call(fn, *args, **kwargs)

    # --- credentials ---------------------------------------------------------------------
    def grpc_credentials(self, account: str | None = None) -> grpc.ChannelCredentials:
        """Channel credentials for the mock, sending `authorization: Bearer <key>` when an
        account is given: TLS trusting the mock's CA (tls=True), else local plaintext."""
        if self._world.tls is not None:
            creds = grpc.ssl_channel_credentials(root_certificates=self._world.tls.ca_pem)
        else:
            creds = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        if account is None:
            return creds
        return grpc.composite_channel_credentials(
            creds, grpc.access_token_call_credentials(self.api_key(account)))

    def rest_headers(self, account: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key(account)}"} if account else {}

    def public(self):
        """A hft.PublicService stub on a ready channel."""
        return publicService_pb2_grpc.PublicServiceStub(self.grpc_channel())

    def private(self, account: str):
        """A hft.PrivateService stub whose calls carry the account's key."""
        return privateService_pb2_grpc.PrivateServiceStub(self.grpc_channel(account))

    # --- waits: a condition re-checked after every change of the exchange -----------------
    def wait_for(self, condition: Callable, timeout: float | None = None,
                 message: str | None = None):
        """Until condition() is truthy; returns its value. condition runs on the mock's
        loop thread after every batch of engine events, control call and reset (it may call
        this object's methods). Lykke blocks; AsyncLykke returns an awaitable."""
        return self._wait(condition, timeout, message or _describe(condition))

    def wait_for_order(self, order_id: str | None = None, *, account: str | None = None,
                       pair_id: str | None = None, side: str | None = None, price=None,
                       status=None, timeout: float | None = None):
        """Until an order matches (the given one, else the oldest that fits the filters);
        returns its OrderView. E.g. wait_for_order(order_id, status="Matched")."""
        def found():
            orders = self._find_orders(order_id, account, pair_id, side, price, status)
            return orders[0] if orders else None
        what = _filters("an order", order_id=order_id, account=account, pair_id=pair_id,
                        side=side, price=price, status=status)
        return self._wait(found, timeout, what)

    def wait_for_orders(self, count: int, account: str | None = None, *,
                        pair_id: str | None = None, side: str | None = None, price=None,
                        status=None, timeout: float | None = None):
        """Until at least `count` orders fit the filters; returns them, oldest first."""
        def found():
            orders = self._find_orders(None, account, pair_id, side, price, status)
            return orders if len(orders) >= count else None
        what = _filters(f"{count} orders", account=account, pair_id=pair_id, side=side,
                        price=price, status=status)
        return self._wait(found, timeout, what)

    def next_event(self, match=None, *, account: str | None = None,
                   pair_id: str | None = None, after: int | None = None,
                   timeout: float | None = None):
        """Until an engine event matches; returns it. match: an event class (or a tuple of
        them) from mock_lykke.engine.events, or a predicate. Events count from `after`
        (default: this call, so only new ones; pass an earlier event_count to see events
        that already happened)."""
        def setup():
            wallet = self.controller.account(account).wallet_id if account else None

            def test(event) -> bool:
                if isinstance(match, (type, tuple)):
                    if not isinstance(event, match):
                        return False
                elif match is not None and not match(event):
                    return False
                return ((wallet is None or getattr(event, "wallet_id", None) == wallet)
                        and (pair_id is None or getattr(event, "pair_id", None) == pair_id))
            start = self._world.event_count if after is None else after
            return self._world.event_after(start, test)
        what = _filters("an event", match=getattr(match, "__name__", match), account=account,
                        pair_id=pair_id)
        return self._wait(self._world.call(setup), timeout, what)

    def _watch(self, condition: Callable) -> concurrent.futures.Future:
        return self._world.call(self._world.watch, condition)

    def _timeout_error(self, what: str, timeout: float) -> TimeoutError:
        try:
            recent = self._world.call(lambda: list(self.controller.journal.entries)[-5:])
            lines = "".join(f"\n  {e['cmd']} {json.dumps(e['args'])}"[:160] for e in recent)
        except Exception:
            lines = ""
        return TimeoutError(f"waited {timeout:g} s for {what} in vain"
                            + (f"; the last commands:{lines}" if lines else ""))


def _filters(what: str, **filters) -> str:
    given = ", ".join(f"{k}={v!r}" for k, v in filters.items() if v is not None)
    return f"{what} ({given})" if given else what


class Lykke(_Base):
    """A mock for synchronous code: it runs on a background event loop thread (one per
    process, shared); every call is handed to that thread; waits block.

        with Lykke(scenario="world.yaml", seed=3) as lykke:
            stub = lykke.private("trader")
    """

    def start(self) -> "Lykke":
        self._thread = shared_loop()
        self._thread.run(self._world.start(), CALL_TIMEOUT)
        return self

    def stop(self) -> None:
        for channel in self._channels.values():
            channel.close()
        for session in self._sessions.values():
            session.close()
        self._channels.clear()
        self._sessions.clear()
        if self._owner and self._world.server is not None:
            self._thread.run(self._world.stop(), CALL_TIMEOUT)

    def __enter__(self) -> "Lykke":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def aio(self) -> "AsyncLykke":
        """An AsyncLykke on this same mock, for async code (close it with `async with`)."""
        return AsyncLykke._view(self._world)

    def grpc_channel(self, account: str | None = None) -> grpc.Channel:
        """A grpc channel to the mock (with the account's key on every call); closed when the
        mock stops."""
        channel = self._channels.get(account)
        if channel is None:
            channel = grpc.secure_channel(self.grpc_target, self.grpc_credentials(account))
            self._channels[account] = channel
        return channel

    def http(self, account: str | None = None):
        """A requests.Session for the REST port: relative URLs ("/api/balance"), the
        account's key, the mock's CA trusted."""
        session = self._sessions.get(account)
        if session is None:
            session = _requests_session(self.rest_url, self.rest_headers(account), self.ca_file)
            self._sessions[account] = session
        return session

    def _wait(self, condition: Callable, timeout: float | None, what: str):
        if self._world.on_loop_thread():
            raise RuntimeError("a blocking wait on the mock's own event loop would never end;"
                               " use AsyncLykke (and await) there")
        timeout = timeout or self.timeout
        future = self._watch(condition)
        done, _ = concurrent.futures.wait([future], timeout)
        if not done:
            future.cancel()
            raise self._timeout_error(what, timeout)
        return future.result()


class AsyncLykke(_Base):
    """A mock for asyncio code, on the running event loop; waits are awaited.

        async with AsyncLykke() as lykke:
            order = await lykke.wait_for_order(order_id, status="Matched")
    """

    async def start(self) -> "AsyncLykke":
        if self._owner:
            await self._world.start()
        return self

    async def stop(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        for session in self._sessions.values():
            await session.close()
        self._channels.clear()
        self._sessions.clear()
        if self._owner and self._world.server is not None:
            await self._world.stop()

    async def __aenter__(self) -> "AsyncLykke":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    def _check_loop(self) -> None:
        w = self._world
        if w.on_loop_thread() and asyncio.get_running_loop() is not w.loop:
            raise RuntimeError(
                "this mock runs on another event loop than the caller's (with pytest-asyncio: "
                "give the test the same loop scope as asyncio_default_fixture_loop_scope)")

    def grpc_channel(self, account: str | None = None) -> grpc.aio.Channel:
        """A grpc.aio channel to the mock (with the account's key on every call); closed when
        the mock stops."""
        self._check_loop()
        channel = self._channels.get(account)
        if channel is None:
            channel = grpc.aio.secure_channel(self.grpc_target, self.grpc_credentials(account))
            self._channels[account] = channel
        return channel

    def http(self, account: str | None = None):
        """An aiohttp.ClientSession for the REST port: relative URLs ("/api/balance"), the
        account's key, the mock's CA trusted."""
        import aiohttp
        session = self._sessions.get(account)
        if session is None or session.closed:
            ssl = self._world.tls.client_ssl_context() if self._world.tls is not None else None
            session = aiohttp.ClientSession(base_url=self.rest_url,
                                            headers=self.rest_headers(account),
                                            connector=aiohttp.TCPConnector(ssl=ssl)
                                            if ssl is not None else None)
            self._sessions[account] = session
        return session

    async def _wait(self, condition: Callable, timeout: float | None, what: str):
        self._check_loop()
        timeout = timeout or self.timeout
        waiter = asyncio.wrap_future(self._watch(condition))
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
        if not done:
            waiter.cancel()
            raise self._timeout_error(what, timeout)
        return waiter.result()


def _requests_session(base_url: str, headers: dict, ca_file):
    import requests

    class Session(requests.Session):
        def request(self, method, url, *args, **kwargs):
            if url.startswith("/"):
                url = base_url + url
            kwargs.setdefault("verify", self.verify)    # over REQUESTS_CA_BUNDLE
            return super().request(method, url, *args, **kwargs)

    session = Session()
    session.headers.update(headers)
    if ca_file is not None:
        session.verify = str(ca_file)
    return session
