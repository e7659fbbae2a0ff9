"""A market maker: a seeded random walk of the mid, and `levels` quotes per side around it,
refreshed every interval with one bulk command (cancelPreviousOrders, bothSides). Fills move
its inventory, which skews the quotes (long: quotes move down, short: up).

Market regimes (scenarios/regimes/): each refresh the mid moves by `drift` (a trend), then
`reversion` of the way back to `anchor` (mean reversion), then the seeded noise
(`volatility`). `changes` switch any of these (and the quoting) at given times: a volatility
shock, a flash crash (`mid`: a jump), a liquidity hole (fewer, thinner, wider quotes)."""
from __future__ import annotations

from decimal import Decimal

from ..engine.numbers import ZERO, ceil_to, floor_to
from ..engine.orders import BUY, SELL, BulkItem
from ..scenario.values import dec, parse_at, parse_duration
from .base import Participant, plain, volume_problems

ONE = Decimal(1)


class MarketMaker(Participant):
    kind = "marketMaker"

    def __init__(self, ex, spec, rng, base_dir=None):
        super().__init__(ex, spec, rng, base_dir)
        self.mid = dec(spec["mid"])
        self.spread = dec(spec.get("spread", "0.002"))
        self.levels = int(spec.get("levels", 5))
        self.level_volume = dec(spec["levelVolume"])
        self.step = dec(spec["step"]) if "step" in spec else self.spread / 2
        self.volatility = dec(spec.get("volatility", "0.001"))
        self.skew = dec(spec["skew"]) if "skew" in spec else self.spread
        self.every = parse_duration(spec.get("every", "1s"))
        self.drift = dec(spec.get("drift", 0))
        self.reversion = dec(spec.get("reversion", 0))
        self.anchor = dec(spec.get("anchor", spec["mid"]))
        self.changes: list[tuple[int, dict]] = []       # (clock time, change), set at start
        bal = self.account.balance(self.pair.base)
        self.base0 = bal.total if bal is not None else ZERO
        self.mid_accuracy = self.pair.price_accuracy + 4

    @classmethod
    def problems(cls, spec, ref, base_dir):
        out = []
        pair = ref["pairs"].get(spec["assetPairId"])
        if pair is None:
            return out
        accuracy = ref["assets"].get(pair["baseAssetId"], {}).get("accuracy")
        volume = dec(spec["levelVolume"])
        out += volume_problems("levelVolume", volume, pair, accuracy)
        if dec(spec["mid"]) <= 0:
            out.append((("mid",), "the mid must be positive"))
        if dec(spec.get("spread", "0.002")) <= 0:
            out.append((("spread",), "the spread must be positive"))
        if dec(spec.get("volatility", 0)) >= Decimal("0.1"):
            out.append((("volatility",), "volatility is per refresh and must be below 0.1"))
        if parse_duration(spec.get("every", "1s")) <= 0:
            out.append((("every",), "the interval must be positive"))
        if dec(spec.get("reversion", 0)) > 1:
            out.append((("reversion",), "reversion is a share of the gap, 0..1"))
        last = -1
        for i, change in enumerate(spec.get("changes") or []):
            try:
                at = parse_at(change["at"], 0)
            except ValueError as e:
                out.append((("changes", i, "at"), str(e)))
                continue
            if at < last:
                out.append((("changes", i, "at"), "changes must be in time order"))
            last = at
            if dec(change.get("reversion", 0)) > 1:
                out.append((("changes", i, "reversion"), "reversion is a share of the gap, 0..1"))
            if "levelVolume" in change and accuracy is not None and pair is not None:
                out += [(("changes", i) + path, msg) for path, msg in volume_problems(
                    "levelVolume", dec(change["levelVolume"]), pair, accuracy)]
        return out

    def start(self) -> None:
        start = self.ex.clock.now()
        self.changes = [(parse_at(c["at"], start), c) for c in self.spec.get("changes") or []]
        self.apply_changes()
        self.quote()
        self.at(self.ex.clock.now() + self.every, self.tick)

    def tick(self) -> None:
        if not self.apply_changes():
            self.walk()
        self.quote()
        self.at(self.ex.clock.now() + self.every, self.tick)

    def apply_changes(self) -> bool:
        """The changes due by now, in order; True if one set the mid (no walk this time)."""
        now, jumped = self.ex.clock.now(), False
        while self.changes and self.changes[0][0] <= now:
            change = self.changes.pop(0)[1]
            for key in ("volatility", "drift", "reversion", "anchor", "spread", "skew"):
                if key in change:
                    setattr(self, key, dec(change[key]))
            if "step" in change or "spread" in change:
                self.step = dec(change.get("step", self.spread / 2))
            if "levels" in change:
                self.levels = int(change["levels"])
            if "levelVolume" in change:
                self.level_volume = dec(change["levelVolume"])
            if "mid" in change:
                self.mid, jumped = dec(change["mid"]), True
        return jumped

    def walk(self) -> None:
        mid = self.mid
        if self.drift:
            mid *= ONE + self.drift
        if self.reversion:
            mid += self.reversion * (self.anchor - mid)
        change = self.volatility * self.normal()
        mid = floor_to(mid * (ONE + change), self.mid_accuracy)
        self.mid = max(mid, Decimal(1).scaleb(-self.pair.price_accuracy))

    def set_mid(self, mid: Decimal) -> None:
        """A price shock: jump to mid and requote now."""
        self.mid = mid
        self.quote()

    def inventory(self) -> Decimal:
        bal = self.account.balance(self.pair.base)
        return (bal.total if bal is not None else ZERO) - self.base0

    def quotes(self) -> list[BulkItem]:
        full = self.levels * self.level_volume
        ratio = max(-ONE, min(ONE, self.inventory() / full))
        center = self.mid * (ONE - self.skew * ratio)
        half, gap = center * self.spread / 2, center * self.step
        acc = self.pair.price_accuracy
        bids, asks = [], []
        for i in range(self.levels):
            bid = plain(floor_to(center - half - i * gap, acc))
            if bid > 0:
                bids.append(BulkItem(BUY, self.level_volume, bid))
            ask = plain(ceil_to(center + half + i * gap, acc))
            asks.append(BulkItem(SELL, self.level_volume, ask))
        return bids + asks

    def quote(self) -> None:
        self.run(self.ex.place_bulk, self.account, self.pair.pair_id, self.quotes(),
                 cancel_previous=True, cancel_mode="bothSides")

    def describe(self) -> dict:
        return {**super().describe(), "mid": str(self.mid), "inventory": str(self.inventory())}
