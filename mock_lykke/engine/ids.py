"""The only source of ids: a seeded generator of lowercase UUID strings."""
from __future__ import annotations

import random
import uuid


class IdGenerator:
    __slots__ = ("_rng", "seed", "count")

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._rng = random.Random(f"mock-lykke-ids-{seed}")
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def rng(self, name: str) -> random.Random:
        """A separate seeded random stream (market participants, faults), independent of ids."""
        return random.Random(f"mock-lykke-{name}-{self.seed}")
