"""The simulated exchange: synchronous, no I/O. The fronts (gRPC, REST) only translate."""
from .errors import ApiError, Code, ServerCrash
from .exchange import Exchange

__all__ = ["ApiError", "Code", "ServerCrash", "Exchange"]
