"""A client generated from one upstream proto set, run in its own process (so its stubs never
meet the project's own in one descriptor pool).

    python client_script.py <proto dir> <grpc target>

Compiles the protos into a temporary folder, calls every RPC the set defines against the
server, and prints one JSON object of facts (the test asserts on them). Exits 1 with the
traceback on any unexpected failure.
"""
from __future__ import annotations

import json
import sys
import tempfile
import traceback
from pathlib import Path

import grpc
import grpc_tools
from grpc_tools import protoc

TRADER = (("authorization", "Bearer demo-trader-key"),)
MARKET = (("authorization", "Bearer demo-market-key"),)
TIMEOUT = 10


def compile_protos(proto_dir: Path, out: Path) -> None:
    include = Path(grpc_tools.__file__).parent / "_proto"
    files = sorted(str(p) for p in proto_dir.glob("*.proto"))
    args = ["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out}",
            f"--grpc_python_out={out}", *files]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")


def main(proto_dir: str, target: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="contract-"))
    compile_protos(Path(proto_dir), out)
    sys.path.insert(0, str(out))
    import isalive_pb2
    import isalive_pb2_grpc
    import privateService_pb2 as pv
    import privateService_pb2_grpc
    import publicService_pb2 as pb
    import publicService_pb2_grpc
    from google.protobuf.empty_pb2 import Empty

    facts: dict = {}
    channel = grpc.insecure_channel(target)
    pub = publicService_pb2_grpc.PublicServiceStub(channel)
    priv = privateService_pb2_grpc.PrivateServiceStub(channel)
    mon = isalive_pb2_grpc.MonitoringStub(channel)
    has = {m.name for m in pv.DESCRIPTOR.services_by_name["PrivateService"].methods} | \
        {m.name for m in pb.DESCRIPTOR.services_by_name["PublicService"].methods}
    facts["methods"] = sorted(has)

    # --- public unary ------------------------------------------------------------------------
    facts["IsAlive"] = mon.IsAlive(isalive_pb2.IsAliveRequest(), timeout=TIMEOUT).name
    facts["GetAssetPairs"] = [p.assetPairId for p in pub.GetAssetPairs(Empty()).payload]
    facts["GetAssetPair"] = pub.GetAssetPair(pb.AssetPairRequest(assetPairId="BTCUSD")).payload.minVolume
    facts["GetAssetPair.error"] = pub.GetAssetPair(pb.AssetPairRequest(assetPairId="X")).error.code
    facts["GetAssets"] = len(pub.GetAssets(Empty()).payload)
    facts["GetAsset"] = pub.GetAsset(pb.AssetRequest(assetId="BTC")).payload.accuracy
    book = pub.GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD")).payload[0]
    facts["GetOrderbooks"] = [[x.p, x.v] for x in book.asks]
    facts["GetTickers"] = len(pub.GetTickers(pb.TickersRequest()).payload)
    facts["GetPrices"] = [[p.bid, p.ask] for p in
                          pub.GetPrices(pb.PricesRequest(assetPairIds=["BTCUSD"])).payload]

    # --- streams opened before the trading below -----------------------------------------------
    prices = pub.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]), timeout=TIMEOUT)
    facts["GetPriceUpdates.snapshot"] = next(prices).ask
    books = pub.GetOrderbookUpdates(pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"), timeout=TIMEOUT)
    facts["GetOrderbookUpdates.snapshot"] = [[x.p, x.v] for x in next(books).bids]
    tickers = pub.GetTickerUpdates(Empty(), timeout=TIMEOUT)
    tickers.initial_metadata()                      # subscribed (no snapshot)
    balances = priv.GetBalanceUpdates(Empty(), metadata=TRADER, timeout=TIMEOUT)
    facts["GetBalanceUpdates.snapshot"] = sorted(b.assetId for b in next(balances).balances)
    trades = priv.GetTradeUpdates(Empty(), metadata=TRADER, timeout=TIMEOUT)
    trades.initial_metadata()
    if "GetOrderUpdates" in has:
        orders = priv.GetOrderUpdates(Empty(), metadata=TRADER, timeout=TIMEOUT)
        orders.initial_metadata()
    if "GetPublicTradeUpdates" in has:
        public = pub.GetPublicTradeUpdates(pb.PublicTradesUpdatesRequest(assetPairId="BTCUSD"),
                                           timeout=TIMEOUT)
        facts["GetPublicTradeUpdates.snapshot"] = len(next(public).trades)

    # --- private unary -------------------------------------------------------------------------
    facts["GetBalances"] = {b.assetId: b.available for b in
                            priv.GetBalances(Empty(), metadata=TRADER).payload}
    r = priv.PlaceLimitOrder(pv.LimitOrderRequest(assetPairId="BTCUSD", side=pv.buy,
                                                  volume="0.1", price="9995"), metadata=TRADER)
    order_id = r.payload.orderId
    facts["PlaceLimitOrder"] = bool(order_id)
    bad = priv.PlaceLimitOrder(pv.LimitOrderRequest(assetPairId="BTCUSD", volume="1",
                                                    price="-1"), metadata=TRADER)
    facts["PlaceLimitOrder.error"] = [bad.error.code, bad.error.message]
    facts["GetPriceUpdates.update"] = next(prices).bid
    facts["GetOrderbookUpdates.update"] = [[x.p, x.v] for x in next(books).bids]
    facts["GetBalanceUpdates.update"] = [[b.assetId, b.reserved] for b in next(balances).balances]
    if "GetOrderUpdates" in has:
        facts["GetOrderUpdates"] = [[o.id == order_id, o.status] for o in next(orders).orders]
    if "GetOrder" in has:
        facts["GetOrder"] = priv.GetOrder(pv.OrderRequest(orderId=order_id), metadata=TRADER).payload.status
    facts["GetActiveOrders"] = [o.id == order_id for o in
                                priv.GetActiveOrders(pv.OrdersRequest(), metadata=TRADER).payload]
    facts["CancelOrder"] = priv.CancelOrder(pv.CancelOrderRequest(orderId=order_id),
                                            metadata=TRADER).payload
    m = priv.PlaceMarketOrder(pv.MarketOrderRequest(assetPairId="BTCUSD", side=pv.buy,
                                                    volume="0.5"), metadata=TRADER)
    facts["PlaceMarketOrder"] = m.payload.price
    trade = next(trades).trades[0]
    facts["GetTradeUpdates"] = [trade.orderId == m.payload.orderId, trade.role, trade.HasField("fee")]
    facts["GetTickerUpdates"] = next(tickers).lastPrice
    if "GetPublicTradeUpdates" in has:
        facts["GetPublicTradeUpdates.update"] = [[t.side, t.price] for t in next(public).trades]
    listed = priv.GetTrades(pv.TradesRequest(), metadata=TRADER).payload
    facts["GetTrades"] = [[t.orderId == m.payload.orderId, t.role, t.fee.assetId] for t in listed]
    facts["GetOrderTrades"] = len(priv.GetOrderTrades(
        pv.OrderTradesRequest(orderId=m.payload.orderId), metadata=TRADER).payload)
    bulk = priv.PlaceBulkLimitOrder(pv.BulkLimitOrderRequest(assetPairId="BTCUSD", orders=[
        pv.BulkOrder(side=pv.buy, volume="0.1", price="9000"),
        pv.BulkOrder(side=pv.sell, volume="0.1", price="11000")]), metadata=TRADER)
    facts["PlaceBulkLimitOrder"] = [[s.error, s.volume, s.price] for s in bulk.payload.statuses]
    facts["CancelAllOrders"] = priv.CancelAllOrders(pv.CancelOrdersRequest(side=pv.sell),
                                                    metadata=TRADER).payload
    facts["GetClosedOrders"] = sorted(o.status for o in priv.GetClosedOrders(
        pv.OrdersRequest(), metadata=TRADER).payload)
    if "GetPublicTrades" in has:
        facts["GetPublicTrades"] = [[t.side, t.price] for t in pub.GetPublicTrades(
            pb.PublicTradesRequest(assetPairId="BTCUSD", take=5)).trades]
    if "GetOperationsHistory" in has:
        facts["GetOperationsHistory"] = len(priv.GetOperationsHistory(
            pv.GetOperationsHistoryRequest(take=10), metadata=TRADER).operations)
        facts["CreateDepositAddresses"] = priv.CreateDepositAddresses(
            Empty(), metadata=TRADER).error.code
        facts["GetDepositAddresses"] = len(priv.GetDepositAddresses(Empty(), metadata=TRADER).payload)
        facts["GetDepositAddress"] = priv.GetDepositAddress(
            pv.GetDepositAddressRequest(assetId="BTC"), metadata=TRADER).error.code
        facts["CreateWithdrawal"] = priv.CreateWithdrawal(pv.CreateWithdrawalRequest(
            requestId="r1", assetId="BTC", volume="0.1", destinationAddress="a"),
            metadata=TRADER).error.code
    try:
        priv.GetBalances(Empty())
    except grpc.RpcError as e:
        facts["unauthenticated"] = e.code().name
    for call in (prices, books, tickers, balances, trades):
        call.cancel()
    if "GetOrderUpdates" in has:
        orders.cancel()
    if "GetPublicTradeUpdates" in has:
        public.cancel()
    channel.close()
    return facts


if __name__ == "__main__":
    try:
        print(json.dumps(main(sys.argv[1], sys.argv[2])))
    except Exception:
        traceback.print_exc()
        sys.exit(1)
