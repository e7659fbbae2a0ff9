"""No route or RPC shows or changes another account's data.

A victim account has open and closed orders, trades, operations, deposit addresses and a
withdrawal; an attacker with its own valid key calls every private REST route and every
private RPC, aiming at the victim's ids where a call takes one. The victim's state stays the
same, and no answer (nor any message on the attacker's streams) carries the victim's order,
trade or operation ids, its wallet id or its deposit address."""
from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import grpc
from google.protobuf import message_factory
from google.protobuf.empty_pb2 import Empty

from mock_lykke.api import rest
from mock_lykke.proto import privateService_pb2 as pv
from test_reliability_support import TIMEOUT, bearer, key, md, observable, serve, until, world

ATTACKER, VICTIM = 0, 1
REQUEST_ID = "shared-request-id"
UNKNOWN_ID = "0b6c7f5e-3a1d-4c2e-9f8a-1d2e3f4a5b6c"
PRIVATE = pv.DESCRIPTOR.services_by_name["PrivateService"]


def victim_world():
    ex = world()
    victim = ex.account("u1")
    ex.set_balance(victim, "BTC", Decimal("7"))
    ex.place_limit(victim, "BTCUSD", "buy", Decimal("0.2"), Decimal("9000"))
    ex.place_limit(victim, "BTCUSD", "sell", Decimal("0.2"), Decimal("11000"))
    cancelled = ex.place_limit(victim, "BTCUSD", "sell", Decimal("0.1"), Decimal("12000"))
    ex.cancel_order(victim, cancelled)
    ex.place_market(victim, "BTCUSD", "buy", Decimal("0.3"))            # trades
    ex.deposit(victim, "BTC", Decimal("1"))
    victim.deposit_state = "Active"
    ex.create_withdrawal(victim, REQUEST_ID, "BTC", Decimal("0.5"), "victim-address")
    return ex


def secrets(ex) -> list[str]:
    """Everything of the victim's that no other account may see."""
    victim = ex.account("u1")
    out = [victim.wallet_id, victim.client_id]
    out += [o.id for o in ex.history.orders.values() if o.wallet_id == victim.wallet_id]
    out += [t.id for t in ex.history.trades(victim.wallet_id, None, None, 0, 10**9, None, None)]
    out += [op.id for op in ex.history.operations(victim.wallet_id, 0, 10**9)]
    out += [a.address for a in ex.deposit_addresses(victim) if a.address]
    return out


def victim_state(ex) -> tuple:
    victim = ex.account("u1")
    wallet = victim.wallet_id
    balances, orders, trades, _, _ = observable(ex)
    ops = [op.id for op in ex.history.operations(wallet, 0, 10**9)]
    return ([b for b in balances if b[0] == "u1"], [o for o in orders if o[1] == wallet],
            [t for t in trades if t[1] == wallet], ops, victim.deposit_state,
            dict(victim.withdrawal_requests))


def _no_id(text: str):
    """A REST answer with the echoed order id (the error's `fields` key) taken out."""
    data = json.loads(text)
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        fields = data["error"].get("fields") or {}
        data["error"]["fields"] = sorted(fields.values())
    return data


def _order_ids(ex) -> list[str]:
    wallet = ex.account("u1").wallet_id
    return [o.id for o in ex.history.orders.values() if o.wallet_id == wallet]


def _grpc_requests(method, order_ids):
    """Requests aimed at the victim: its order ids, its withdrawal request id, any side."""
    cls = message_factory.GetMessageClass(method.input_type)
    names = {f.name for f in cls.DESCRIPTOR.fields}
    yield cls()
    if "orderId" in names:
        for order_id in order_ids:
            yield cls(orderId=order_id)
    if "assetPairId" in names:
        yield cls(assetPairId="BTCUSD")
    if method.name == "CancelAllOrders":
        yield cls(side=pv.sell)
        yield cls(side=7)
    if method.name == "PlaceBulkLimitOrder":
        for order_id in order_ids:
            yield cls(assetPairId="BTCUSD", cancelPreviousOrders=True, cancelMode=pv.bothSides,
                      orders=[pv.BulkOrder(side=side, volume="0.01", price="9500",
                                           oldId=order_id) for side in (pv.buy, pv.sell)])
    if method.name == "CreateWithdrawal":
        yield cls(requestId=REQUEST_ID, assetId="BTC", volume="0.01", destinationAddress="x")
    if method.name == "GetDepositAddress":
        yield cls(assetId="BTC")
    if method.name == "GetTrades":
        yield cls(side=pv.buy, take=1000)


