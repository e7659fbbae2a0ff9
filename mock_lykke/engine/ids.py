"""The only source of ids: a seeded generator of lowercase UUID strings."""
from __future__ import annotations

import random

# the bits uuid.UUID(int=..., version=4) fixes: version 4 and the RFC 4122 variant
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_SET = (0x4000 << 64) | (0x8000 << 48)


class IdGenerator:
    __slots__ = ("_rng", "seed", "count")

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._rng = random.Random(f"mock-lykke-ids-{seed}")
        self.count = 0

    def next(self) -> str:
        """The next id: a random (version 4, RFC 4122 variant) UUID in lowercase text."""
        return id_text(self.draw())

    def draw(self) -> int:
        """The next id as its 128 random bits: id_text() makes the id next() would have
        returned (for records whose id is printed only if someone looks)."""
        self.count += 1
        return self._rng.getrandbits(128)

    def rng(self, name: str) -> random.Random:
        """A separate seeded random stream (market participants, faults), independent of ids."""
        return random.Random(f"mock-lykke-{name}-{self.seed}")


def id_text(bits: int) -> str:
    """The id text of 128 random bits (see IdGenerator.draw)."""
    h = "%032x" % ((bits & _CLEAR) | _SET)
    return "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:]))
