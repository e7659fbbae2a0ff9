"""The mock as the fronts see it: one engine plus the hooks that wrap every call."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .engine import Exchange


@dataclass(slots=True)
class FaultAction:
    """What an injected fault does to one call or one stream message (all optional).

    The fronts apply it in this order: wait delay_ms (wall time), then end/refuse with
    grpc_status (gRPC) or http_status (REST) if set, else answer error_code in the API's error
    envelope (message as given), else (streams) drop this message or end the stream."""
    delay_ms: int = 0
    error_code: int | None = None       # answer with this API error code (envelope)
    grpc_status: str | None = None      # abort with this gRPC status name, e.g. "UNAVAILABLE"
    http_status: int | None = None      # answer with this HTTP status
    end_stream: bool = False            # end a stream (gRPC status given, or OK)
    drop: bool = False                  # streams: do not send this message (it is lost)
    message: str | None = None          # text for error_code / grpc_status / http_status


class NoFaults:
    """Default fault injector: nothing happens. The scenario layer replaces it."""

    def check(self, name: str) -> FaultAction | None:
        """name is a gRPC method name ("PlaceLimitOrder") or a REST route
        ("GET /api/balance"); called once per call before it reaches the engine."""
        return None

    def check_stream(self, name: str) -> FaultAction | None:
        """Called by a gRPC stream (name = method name) before each message it sends;
        an action with end_stream=True ends the stream (with grpc_status, or OK)."""
        return None


@dataclass
class Mock:
    """Shared by every front: the engine, the fault injector, and free-form extras.

    `exchange` and `faults` are replaced on reset: read them per request, never keep them."""
    exchange: Exchange
    faults: Any = field(default_factory=NoFaults)
    version: str = "0.1.0"
    host_name: str = "mock-lykke"       # IsAlive on both fronts (the real one: its machine)
    started_at: int = 0                 # epoch ms of start (isalive)
    extras: dict = field(default_factory=dict)
    # async callables run by the server after it binds / before it stops (clock driver,
    # market participants): server.py awaits each in order.
    on_start: list = field(default_factory=list)
    on_stop: list = field(default_factory=list)
    # async callables run once the fronts are closed, every call answered or cut off (the
    # journal closes here: a command answered during the stop is in it)
    on_closed: list = field(default_factory=list)
    # sync callables run right after reset() replaced `exchange` (the fronts end their open
    # streams and subscribe to the new exchange)
    on_reset: list = field(default_factory=list)
    # the scenario runtime (mock_lykke.scenario.controller.Controller): what the control API
    # and the pytest fixture drive; None for a bare engine
    controller: Any = None

    def reset(self) -> None:
        """Back to the scenario's start: a new exchange, then every on_reset hook."""
        if self.controller is None:
            raise RuntimeError("this mock has no scenario to reset to")
        self.controller.reset()
