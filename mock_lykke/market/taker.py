"""Random taker flow: at seeded random intervals, a market order (or a limit order crossing
the best opposite price by `slippage`) of a seeded random side and size."""
from __future__ import annotations

from ..engine.numbers import ceil_to, floor_to
from ..engine.orders import BUY, SELL
from ..scenario.values import dec, parse_duration
from .base import Participant, plain, volume_problems


def _range(value, parse):
    if isinstance(value, list):
        return parse(value[0]), parse(value[1])
    return None, parse(value)


class Taker(Participant):
    kind = "taker"

    def __init__(self, ex, spec, rng, base_dir=None):
        super().__init__(ex, spec, rng, base_dir)
        self.every = self.interval_range(spec.get("every", "5s"))
        lo, hi = _range(spec["volume"], dec)
        self.volume = (lo if lo is not None else hi, hi)
        self.buy_ratio = dec(spec.get("buyRatio", "0.5"))
        self.order_type = spec.get("orderType", "market")
        self.slippage = dec(spec.get("slippage", "0.001"))
        self.open: list[str] = []          # limit orders whose rest we cancel next time

    @staticmethod
    def interval_range(value) -> tuple[int, int]:
        lo, hi = _range(value, parse_duration)
        if lo is None:
            return max(1, hi // 2), max(1, hi + hi // 2)
        return max(1, lo), max(1, hi)

    @classmethod
    def problems(cls, spec, ref, base_dir):
        out = []
        lo, hi = _range(spec["volume"], dec)
        if lo is not None and lo > hi:
            out.append((("volume",), "the range's min is above its max"))
        pair = ref["pairs"].get(spec["assetPairId"])
        if pair is not None:
            accuracy = ref["assets"].get(pair["baseAssetId"], {}).get("accuracy")
            for v in (lo, hi):
                if v is None:
                    continue
                out += volume_problems("volume", v, pair, accuracy)
        elo, ehi = _range(spec.get("every", "5s"), parse_duration)
        if elo is not None and elo > ehi:
            out.append((("every",), "the range's min is above its max"))
        if dec(spec.get("buyRatio", "0.5")) > 1:
            out.append((("buyRatio",), "buyRatio is a share between 0 and 1"))
        return out

    def start(self) -> None:
        self.schedule()

    def schedule(self) -> None:
        self.at(self.ex.clock.now() + self.rng.randint(*self.every), self.tick)

    def tick(self) -> None:
        self.cancel_rest()
        side = BUY if self.chance(self.buy_ratio) else SELL
        volume = self.uniform_amount(*self.volume, self.base_accuracy())
        pair_id = self.pair.pair_id
        if self.order_type == "market":
            self.run(self.ex.place_market, self.account, pair_id, side, volume)
        else:
            best = self.ex.books[pair_id].best(SELL if side == BUY else BUY)
            if best is None:
                self.stats["skipped"] += 1
            else:
                acc = self.pair.price_accuracy
                price = plain(ceil_to(best * (1 + self.slippage), acc) if side == BUY
                              else floor_to(best * (1 - self.slippage), acc))
                order_id = self.run(self.ex.place_limit, self.account, pair_id, side, volume,
                                    price) if price > 0 else None
                if order_id is not None:
                    self.open.append(order_id)
        self.schedule()

    def cancel_rest(self) -> None:
        for order_id in self.open:
            order = self.ex.history.orders.get(order_id)
            if order is not None and order.status in ("Placed", "PartiallyMatched"):
                self.run(self.ex.cancel_order, self.account, order_id)
        self.open = []

    def describe(self) -> dict:
        return {**super().describe(), "orderType": self.order_type}

