"""The mock as the fronts see it: one engine plus the hooks that wrap every call."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .engine import Exchange


@dataclass(slots=True)
class FaultAction:
    """What an injected fault does to one call (all optional)."""
    delay_ms: int = 0
    error_code: int | None = None       # answer with this API error code (envelope)
    grpc_status: str | None = None      # abort with this gRPC status name, e.g. "UNAVAILABLE"
    http_status: int | None = None      # answer with this HTTP status
    end_stream: bool = False            # end a stream (gRPC status given, or OK)


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
    """Shared by every front: the engine, the fault injector, and free-form extras."""
    exchange: Exchange
    faults: Any = field(default_factory=NoFaults)
    version: str = "0.1.0"
    started_at: int = 0                 # epoch ms of start (isalive)
    extras: dict = field(default_factory=dict)
    # async callables run by the server after it binds / before it stops (clock driver,
    # market participants, journal): server.py awaits each in order.
    on_start: list = field(default_factory=list)
    on_stop: list = field(default_factory=list)
