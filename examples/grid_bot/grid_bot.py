"""A grid bot for the Lykke HFT API v2, over gRPC.

It quotes `levels` buy orders below the mid price and `levels` sell orders above it, `step`
apart. When an order is completely filled it places the opposite order one step away (a buy
filled at p becomes a sell at p + step, a sell at p a buy at p - step), so every round trip
earns the step. Fills come from the trade stream; after a reconnect the bot catches up by
asking for its orders. Transient failures (UNAVAILABLE...) are retried.

    python grid_bot.py --target hft-apiv2-grpc.lykke.com:443 --api-key "$LYKKE_API_KEY"
    python grid_bot.py --target 127.0.0.1:5001 --insecure --api-key "$KEY"    # mock-lykke serve

It knows nothing about the mock: tests configure it with the mock's target and an API key.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import grpc
from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import (privateService_pb2 as pv, privateService_pb2_grpc as pvg,
                              publicService_pb2 as pb, publicService_pb2_grpc as pbg)

log = logging.getLogger("grid_bot")
TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
             grpc.StatusCode.RESOURCE_EXHAUSTED}
MATCHED = "Matched"


@dataclass
class Config:
    target: str                          # host:port of the gRPC API
    api_key: str
    pair: str = "BTCUSD"
    levels: int = 3                      # orders per side
    step: Decimal = Decimal("10")        # price distance between levels
    volume: Decimal = Decimal("0.01")    # volume of every order
    tls: bool = True                     # False: plaintext (a local mock)
    root_certificates: bytes | None = None   # TLS: the CA to trust (None: the system's)
    retry_delay: float = 1.0             # seconds before a retry or a reconnect
    max_retries: int = 5
    call_timeout: float = 10.0


class ApiError(Exception):
    """The exchange answered with an error envelope."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class GridOrder:
    id: str
    side: str                            # "buy" / "sell"
    price: Decimal
    volume: Decimal
    filled: Decimal = field(default=Decimal(0))


