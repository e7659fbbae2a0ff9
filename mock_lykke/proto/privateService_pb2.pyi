import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import wrappers_pb2 as _wrappers_pb2
from . import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Side(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    buy: _ClassVar[Side]
    sell: _ClassVar[Side]

class CancelMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    notEmptySide: _ClassVar[CancelMode]
    bothSides: _ClassVar[CancelMode]
    sellSide: _ClassVar[CancelMode]
    buySide: _ClassVar[CancelMode]

class BulkErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    invalidInputField: _ClassVar[BulkErrorCode]
    rejected: _ClassVar[BulkErrorCode]
    runtime: _ClassVar[BulkErrorCode]
buy: Side
sell: Side
notEmptySide: CancelMode
bothSides: CancelMode
sellSide: CancelMode
buySide: CancelMode
invalidInputField: BulkErrorCode
rejected: BulkErrorCode
runtime: BulkErrorCode

class LimitOrderRequest(_message.Message):
    __slots__ = ("assetPairId", "side", "volume", "price")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    side: Side
    volume: str
    price: str
    def __init__(self, assetPairId: _Optional[str] = ..., side: _Optional[_Union[Side, str]] = ..., volume: _Optional[str] = ..., price: _Optional[str] = ...) -> None: ...

class BulkLimitOrderRequest(_message.Message):
    __slots__ = ("assetPairId", "cancelPreviousOrders", "cancelMode", "orders")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    CANCELPREVIOUSORDERS_FIELD_NUMBER: _ClassVar[int]
    CANCELMODE_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    cancelPreviousOrders: bool
    cancelMode: CancelMode
    orders: _containers.RepeatedCompositeFieldContainer[BulkOrder]
    def __init__(self, assetPairId: _Optional[str] = ..., cancelPreviousOrders: _Optional[bool] = ..., cancelMode: _Optional[_Union[CancelMode, str]] = ..., orders: _Optional[_Iterable[_Union[BulkOrder, _Mapping]]] = ...) -> None: ...

class BulkOrder(_message.Message):
    __slots__ = ("side", "volume", "price", "oldId")
    SIDE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    OLDID_FIELD_NUMBER: _ClassVar[int]
    side: Side
    volume: str
    price: str
    oldId: str
    def __init__(self, side: _Optional[_Union[Side, str]] = ..., volume: _Optional[str] = ..., price: _Optional[str] = ..., oldId: _Optional[str] = ...) -> None: ...

class MarketOrderRequest(_message.Message):
    __slots__ = ("assetPairId", "side", "volume")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    side: Side
    volume: str
    def __init__(self, assetPairId: _Optional[str] = ..., side: _Optional[_Union[Side, str]] = ..., volume: _Optional[str] = ...) -> None: ...

class OrderRequest(_message.Message):
    __slots__ = ("orderId",)
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    orderId: str
    def __init__(self, orderId: _Optional[str] = ...) -> None: ...

class OrdersRequest(_message.Message):
    __slots__ = ("assetPairId", "offset", "take")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    offset: int
    take: int
    def __init__(self, assetPairId: _Optional[str] = ..., offset: _Optional[int] = ..., take: _Optional[int] = ...) -> None: ...

class CancelOrdersRequest(_message.Message):
    __slots__ = ("assetPairId", "side")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    side: Side
    def __init__(self, assetPairId: _Optional[str] = ..., side: _Optional[_Union[Side, str]] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("orderId",)
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    orderId: str
    def __init__(self, orderId: _Optional[str] = ...) -> None: ...

class TradesRequest(_message.Message):
    __slots__ = ("assetPairId", "side", "offset", "take", "to")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    side: Side
    offset: int
    take: int
    to: _timestamp_pb2.Timestamp
    def __init__(self, assetPairId: _Optional[str] = ..., side: _Optional[_Union[Side, str]] = ..., offset: _Optional[int] = ..., take: _Optional[int] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class GetOperationsHistoryRequest(_message.Message):
    __slots__ = ("offset", "take")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    offset: int
    take: int
    def __init__(self, offset: _Optional[int] = ..., take: _Optional[int] = ...) -> None: ...

class OrderTradesRequest(_message.Message):
    __slots__ = ("orderId",)
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    orderId: str
    def __init__(self, orderId: _Optional[str] = ...) -> None: ...

class BalancesResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[Balance]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[Balance, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class LimitOrderResponse(_message.Message):
    __slots__ = ("payload", "error")
    class LimitOrderPayload(_message.Message):
        __slots__ = ("orderId",)
        ORDERID_FIELD_NUMBER: _ClassVar[int]
        orderId: str
        def __init__(self, orderId: _Optional[str] = ...) -> None: ...
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: LimitOrderResponse.LimitOrderPayload
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Union[LimitOrderResponse.LimitOrderPayload, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class BulkLimitOrderResponse(_message.Message):
    __slots__ = ("payload", "error")
    class BulkLimitOrderPayload(_message.Message):
        __slots__ = ("assetPairId", "statuses")
        ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
        STATUSES_FIELD_NUMBER: _ClassVar[int]
        assetPairId: str
        statuses: _containers.RepeatedCompositeFieldContainer[BulkOrderItemStatus]
        def __init__(self, assetPairId: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[BulkOrderItemStatus, _Mapping]]] = ...) -> None: ...
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: BulkLimitOrderResponse.BulkLimitOrderPayload
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Union[BulkLimitOrderResponse.BulkLimitOrderPayload, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class BulkOrderItemStatus(_message.Message):
    __slots__ = ("id", "error", "volume", "price")
    ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    id: str
    error: _common_pb2.ErrorCode
    volume: str
    price: str
    def __init__(self, id: _Optional[str] = ..., error: _Optional[_Union[_common_pb2.ErrorCode, str]] = ..., volume: _Optional[str] = ..., price: _Optional[str] = ...) -> None: ...

class MarketOrderResponse(_message.Message):
    __slots__ = ("payload", "error")
    class MarketOrderPayload(_message.Message):
        __slots__ = ("orderId", "price")
        ORDERID_FIELD_NUMBER: _ClassVar[int]
        PRICE_FIELD_NUMBER: _ClassVar[int]
        orderId: str
        price: str
        def __init__(self, orderId: _Optional[str] = ..., price: _Optional[str] = ...) -> None: ...
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: MarketOrderResponse.MarketOrderPayload
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Union[MarketOrderResponse.MarketOrderPayload, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class OrderResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: Order
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Union[Order, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class OrdersResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[Order]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class CancelOrderResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: bool
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[bool] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class TradesResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[Trade]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[Trade, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("assetId", "available", "reserved", "timestamp")
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    assetId: str
    available: str
    reserved: str
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, assetId: _Optional[str] = ..., available: _Optional[str] = ..., reserved: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "timestamp", "lastTradeTimestamp", "status", "assetPairId", "type", "side", "price", "volume", "filledVolume", "remainingVolume", "cost")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LASTTRADETIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    FILLEDVOLUME_FIELD_NUMBER: _ClassVar[int]
    REMAININGVOLUME_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    id: str
    timestamp: _timestamp_pb2.Timestamp
    lastTradeTimestamp: _timestamp_pb2.Timestamp
    status: str
    assetPairId: str
    type: str
    side: Side
    price: str
    volume: str
    filledVolume: str
    remainingVolume: str
    cost: str
    def __init__(self, id: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lastTradeTimestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., assetPairId: _Optional[str] = ..., type: _Optional[str] = ..., side: _Optional[_Union[Side, str]] = ..., price: _Optional[str] = ..., volume: _Optional[str] = ..., filledVolume: _Optional[str] = ..., remainingVolume: _Optional[str] = ..., cost: _Optional[str] = ...) -> None: ...

class Trade(_message.Message):
    __slots__ = ("id", "timestamp", "assetPairId", "orderId", "role", "price", "baseVolume", "quoteVolume", "baseAssetId", "quoteAssetId", "fee", "side")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    ORDERID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    BASEVOLUME_FIELD_NUMBER: _ClassVar[int]
    QUOTEVOLUME_FIELD_NUMBER: _ClassVar[int]
    BASEASSETID_FIELD_NUMBER: _ClassVar[int]
    QUOTEASSETID_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    id: str
    timestamp: _timestamp_pb2.Timestamp
    assetPairId: str
    orderId: str
    role: str
    price: str
    baseVolume: str
    quoteVolume: str
    baseAssetId: str
    quoteAssetId: str
    fee: TradeFee
    side: Side
    def __init__(self, id: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., assetPairId: _Optional[str] = ..., orderId: _Optional[str] = ..., role: _Optional[str] = ..., price: _Optional[str] = ..., baseVolume: _Optional[str] = ..., quoteVolume: _Optional[str] = ..., baseAssetId: _Optional[str] = ..., quoteAssetId: _Optional[str] = ..., fee: _Optional[_Union[TradeFee, _Mapping]] = ..., side: _Optional[_Union[Side, str]] = ...) -> None: ...

class TradeFee(_message.Message):
    __slots__ = ("size", "assetId")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    size: str
    assetId: str
    def __init__(self, size: _Optional[str] = ..., assetId: _Optional[str] = ...) -> None: ...

class BalanceUpdate(_message.Message):
    __slots__ = ("balances",)
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    balances: _containers.RepeatedCompositeFieldContainer[Balance]
    def __init__(self, balances: _Optional[_Iterable[_Union[Balance, _Mapping]]] = ...) -> None: ...

class OrderUpdate(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ...) -> None: ...

class TradeUpdate(_message.Message):
    __slots__ = ("trades",)
    TRADES_FIELD_NUMBER: _ClassVar[int]
    trades: _containers.RepeatedCompositeFieldContainer[Trade]
    def __init__(self, trades: _Optional[_Iterable[_Union[Trade, _Mapping]]] = ...) -> None: ...

class GetOperationsHistoryResponse(_message.Message):
    __slots__ = ("operations",)
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[OperationHistory]
    def __init__(self, operations: _Optional[_Iterable[_Union[OperationHistory, _Mapping]]] = ...) -> None: ...

class OperationHistory(_message.Message):
    __slots__ = ("operationId", "assetId", "totalVolume", "fee", "type", "timestamp", "blockchainHash")
    OPERATIONID_FIELD_NUMBER: _ClassVar[int]
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    TOTALVOLUME_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    BLOCKCHAINHASH_FIELD_NUMBER: _ClassVar[int]
    operationId: str
    assetId: str
    totalVolume: str
    fee: str
    type: str
    timestamp: _timestamp_pb2.Timestamp
    blockchainHash: _wrappers_pb2.StringValue
    def __init__(self, operationId: _Optional[str] = ..., assetId: _Optional[str] = ..., totalVolume: _Optional[str] = ..., fee: _Optional[str] = ..., type: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., blockchainHash: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ...) -> None: ...

class CreateDepositAddressesResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: _common_pb2.Error
    def __init__(self, error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class GetDepositAddressRequest(_message.Message):
    __slots__ = ("assetId",)
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    assetId: str
    def __init__(self, assetId: _Optional[str] = ...) -> None: ...

class GetDepositAddressResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: DepositAddress
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Union[DepositAddress, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class GetDepositAddressesResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[DepositAddress]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[DepositAddress, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class DepositAddress(_message.Message):
    __slots__ = ("address", "baseAddress", "addressExtension", "state", "assetId", "symbol")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BASEADDRESS_FIELD_NUMBER: _ClassVar[int]
    ADDRESSEXTENSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    address: _wrappers_pb2.StringValue
    baseAddress: _wrappers_pb2.StringValue
    addressExtension: _wrappers_pb2.StringValue
    state: str
    assetId: str
    symbol: str
    def __init__(self, address: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., baseAddress: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., addressExtension: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., state: _Optional[str] = ..., assetId: _Optional[str] = ..., symbol: _Optional[str] = ...) -> None: ...

class CreateWithdrawalRequest(_message.Message):
    __slots__ = ("requestId", "assetId", "volume", "destinationAddress", "destinationAddressExtension")
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    DESTINATIONADDRESS_FIELD_NUMBER: _ClassVar[int]
    DESTINATIONADDRESSEXTENSION_FIELD_NUMBER: _ClassVar[int]
    requestId: str
    assetId: str
    volume: str
    destinationAddress: str
    destinationAddressExtension: _wrappers_pb2.StringValue
    def __init__(self, requestId: _Optional[str] = ..., assetId: _Optional[str] = ..., volume: _Optional[str] = ..., destinationAddress: _Optional[str] = ..., destinationAddressExtension: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ...) -> None: ...

class CreateWithdrawalResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: str
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[str] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...
