"""A tiny gRPC bot for the dry-run tests: it keeps one buy order 5.00 below the best bid (so
its own order never makes the bid), moves it when the bid moves, sells at market every 7th
move, and once sends an order it cannot pay for.
It reads its endpoint and key from --grpc/--key or LYKKE_GRPC/LYKKE_API_KEY, works one call at
a time (so its requests arrive in the same order every run), and exits cleanly on SIGTERM."""
import argparse
import asyncio
import os
import signal
from decimal import Decimal

import grpc
from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import (privateService_pb2 as pv, privateService_pb2_grpc as pvg,
                              publicService_pb2 as pb, publicService_pb2_grpc as pbg)

PAIR = "BTCUSD"
OFFSET = Decimal("5.00")


async def run(target: str, key: str) -> None:
    meta = (("authorization", f"Bearer {key}"),)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with grpc.aio.insecure_channel(target) as channel:
        pub, priv = pbg.PublicServiceStub(channel), pvg.PrivateServiceStub(channel)
        await priv.GetBalances(Empty(), metadata=meta)
        prices = pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=[PAIR]))
        stopping = asyncio.ensure_future(stop.wait())
        order_id, quoted, moves = None, None, 0
        while True:
            reading = asyncio.ensure_future(prices.read())
            await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                reading.cancel()
                break
            msg = reading.result()
            if msg is grpc.aio.EOF:
                break
            bid, ask = Decimal(msg.bid or "0"), Decimal(msg.ask or "0")
            price = bid - OFFSET
            if not bid or not ask or price == quoted or price <= 0:
                continue
            moves += 1
            if order_id is not None:
                await priv.CancelOrder(pv.CancelOrderRequest(orderId=order_id), metadata=meta)
            placed = await priv.PlaceLimitOrder(pv.LimitOrderRequest(
                assetPairId=PAIR, side=pv.buy, volume="0.01", price=str(price)), metadata=meta)
            order_id = None if placed.HasField("error") else placed.payload.orderId
            quoted = price
            if moves % 7 == 0:
                await priv.PlaceMarketOrder(pv.MarketOrderRequest(
                    assetPairId=PAIR, side=pv.sell, volume="0.02"), metadata=meta)
            if moves == 3:                     # more than the account holds: a rejection
                await priv.PlaceLimitOrder(pv.LimitOrderRequest(
                    assetPairId=PAIR, side=pv.buy, volume="1000", price=str(bid)),
                    metadata=meta)
        prices.cancel()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--grpc", default=os.environ.get("LYKKE_GRPC"))
    p.add_argument("--key", default=os.environ.get("LYKKE_API_KEY"))
    args = p.parse_args()
    asyncio.run(run(args.grpc, args.key))


if __name__ == "__main__":
    main()