async def test_no_rpc_shows_or_changes_another_accounts_data():
    ex = victim_world()
    hidden, before, order_ids = secrets(ex), victim_state(ex), _order_ids(ex)
    calls = 0
    async with serve(ex) as s:
        meta = md(key(ATTACKER))
        for method in PRIVATE.methods:
            if method.server_streaming:
                continue
            resp_cls = message_factory.GetMessageClass(method.output_type)
            call = s.channel.unary_unary(f"/hft.PrivateService/{method.name}",
                                         request_serializer=None,
                                         response_deserializer=resp_cls.FromString)
            for request in _grpc_requests(method, order_ids):
                try:
                    answer = await call(request.SerializeToString(), metadata=meta,
                                        timeout=TIMEOUT)
                except grpc.aio.AioRpcError as e:
                    assert e.code() == grpc.StatusCode.UNKNOWN, (method.name, e)
                    continue
                text = str(answer)
                assert not [h for h in hidden if h in text], (method.name, request)
                if "orderId" in request.DESCRIPTOR.fields_by_name and request.orderId:
                    # the victim's order answers exactly as an order that does not exist
                    unknown = await call(type(request)(orderId=UNKNOWN_ID).SerializeToString(),
                                         metadata=meta, timeout=TIMEOUT)
                    assert answer == unknown, (method.name, answer, unknown)
                assert victim_state(ex) == before, (method.name, request)
                calls += 1
    assert calls > 30
    ex.check_invariants()


async def test_no_route_shows_or_changes_another_accounts_data():
    ex = victim_world()
    hidden, before, order_ids = secrets(ex), victim_state(ex), _order_ids(ex)
    bodies = {
        "/api/orders/limit": [{"assetPairId": "BTCUSD", "side": "sell", "volume": 0.01,
                               "price": 9950}],
        "/api/orders/market": [{"assetPairId": "BTCUSD", "side": "sell", "volume": 0.01}],
        "/api/orders/bulk": [{"assetPairId": "BTCUSD", "cancelPreviousOrders": True,
                              "cancelMode": "bothSides",
                              "orders": [{"orderAction": "buy", "volume": 0.01, "price": 9500,
                                          "oldId": order_id}]} for order_id in order_ids],
        "/api/operations/withdrawals": [{"assetId": "BTC", "volume": 0.01,
                                         "destinationAddress": "x"}],
    }
    calls = 0
    async with serve(ex) as s:
        for r in rest.ROUTES:
            if not r.private:
                continue
            paths = [r.template]
            if "{orderId}" in r.template:
                paths = [r.template.replace("{orderId}", i) for i in order_ids]
                paths += [p.upper() for p in paths]
            elif "{assetId}" in r.template:
                paths = [r.template.replace("{assetId}", "BTC")]
            for path in paths:
                for body in bodies.get(r.template, [None]):
                    headers = {**bearer(key(ATTACKER)), "X-Request-ID": REQUEST_ID}
                    async with s.http.request(r.method, s.url + path, json=body,
                                              headers=headers) as resp:
                        text = await resp.text()
                    echo = path.rsplit("/", 1)[1]
                    if "{orderId}" in r.template:    # as an order that does not exist
                        other = path.replace(echo, UNKNOWN_ID)
                        async with s.http.request(r.method, s.url + other, json=body,
                                                  headers=headers) as resp2:
                            assert (resp2.status, _no_id(await resp2.text())) == (
                                resp.status, _no_id(text)), path
                    assert resp.status in (200, 204), (path, resp.status, text)
                    # GET by id echoes the id it was given (the `fields` key): not a leak
                    leaks = [h for h in hidden if h in text.lower() and h != echo.lower()]
                    assert not leaks, (path, text)
                    assert victim_state(ex) == before, (r.method, path, body)
                    calls += 1
    assert calls > 30
    ex.check_invariants()


async def test_private_streams_carry_only_their_own_account():
    ex = victim_world()
    async with serve(ex) as s:
        meta = md(key(ATTACKER))
        calls = [s.priv.GetBalanceUpdates(Empty(), metadata=meta),
                 s.priv.GetTradeUpdates(Empty(), metadata=meta),
                 s.priv.GetOrderUpdates(Empty(), metadata=meta)]
        for call in calls:
            await asyncio.wait_for(call.initial_metadata(), TIMEOUT)
        got: list[list] = [[] for _ in calls]
        progress = asyncio.Event()

        async def read(i, call):
            while (msg := await call.read()) is not grpc.aio.EOF:
                got[i].append(msg)
                progress.set()
        tasks = [asyncio.create_task(read(i, c)) for i, c in enumerate(calls)]
        await until(lambda: got[0], progress)                  # the balance snapshot
        victim, market = ex.account("u1"), ex.account("market")
        ex.place_limit(victim, "BTCUSD", "buy", Decimal("0.1"), Decimal("9100"))
        ex.place_market(victim, "BTCUSD", "sell", Decimal("0.05"))
        ex.place_limit(market, "BTCUSD", "sell", Decimal("0.05"), Decimal("9100"))
        ex.cancel_all(victim)
        ex.clock.advance(30_000)                # a keep-alive on each: everything before it
        await until(lambda: len(got[0]) >= 2 and got[1] and got[2], progress)
        hidden = secrets(ex)
        for messages in got:
            for msg in messages:
                assert not [h for h in hidden if h in str(msg)]
        assert got[1] == [type(got[1][0])()] and got[2] == [type(got[2][0])()]  # keep-alives
        assert got[0][-1] == got[0][0]          # the balance keep-alive repeats the snapshot
        for call, task in zip(calls, tasks):
            call.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
