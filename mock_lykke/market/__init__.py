"""Simulated market participants, driven by the clock's timers and acting only through the
engine's commands: a market maker, random taker flow, and replay of recorded data."""
from .base import Participant
from .maker import MarketMaker
from .replay import Replay
from .taker import Taker

PARTICIPANTS: dict[str, type[Participant]] = {
    "marketMaker": MarketMaker, "taker": Taker, "replay": Replay}

__all__ = ["PARTICIPANTS", "Participant", "MarketMaker", "Taker", "Replay"]
