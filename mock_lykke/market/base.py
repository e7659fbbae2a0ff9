"""What every participant shares: its account and pair, a seeded random stream, a timer."""
from __future__ import annotations

import logging
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path
from random import Random

from ..engine import ApiError, Exchange
from ..engine.clock import Timer
from ..engine.numbers import fits, quantum
from ..scenario.values import dec

log = logging.getLogger(__name__)

MILLION = 1_000_000


def plain(d: Decimal) -> Decimal:
    """Without trailing zeros (9995.000 -> 9995), as the engine's doubles would print."""
    d = d.normalize()
    return d.quantize(Decimal(1)) if d.as_tuple().exponent > 0 else d


class Participant:
    kind = ""

    def __init__(self, ex: Exchange, spec: dict, rng: Random, base_dir: Path | None = None):
        self.ex = ex
        self.spec = spec
        self.rng = rng
        self.base_dir = base_dir
        self.name = spec.get("name") or f"{self.kind}:{spec['assetPairId']}"
        self.account = ex.account(spec["account"])
        self.pair = ex.reference.pairs[spec["assetPairId"]]
        self.timer: Timer | None = None
        self.stats = {"commands": 0, "rejected": 0, "skipped": 0}
        self.last_error: str | None = None
        # each command runs inside acting(): the controller's tracker sets it to note the
        # participant as the source of a refusal (docs/dryrun.md)
        self.acting = nullcontext

    @classmethod
    def problems(cls, spec: dict, ref: dict, base_dir: Path | None) -> list[tuple[tuple, str]]:
        """Checks of a schema-valid spec against the scenario (ref: the scenario's data)."""
        return []

    def start(self) -> None:
        """Act at the current time if the participant does, and schedule what follows."""

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def at(self, when: int, fn) -> None:
        self.timer = self.ex.clock.call_at(when, fn)

    def run(self, command, *args, **kwargs):
        """Run one engine command; an API rejection is counted, not raised."""
        try:
            with self.acting():
                result = command(*args, **kwargs)
        except ApiError as e:
            self.stats["rejected"] += 1
            self.last_error = f"{e.code.name}: {e.message}"
            return None
        except OSError as e:        # its journal line failed: not done, the market goes on
            self.stats["rejected"] += 1
            self.last_error = str(e)
            log.error("%s: %s", self.name, e)
            return None
        self.stats["commands"] += 1
        return result

    def describe(self) -> dict:
        return {"name": self.name, "kind": self.kind, "account": self.account.name,
                "assetPairId": self.pair.pair_id, **self.stats, "lastError": self.last_error}

    # --- seeded draws, exact and platform-independent (integers only) ----------------
    def normal(self) -> Decimal:
        """About N(0, 1): the Irwin-Hall sum of 12 uniform draws, minus 6."""
        total = sum(self.rng.randrange(MILLION) for _ in range(12))
        return Decimal(total - 6 * MILLION) / MILLION

    def chance(self, probability: Decimal) -> bool:
        return self.rng.randrange(MILLION) < probability * MILLION

    def uniform_amount(self, lo: Decimal, hi: Decimal, accuracy: int) -> Decimal:
        q = quantum(accuracy)
        return plain(self.rng.randint(int(lo / q), int(hi / q)) * q)

    def base_accuracy(self) -> int:
        return self.ex.reference.assets[self.pair.base].accuracy


def volume_problems(key: str, volume: Decimal, pair: dict, accuracy: int | None) -> list:
    """Scenario problems of a participant's order volume: over the base accuracy, below min."""
    out = []
    if accuracy is not None and not fits(volume, accuracy):
        out.append(((key,), f"{volume} has more decimals than "
                            f"{pair['baseAssetId']}'s accuracy ({accuracy})"))
    if volume < dec(pair.get("minVolume", 0)) or volume <= 0:
        out.append(((key,), f"{volume} is below the pair's minVolume ({pair.get('minVolume', 0)})"))
    return out
