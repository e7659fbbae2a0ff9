"""REST and gRPC views of the same state agree, field by field, whichever front changed it."""
import json
from decimal import Decimal

from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import privateService_pb2 as pv, publicService_pb2 as pb


def ms(ts) -> int:
    return ts.seconds * 1000 + ts.nanos // 1_000_000


def rest(session, method, path, **kw):
    r = session.request(method, path, **kw)
    assert r.status_code == 200, r.text
    body = json.loads(r.text, parse_float=Decimal)
    assert body["error"] is None, body
    return body["payload"]


def test_both_fronts_show_the_same_state(lykke):
    http, stub, pub = lykke.http("trader"), lykke.private("trader"), lykke.public()
    # one order over REST, one over gRPC, a fill, a cancel
    rest(http, "POST", "/api/orders/limit",
         json={"assetPairId": "BTCUSD", "side": "buy", "volume": "0.01", "price": "9000"})
    reply = stub.PlaceLimitOrder(pv.LimitOrderRequest(assetPairId="BTCUSD", side=pv.sell,
                                                      volume="0.02", price="20000"))
    assert not reply.HasField("error")
    rest(http, "POST", "/api/orders/market", json={"assetPairId": "BTCUSD", "side": "buy",
                                                   "volume": "0.01"})
    lykke.advance("1s")

    balances = rest(http, "GET", "/api/balance")
    g_balances = stub.GetBalances(Empty()).payload
    assert len(balances) == len(g_balances) > 0
    for r, g in zip(balances, g_balances):
        assert (r["assetId"], r["available"], r["reserved"], r["timestamp"]) == (
            g.assetId, Decimal(g.available), Decimal(g.reserved), ms(g.timestamp))

    for path, call in (("/api/orders/active", stub.GetActiveOrders),
                       ("/api/orders/closed", stub.GetClosedOrders)):
        orders, g_orders = rest(http, "GET", path), call(pv.OrdersRequest(take=100)).payload
        assert len(orders) == len(g_orders) > 0
        for r, g in zip(orders, g_orders):
            assert (r["id"], r["timestamp"], r["status"], r["assetPairId"], r["type"],
                    r["side"].lower(), r["price"], r["volume"], r["filledVolume"],
                    r["remainingVolume"], r["cost"]) == (
                g.id, ms(g.timestamp), g.status, g.assetPairId, g.type,
                pv.Side.Name(g.side), Decimal(g.price), Decimal(g.volume),
                Decimal(g.filledVolume), Decimal(g.remainingVolume), Decimal(g.cost))
            last = ms(g.lastTradeTimestamp) if g.HasField("lastTradeTimestamp") else None
            assert r["lastTradeTimestamp"] == last

    trades, g_trades = rest(http, "GET", "/api/trades"), stub.GetTrades(pv.TradesRequest()).payload
    assert len(trades) == len(g_trades) > 0
    for r, g in zip(trades, g_trades):
        assert (r["id"], r["timestamp"], r["assetPairId"], r["orderId"], r["role"], r["side"],
                r["price"], r["baseVolume"], r["quoteVolume"], r["baseAssetId"],
                r["quoteAssetId"]) == (
            g.id, ms(g.timestamp), g.assetPairId, g.orderId, g.role, pv.Side.Name(g.side),
            Decimal(g.price), Decimal(g.baseVolume), Decimal(g.quoteVolume), g.baseAssetId,
            g.quoteAssetId)

    (book,) = rest(http, "GET", "/api/orderbooks", params={"assetPairId": "BTCUSD"})
    (g_book,) = pub.GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD")).payload
    assert book["timestamp"] == ms(g_book.timestamp)
    for side in ("bids", "asks"):
        assert [(e["p"], e["v"]) for e in book[side]] == [
            (Decimal(e.p), Decimal(e.v)) for e in getattr(g_book, side)]

    prices = rest(http, "GET", "/api/prices")
    g_prices = pub.GetPrices(pb.PricesRequest()).payload
    assert [(p["assetPairId"], p["bid"], p["ask"], p["timestamp"]) for p in prices] == [
        (p.assetPairId, Decimal(p.bid), Decimal(p.ask), ms(p.timestamp)) for p in g_prices]
