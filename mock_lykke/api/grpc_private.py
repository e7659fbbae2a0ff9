"""gRPC `hft.PrivateService`: every method needs `authorization: Bearer <key>` metadata
(BEHAVIOUR.md §2, §11.2). Each method translates the request, calls the engine with the
caller's account and translates the answer; the rules are the engine's."""
from __future__ import annotations

from ..engine.errors import ApiError, Code, ServerCrash
from ..engine.exchange import check_bulk_size
from ..engine.orders import BUY, SELL, BulkItem
from ..proto import privateService_pb2 as pv
from . import convert_grpc as convert
from .grpc_public import GrpcFront

MAX_TAKE = 1000
REST_TAKE = 100             # what an unset take means with quirk grpc-take-rules off


class PrivateFront(GrpcFront):
    descriptor = pv.DESCRIPTOR.services_by_name["PrivateService"]
    private = True
    unimplemented = {"GetOrderUpdates": "get-order-updates-unimplemented"}

    def _take(self, take: int, zero_means: int) -> int:
        if take == 0:
            return zero_means if self.quirks["grpc-take-rules"] else REST_TAKE
        return take

    def _check_order_id(self, order_id: str) -> None:
        """The history service fails on ids that are not GUIDs."""
        if (order_id and not convert.is_guid(order_id)
                and self.quirks["grpc-non-uuid-order-id-unknown"]):
            raise ServerCrash(f"order id {order_id!r} is not a GUID")

    # --- balances and orders ----------------------------------------------------------------
    def GetBalances(self, request, account):
        return pv.BalancesResponse(payload=[convert.balance(b, self.quirks)
                                            for b in self.exchange.balances(account)])

    def PlaceLimitOrder(self, request, account):
        price = convert.decimal(request.price, "price", self.quirks)
        volume = convert.decimal(request.volume, "volume", self.quirks)
        order_id = self.exchange.place_limit(account, request.assetPairId,
                                             convert.side(request.side), volume, price)
        return pv.LimitOrderResponse(payload=pv.LimitOrderResponse.LimitOrderPayload(
            orderId=order_id))

    def PlaceMarketOrder(self, request, account):
        volume = convert.decimal(request.volume, "volume", self.quirks)
        order_id, price = self.exchange.place_market(account, request.assetPairId,
                                                     convert.side(request.side), volume)
        return pv.MarketOrderResponse(payload=pv.MarketOrderResponse.MarketOrderPayload(
            orderId=order_id, price=convert.fmt_double(price)))

    def PlaceBulkLimitOrder(self, request, account):
        check_bulk_size(len(request.orders))        # before 100 000 decimals are parsed
        items = []
        for o in request.orders:
            volume = convert.decimal(o.volume, "volume", self.quirks)
            price = convert.decimal(o.price, "price", self.quirks)
            items.append(BulkItem(convert.side(o.side), volume, price, o.oldId or None))
        mode = None
        if request.HasField("cancelMode"):
            mode = convert.CANCEL_MODES.get(request.cancelMode)
            if mode is None:
                raise ServerCrash(f"unknown cancel mode {request.cancelMode}")
        result = self.exchange.place_bulk(account, request.assetPairId, items,
                                          request.cancelPreviousOrders, mode)
        return pv.BulkLimitOrderResponse(
            payload=convert.bulk_payload(request.assetPairId, result, self.quirks))

    def GetOrder(self, request, account):
        if not request.orderId:
            raise ApiError(Code.invalidField, "OrderId is required")
        self._check_order_id(request.orderId)
        order = self.exchange.get_order(account, request.orderId)
        if order is None:
            if self.quirks["grpc-empty-not-found"]:
                return pv.OrderResponse()
            raise ApiError(Code.itemNotFound, "Order not found")
        return pv.OrderResponse(payload=convert.order(order))

    def _orders(self, request, account, active: bool):
        orders = self.exchange.orders(account, active, request.assetPairId or None,
                                      request.offset, self._take(request.take, MAX_TAKE))
        return pv.OrdersResponse(payload=[convert.order(o) for o in orders])

    def GetActiveOrders(self, request, account):
        return self._orders(request, account, True)

    def GetClosedOrders(self, request, account):
        return self._orders(request, account, False)

    def CancelAllOrders(self, request, account):
        # `side` is a plain enum: unset reads as buy (quirk grpc-cancel-all-default-buy);
        # an out-of-range value is the only way to say "both sides".
        if request.side == pv.buy:
            side = BUY if self.quirks["grpc-cancel-all-default-buy"] else None
        else:
            side = SELL if request.side == pv.sell else None
        self.exchange.cancel_all(account, request.assetPairId or None, side)
        return pv.CancelOrderResponse(payload=True)

    def CancelOrder(self, request, account):
        self.exchange.cancel_order(account, request.orderId)
        return pv.CancelOrderResponse(payload=True)

    # --- trades and history -------------------------------------------------------------------
    def GetTrades(self, request, account):
        side = convert.side(request.side) if request.HasField("side") else None
        from_ms = convert.ms_of(getattr(request, "from")) if request.HasField("from") else None
        to_ms = convert.ms_of(request.to) if request.HasField("to") else None
        trades = self.exchange.trades(account, request.assetPairId or None, side,
                                      request.offset, self._take(request.take, MAX_TAKE),
                                      from_ms, to_ms)
        return pv.TradesResponse(payload=[convert.trade(t) for t in trades])

    def GetOrderTrades(self, request, account):
        self._check_order_id(request.orderId)
        trades = self.exchange.order_trades(account, request.orderId)
        return pv.TradesResponse(payload=[convert.trade(t) for t in trades])

    def GetOperationsHistory(self, request, account):
        ops = self.exchange.operations(account, request.offset, self._take(request.take, 0))
        return pv.GetOperationsHistoryResponse(operations=[convert.operation(o) for o in ops])

    # --- deposits and withdrawals ---------------------------------------------------------------
    def CreateDepositAddresses(self, request, account):
        self.exchange.create_deposit_addresses(account)
        return pv.CreateDepositAddressesResponse()

    def GetDepositAddress(self, request, account):
        address = self.exchange.deposit_address(account, request.assetId)
        if address is None:
            return pv.GetDepositAddressResponse()
        return pv.GetDepositAddressResponse(payload=convert.deposit_address(address))

    def GetDepositAddresses(self, request, account):
        return pv.GetDepositAddressesResponse(payload=[
            convert.deposit_address(a) for a in self.exchange.deposit_addresses(account)])

    def CreateWithdrawal(self, request, account):
        volume = convert.decimal(request.volume, "volume", self.quirks)
        extension = (request.destinationAddressExtension.value
                     if request.HasField("destinationAddressExtension") else None)
        op_id = self.exchange.create_withdrawal(account, request.requestId, request.assetId,
                                                volume, request.destinationAddress, extension)
        return pv.CreateWithdrawalResponse(payload=op_id)

    # --- streams ---------------------------------------------------------------------------------
    def GetBalanceUpdates(self, request, account):
        return self.hub.open_balances(account)

    def GetTradeUpdates(self, request, account):
        return self.hub.open_trades(account)

    def GetOrderUpdates(self, request, account):
        return self.hub.open_orders(account)
