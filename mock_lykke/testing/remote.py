"""The fixture object over a session of a shared `mock-lykke serve` (docs/sessions.md).

    with RemoteLykke("http://mock:5000", scenario="basic", seed=3) as lykke:
        lykke.private("trader").GetBalances(Empty())
        lykke.advance("1s")

`pytest --lykke-server URL` makes the `lykke` fixtures hand these out instead of in-process
mocks: a session is created per test (per module for `lykke_module`) and deleted after.
Everything goes over the wire (the session's gRPC and REST ports, its control API), so the
same test runs against a server in another process, container or language's CI.

What needs the mock in this process (the engine objects, engine events) raises
RemoteUnsupported; orders, trades and books are read from the session's /_mock/state,
and the waits re-check their condition every few milliseconds instead of after each engine
event.
"""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Callable, Mapping

import grpc

from ..proto import privateService_pb2_grpc, publicService_pb2_grpc
from ..scenario.controller import ControlError
from .options import DEFAULT_TIMEOUT, check_quirks
from .remote_control import RemoteControl

POLL_S = 0.01                     # wait_for's re-check interval
SERVER_ENV = "MOCK_LYKKE_SERVER"
CA_ENV = "MOCK_LYKKE_SERVER_CA"
TOKEN_ENV = "MOCK_LYKKE_CONTROL_TOKEN"    # the server's --control-token, sent on /_mock calls


class RemoteUnsupported(NotImplementedError):
    """What only an in-process mock can do."""


def _unsupported(name: str, instead: str):
    def fail(self, *args, **kwargs):
        raise RemoteUnsupported(f"lykke.{name} needs the mock in this process; with "
                                f"--lykke-server (a session on {self.server}) {instead}")
    fail.__name__ = name
    return fail


def scenario_body(spec, base_dir: Path | None):
    """What a session request's `scenario` is for a fixture's scenario option: a local file is
    read and sent inline; another string is a name the server knows; a mapping goes inline."""
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return dict(spec)
    data = getattr(spec, "data", None)            # a loaded Scenario
    if isinstance(data, dict):
        return data
    path = Path(spec)
    for candidate in ([base_dir / path] if base_dir is not None else []) + [path]:
        if candidate.is_file():
            import yaml
            return yaml.safe_load(candidate.read_text(encoding="utf-8"))
    if isinstance(spec, str) and "/" not in spec and not spec.endswith((".yaml", ".yml")):
        return spec
    raise FileNotFoundError(f"scenario {str(spec)!r} not found")


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """`authorization: Bearer <key>` on every call of a plaintext channel (call credentials
    need a secure one)."""

    def __init__(self, key: str):
        self.metadata = (("authorization", f"Bearer {key}"),)

    def _details(self, details):
        return details._replace(metadata=tuple(details.metadata or ()) + self.metadata)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)


