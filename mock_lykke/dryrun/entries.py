"""Which journal entries the metrics' sources act on (from_notes, from_replay); below
metrics.py, which chooses the source, so neither imports the other."""
from __future__ import annotations

from decimal import Decimal

from ..journal import ENGINE_COMMANDS

ZERO = Decimal(0)
REPLAYED = frozenset(ENGINE_COMMANDS) | {"clock", "reset", "set_account", "set_quirks"}
ORDER_COMMANDS = frozenset({"place_limit", "place_market", "place_bulk"})
FLOW_COMMANDS = frozenset({"set_balance", "deposit", "create_withdrawal"})
