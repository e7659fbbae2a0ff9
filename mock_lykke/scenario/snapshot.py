"""A canonical dump of the engine's whole state: balances, orders, trades, books, ids, times.

Two exchanges are in the same state exactly when their `snapshot_bytes` are equal (the journal
replay test and the control API's state route use it)."""
from __future__ import annotations

import json
from decimal import Decimal

from ..engine import Exchange
from ..engine.numbers import fmt_plain
from ..engine.orders import BUY, SELL

ALL = 1 << 62


def _d(value: Decimal | None) -> str | None:
    return None if value is None else fmt_plain(value)


def snapshot(ex: Exchange) -> dict:
    names = {acc.wallet_id: acc.name for acc in ex.accounts.values()}
    accounts, trades, operations = [], [], []
    for acc in ex.accounts.values():
        accounts.append({
            "name": acc.name, "apiKey": acc.api_key, "walletId": acc.wallet_id,
            "clientId": acc.client_id, "makerFee": _d(acc.maker_fee),
            "takerFee": _d(acc.taker_fee), "blocked": acc.blocked,
            "kycRequired": acc.kyc_required, "pendingDialogs": acc.pending_dialogs,
            "depositState": acc.deposit_state,
            "withdrawalRequests": dict(sorted(acc.withdrawal_requests.items())),
            "balances": {asset: {"total": _d(b.total), "reserved": _d(b.reserved),
                                 "timestamp": b.timestamp}
                         for asset, b in sorted(acc.balances.items())}})
        for t in reversed(ex.history.trades(acc.wallet_id, None, None, 0, ALL, None, None)):
            trades.append({"seq": t.seq, "id": t.id, "account": acc.name, "orderId": t.order_id,
                           "assetPairId": t.pair_id, "role": t.role, "side": t.side,
                           "price": _d(t.price), "baseVolume": _d(t.base_volume),
                           "quoteVolume": _d(t.quote_volume), "fee": _d(t.fee_size),
                           "feeAsset": t.fee_asset, "timestamp": t.timestamp})
        for op in reversed(ex.history.operations(acc.wallet_id, 0, ALL)):
            operations.append({"id": op.id, "account": acc.name, "assetId": op.asset_id,
                               "totalVolume": _d(op.total_volume), "fee": _d(op.fee),
                               "type": op.type, "timestamp": op.timestamp})
    trades.sort(key=lambda t: (t["seq"], t["account"]))
    orders = [{"seq": o.seq, "id": o.id, "account": names.get(o.wallet_id, o.wallet_id),
               "assetPairId": o.pair_id, "side": o.side, "type": o.type, "price": _d(o.price),
               "volume": _d(o.volume), "remaining": _d(o.remaining), "status": o.status,
               "created": o.created, "lastTrade": o.last_trade, "locked": _d(o.locked)}
              for o in sorted(ex.history.orders.values(), key=lambda o: o.seq)]
    books, public, prices = {}, {}, {}
    for pair_id in sorted(ex.books):
        book = ex.books[pair_id]
        books[pair_id] = {"timestamp": book.timestamp,
                          "bids": [[_d(p), _d(v)] for p, v in book.entries(BUY)],
                          "asks": [[_d(p), _d(v)] for p, v in book.entries(SELL)]}
        public[pair_id] = [{"id": t.id, "timestamp": t.timestamp, "price": _d(t.price),
                            "volume": _d(t.volume), "side": t.side}
                           for t in reversed(ex.history.public_trades(pair_id, 0, ALL))]
        m = ex.markets[pair_id]
        prices[pair_id] = {"bid": _d(m.bid), "ask": _d(m.ask), "timestamp": m.price_ts}
    return {"now": ex.clock.now(), "seed": ex.ids.seed, "idsIssued": ex.ids.count,
            "quirks": ex.quirks.as_dict(), "accounts": accounts, "orders": orders,
            "trades": trades, "publicTrades": public, "operations": operations,
            "books": books, "prices": prices}


def snapshot_bytes(ex: Exchange) -> bytes:
    """The canonical bytes of snapshot(ex): sorted keys, no spaces."""
    return json.dumps(snapshot(ex), sort_keys=True, separators=(",", ":")).encode()