class RemoteLykke(RemoteControl):
    """A session on a shared server with the fixture's API, for synchronous tests."""

    def __init__(self, server: str, scenario=None, *, seed: int | None = None,
                 clock: str = "virtual", speed: float | None = None, quirks=None,
                 tls: bool = False, timeout: float = DEFAULT_TIMEOUT,
                 base_dir: Path | None = None, ca_file: str | None = None, ttl=None,
                 control_token: str | None = None):
        check_quirks(quirks)
        self.server = server.rstrip("/")
        self._body = {k: v for k, v in (
            ("scenario", scenario_body(scenario, base_dir)), ("seed", seed), ("clock", clock),
            ("speed", speed), ("quirks", dict(quirks) if quirks else None), ("ttl", ttl))
            if v is not None}
        self._timeout = timeout
        self._ca_file = ca_file
        self._token = control_token or os.environ.get(TOKEN_ENV) or None
        self.info: dict | None = None
        self._channels: dict = {}
        self._sessions: dict = {}

    def __repr__(self) -> str:
        where = (f"session {self.info['id']} grpc={self.info['grpc']} rest={self.info['rest']}"
                 if self.info else "not started")
        return f"<{type(self).__name__} {where} on {self.server}>"

    # --- start / stop ----------------------------------------------------------------------
    def start(self) -> "RemoteLykke":
        self.info = self._request("POST", self.server + "/_mock/sessions", self._body)
        return self

    def stop(self) -> None:
        for channel in self._channels.values():
            self._close(channel)
        for session in self._sessions.values():
            self._close(session)
        self._channels.clear()
        self._sessions.clear()
        if self.info is not None:
            try:
                self._request("DELETE", f"{self.server}/_mock/sessions/{self.info['id']}")
            except ControlError as e:
                if e.status != 404:                 # already ended (its TTL): nothing to do
                    raise
            self.info = None

    @staticmethod
    def _close(thing) -> None:
        thing.close()

    def __enter__(self) -> "RemoteLykke":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- endpoints and keys -----------------------------------------------------------------
    @property
    def _info(self) -> dict:
        if self.info is None:
            raise RuntimeError("the session is not running: use `with RemoteLykke(...) as lykke:`")
        return self.info

    @property
    def session_id(self) -> str:
        return self._info["id"]

    @property
    def grpc_target(self) -> str:
        return self._info["grpc"]

    @property
    def rest_url(self) -> str:
        return self._info["rest"]

    @property
    def control_url(self) -> str:
        return self._info["control"]

    @property
    def tls(self):
        return None                 # the server's TLS material is not in this process

    @property
    def ca_file(self):
        return self._ca_file if self.rest_url.startswith("https") else None

    @property
    def ca_pem(self) -> bytes | None:
        return Path(self.ca_file).read_bytes() if self.ca_file else None

    @property
    def timeout(self) -> float:
        return self._timeout

    @property
    def api_keys(self) -> dict[str, str]:
        return dict(self._info["keys"])

    def api_key(self, account: str) -> str:
        try:
            return self._info["keys"][account]
        except KeyError:
            raise KeyError(f"no account {account!r} with an API key (the accounts are: "
                           f"{', '.join(self._info['keys'])})") from None

    # --- clients ----------------------------------------------------------------------------
    def grpc_credentials(self, account: str | None = None) -> grpc.ChannelCredentials:
        """TLS credentials trusting the CA given (--lykke-server-ca), with the account's key;
        a plaintext session has none (use grpc_channel(), which adds the key itself)."""
        if self.ca_file is None:
            raise RemoteUnsupported("a plaintext session's gRPC port takes no channel "
                                    "credentials from afar; use lykke.grpc_channel(account)")
        creds = grpc.ssl_channel_credentials(root_certificates=self.ca_pem)
        if account is None:
            return creds
        return grpc.composite_channel_credentials(
            creds, grpc.access_token_call_credentials(self.api_key(account)))

    def rest_headers(self, account: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key(account)}"} if account else {}

    def grpc_channel(self, account: str | None = None) -> grpc.Channel:
        """A channel to the session (the account's key on every call); closed at stop."""
        channel = self._channels.get(account)
        if channel is None:
            if self.ca_file is not None:
                channel = grpc.secure_channel(self.grpc_target, self.grpc_credentials(account))
            else:
                channel = grpc.insecure_channel(self.grpc_target)
                if account is not None:
                    channel = grpc.intercept_channel(channel, _Bearer(self.api_key(account)))
            self._channels[account] = channel
        return channel

    def public(self):
        return publicService_pb2_grpc.PublicServiceStub(self.grpc_channel())

    def private(self, account: str):
        return privateService_pb2_grpc.PrivateServiceStub(self.grpc_channel(account))

    def http(self, account: str | None = None):
        """A requests.Session for the session's REST port: relative URLs, the account's key."""
        from .api import _requests_session
        session = self._sessions.get(account)
        if session is None:
            session = _requests_session(self.rest_url, self.rest_headers(account), self.ca_file)
            self._sessions[account] = session
        return session

    # --- waits: the condition re-checked every few ms ---------------------------------------
    def wait_for(self, condition: Callable, timeout: float | None = None,
                 message: str | None = None):
        """Until condition() is truthy; returns its value. It runs in this thread, re-checked
        every 10 ms (a remote session sends no engine events to wake it)."""
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"waited {timeout:g} s for {message or condition!r} in vain")
            time.sleep(POLL_S)

    # --- what needs the mock in this process ------------------------------------------------
    _INSTEAD = ("read the state with lykke.snapshot(), lykke.orders(), lykke.journal() or "
                "the API, and wait with lykke.wait_for(condition)")
    mock = property(_unsupported("mock", _INSTEAD))
    controller = property(_unsupported("controller", "use its methods on lykke (advance, "
                                       "place_limit, add_fault, ...), which go over HTTP"))
    exchange = property(_unsupported("exchange", _INSTEAD))
    aio = property(_unsupported("aio", "an async test gets an AsyncRemoteLykke itself"))
    event_count = property(_unsupported("event_count", _INSTEAD))
    call = _unsupported("call", _INSTEAD)
    events = _unsupported("events", _INSTEAD)
    next_event = _unsupported("next_event", _INSTEAD)


class AsyncRemoteLykke(RemoteLykke):
    """The same for `async def` tests: grpc.aio channels, aiohttp sessions, awaited waits,
    `async with`. The control calls stay plain (blocking) calls: short ones to a server in
    another process."""

    async def __aenter__(self) -> "AsyncRemoteLykke":
        return self.start()

    async def __aexit__(self, *exc) -> None:
        for thing in list(self._channels.values()) + list(self._sessions.values()):
            await thing.close()
        self._channels.clear()
        self._sessions.clear()
        self.stop()

    def grpc_channel(self, account: str | None = None) -> grpc.aio.Channel:
        channel = self._channels.get(account)
        if channel is None:
            if self.ca_file is not None:
                channel = grpc.aio.secure_channel(self.grpc_target,
                                                  self.grpc_credentials(account))
            else:
                interceptors = [_AioBearer(self.api_key(account))] if account else None
                channel = grpc.aio.insecure_channel(self.grpc_target, interceptors=interceptors)
            self._channels[account] = channel
        return channel

    def http(self, account: str | None = None):
        import aiohttp
        session = self._sessions.get(account)
        if session is None or session.closed:
            ssl = None
            if self.ca_file is not None:
                import ssl as _ssl
                ssl = _ssl.create_default_context(cafile=str(self.ca_file))
            session = aiohttp.ClientSession(base_url=self.rest_url,
                                            headers=self.rest_headers(account),
                                            connector=aiohttp.TCPConnector(ssl=ssl)
                                            if ssl is not None else None)
            self._sessions[account] = session
        return session

    async def wait_for(self, condition: Callable, timeout: float | None = None,
                       message: str | None = None):
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"waited {timeout:g} s for {message or condition!r} in vain")
            await asyncio.sleep(POLL_S)


class _AioBearer(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, key: str):
        self.metadata = (("authorization", f"Bearer {key}"),)

    def _details(self, details):
        metadata = grpc.aio.Metadata(*(details.metadata or ()), *self.metadata)
        return details._replace(metadata=metadata)

    async def intercept_unary_unary(self, continuation, details, request):
        return await continuation(self._details(details), request)

    async def intercept_unary_stream(self, continuation, details, request):
        return await continuation(self._details(details), request)
