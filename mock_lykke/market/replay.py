"""Replay of recorded data through the engine's commands.

A book snapshot becomes one bulk command of `account` (cancelPreviousOrders, bothSides). A trade
of aggressor side S at price P for volume V becomes: `account` places the resting side (limit,
opposite of S, P, V), `takerAccount` crosses it (limit S at P, V), then whatever is left of
either is cancelled. The public trade therefore happens at P, and any order of yours priced at
or through P is filled first, as the real market would have done.
"""
from __future__ import annotations

from pathlib import Path

from ..engine.orders import ACTIVE, BUY, SELL, BulkItem
from ..scenario.values import parse_duration
from .base import Participant
from .data import Row, load_rows


def data_path(spec: dict, base_dir: Path | None) -> Path:
    path = Path(spec["file"])
    return path if path.is_absolute() or base_dir is None else base_dir / path


class Replay(Participant):
    kind = "replay"

    def __init__(self, ex, spec, rng, base_dir=None):
        super().__init__(ex, spec, rng, base_dir)
        self.taker = ex.account(spec.get("takerAccount", spec["account"]))
        self.rows: list[Row] = load_rows(data_path(spec, base_dir))
        self.offset = parse_duration(spec.get("at", 0))
        self.speed = float(spec.get("speed", 1))
        self.index = 0
        self.t0 = ex.clock.now()

    @classmethod
    def problems(cls, spec, ref, base_dir):
        taker = spec.get("takerAccount")
        if taker is not None and taker not in ref["accounts"]:
            return [(("takerAccount",), f"unknown account {taker!r}")]
        return []

    def due(self, row: Row) -> int:
        return self.t0 + self.offset + int(row.t / self.speed)

    def start(self) -> None:
        self.t0 = self.ex.clock.now()
        self.plan()

    def plan(self) -> None:
        """Play the rows due now; schedule the next one."""
        now = self.ex.clock.now()
        while self.index < len(self.rows) and self.due(self.rows[self.index]) <= now:
            self.play(self.rows[self.index])
            self.index += 1
        if self.index < len(self.rows):
            self.at(self.due(self.rows[self.index]), self.plan)

    def play(self, row: Row) -> None:
        pair_id = self.pair.pair_id
        if not row.is_trade:
            items = [BulkItem(BUY, v, p) for p, v in row.bids if v > 0]
            items += [BulkItem(SELL, v, p) for p, v in row.asks if v > 0]
            self.run(self.ex.place_bulk, self.account, pair_id, items, cancel_previous=True,
                     cancel_mode="bothSides")
            return
        resting = SELL if row.side == BUY else BUY
        maker_id = self.run(self.ex.place_limit, self.account, pair_id, resting, row.volume,
                            row.price)
        if maker_id is None:
            return
        taker_id = self.run(self.ex.place_limit, self.taker, pair_id, row.side, row.volume,
                            row.price)
        for account, order_id in ((self.account, maker_id), (self.taker, taker_id)):
            order = self.ex.history.orders.get(order_id) if order_id else None
            if order is not None and order.status in ACTIVE:
                self.run(self.ex.cancel_order, account, order_id)

    def describe(self) -> dict:
        return {**super().describe(), "file": self.spec["file"], "played": self.index,
                "rows": len(self.rows)}