class GridBot:
    def __init__(self, config: Config):
        self.config = config
        self.orders: dict[str, GridOrder] = {}      # our live orders, by id
        self.round_trips = 0                        # orders completely filled
        self.rejected = 0                           # orders the exchange refused
        self.retries = 0                            # calls repeated after a transient failure
        self.reconnects = 0                         # trade stream reconnections
        self.ready = asyncio.Event()                # the first grid is placed
        self.subscribed = asyncio.Event()           # the trade stream is live
        self._auth = (("authorization", f"Bearer {config.api_key}"),)
        self._tick = Decimal("0.001")

    # --- running ----------------------------------------------------------------------------
    def _channel(self) -> grpc.aio.Channel:
        if not self.config.tls:
            return grpc.aio.insecure_channel(self.config.target)
        creds = grpc.ssl_channel_credentials(root_certificates=self.config.root_certificates)
        return grpc.aio.secure_channel(self.config.target, creds)

    async def run(self) -> None:
        """Place the grid and trade until cancelled."""
        async with self._channel() as channel:
            self.public = pbg.PublicServiceStub(channel)
            self.private = pvg.PrivateServiceStub(channel)
            pair = await self._call(self.public.GetAssetPair,
                                    pb.AssetPairRequest(assetPairId=self.config.pair))
            self._tick = Decimal(1).scaleb(-pair.priceAccuracy)
            mid = await self._mid()
            trades = asyncio.create_task(self._follow_trades())
            try:
                await self._place_grid(mid)
                self.ready.set()
                await trades
            finally:
                trades.cancel()

    async def _mid(self) -> Decimal:
        prices = await self._call(self.public.GetPrices,
                                  pb.PricesRequest(assetPairIds=[self.config.pair]))
        if not prices:
            raise RuntimeError(f"no price for {self.config.pair}")
        return self._round((Decimal(prices[0].bid) + Decimal(prices[0].ask)) / 2)

    async def _place_grid(self, mid: Decimal) -> None:
        step = self.config.step
        for i in range(1, self.config.levels + 1):
            await self._place("buy", mid - i * step)
            await self._place("sell", mid + i * step)

    # --- calls ----------------------------------------------------------------------------
    async def _call(self, method, request):
        """The call's payload; transient failures are retried, error envelopes raised."""
        for attempt in range(self.config.max_retries + 1):
            try:
                response = await method(request, metadata=self._auth,
                                        timeout=self.config.call_timeout)
            except grpc.aio.AioRpcError as e:
                if e.code() not in TRANSIENT or attempt == self.config.max_retries:
                    raise
                self.retries += 1
                log.warning("a call failed (%s); retrying", e.code().name)
                await asyncio.sleep(self.config.retry_delay)
                continue
            if response.HasField("error"):
                raise ApiError(response.error.code, response.error.message)
            return response.payload

    async def _place(self, side: str, price: Decimal) -> GridOrder | None:
        price = self._round(price)
        request = pv.LimitOrderRequest(assetPairId=self.config.pair,
                                       side=pv.buy if side == "buy" else pv.sell,
                                       volume=str(self.config.volume), price=str(price))
        try:
            placed = await self._call(self.private.PlaceLimitOrder, request)
        except ApiError as e:
            self.rejected += 1
            log.warning("%s %s at %s refused: %s", side, self.config.volume, price, e)
            return None
        order = GridOrder(placed.orderId, side, price, self.config.volume)
        self.orders[order.id] = order
        return order

    def _round(self, price: Decimal) -> Decimal:
        return price.quantize(self._tick, ROUND_HALF_UP)

    # --- fills ------------------------------------------------------------------------------
    async def _follow_trades(self) -> None:
        while True:
            call = self.private.GetTradeUpdates(Empty(), metadata=self._auth)
            try:
                await call.initial_metadata()           # the server has subscribed us
                await self._catch_up()
                self.subscribed.set()
                async for update in call:
                    for trade in update.trades:
                        await self._on_trade(trade)
                log.warning("the trade stream ended; reconnecting")
            except grpc.aio.AioRpcError as e:
                if e.code() not in TRANSIENT:
                    raise
                log.warning("the trade stream failed (%s); reconnecting", e.code().name)
            self.subscribed.clear()
            self.reconnects += 1
            await asyncio.sleep(self.config.retry_delay)

    async def _on_trade(self, trade) -> None:
        order = self.orders.get(trade.orderId)
        if order is None:
            return                                      # not one of the grid's orders
        order.filled += abs(Decimal(trade.baseVolume))
        if order.filled >= order.volume:
            await self._filled(order)

    async def _filled(self, order: GridOrder) -> None:
        del self.orders[order.id]
        self.round_trips += 1
        if order.side == "buy":
            await self._place("sell", order.price + self.config.step)
        else:
            await self._place("buy", order.price - self.config.step)

    async def _catch_up(self) -> None:
        """Fills the stream did not tell us about (while it was down): an order we track that
        is no longer active was filled (or cancelled by someone else)."""
        tracked = list(self.orders)
        active = await self._call(self.private.GetActiveOrders,
                                  pv.OrdersRequest(assetPairId=self.config.pair, take=1000))
        active = {o.id: o for o in active}
        for order_id in tracked:
            order = self.orders.get(order_id)
            if order is None:
                continue
            if order_id in active:
                order.filled = Decimal(active[order_id].filledVolume or 0)
                continue
            found = await self._call(self.private.GetOrder, pv.OrderRequest(orderId=order_id))
            if found.status == MATCHED:
                await self._filled(order)
            else:
                del self.orders[order_id]


def main() -> None:
    p = argparse.ArgumentParser(description="A grid bot for the Lykke HFT API v2 (gRPC).")
    p.add_argument("--target", default="hft-apiv2-grpc.lykke.com:443")
    p.add_argument("--api-key", required=True)
    p.add_argument("--pair", default="BTCUSD")
    p.add_argument("--levels", type=int, default=3)
    p.add_argument("--step", type=Decimal, default=Decimal("10"))
    p.add_argument("--volume", type=Decimal, default=Decimal("0.01"))
    p.add_argument("--insecure", action="store_true", help="plaintext (a local mock)")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = Config(args.target, args.api_key, args.pair, args.levels, args.step, args.volume,
                    tls=not args.insecure)
    asyncio.run(GridBot(config).run())


if __name__ == "__main__":
    main()
