import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from . import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssetPairRequest(_message.Message):
    __slots__ = ("assetPairId",)
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    def __init__(self, assetPairId: _Optional[str] = ...) -> None: ...

class AssetRequest(_message.Message):
    __slots__ = ("assetId",)
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    assetId: str
    def __init__(self, assetId: _Optional[str] = ...) -> None: ...

class OrderbookRequest(_message.Message):
    __slots__ = ("assetPairId", "depth")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    depth: int
    def __init__(self, assetPairId: _Optional[str] = ..., depth: _Optional[int] = ...) -> None: ...

class TickersRequest(_message.Message):
    __slots__ = ("assetPairIds",)
    ASSETPAIRIDS_FIELD_NUMBER: _ClassVar[int]
    assetPairIds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, assetPairIds: _Optional[_Iterable[str]] = ...) -> None: ...

class PricesRequest(_message.Message):
    __slots__ = ("assetPairIds",)
    ASSETPAIRIDS_FIELD_NUMBER: _ClassVar[int]
    assetPairIds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, assetPairIds: _Optional[_Iterable[str]] = ...) -> None: ...

class PublicTradesRequest(_message.Message):
    __slots__ = ("assetPairId", "offset", "take")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    offset: int
    take: int
    def __init__(self, assetPairId: _Optional[str] = ..., offset: _Optional[int] = ..., take: _Optional[int] = ...) -> None: ...

class PriceUpdatesRequest(_message.Message):
    __slots__ = ("assetPairIds",)
    ASSETPAIRIDS_FIELD_NUMBER: _ClassVar[int]
    assetPairIds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, assetPairIds: _Optional[_Iterable[str]] = ...) -> None: ...

class OrderbookUpdatesRequest(_message.Message):
    __slots__ = ("assetPairId", "assetPairIds")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    ASSETPAIRIDS_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    assetPairIds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, assetPairId: _Optional[str] = ..., assetPairIds: _Optional[_Iterable[str]] = ...) -> None: ...

class PublicTradesUpdatesRequest(_message.Message):
    __slots__ = ("assetPairId",)
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    def __init__(self, assetPairId: _Optional[str] = ...) -> None: ...

class AssetPairResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: AssetPair
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Union[AssetPair, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class AssetPairsResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[AssetPair]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[AssetPair, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class AssetResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: Asset
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Union[Asset, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class AssetsResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[Asset]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[Asset, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class OrderbookResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[Orderbook]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[Orderbook, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class TickersResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[TickerUpdate]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[TickerUpdate, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class PricesResponse(_message.Message):
    __slots__ = ("payload", "error")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    payload: _containers.RepeatedCompositeFieldContainer[PriceUpdate]
    error: _common_pb2.Error
    def __init__(self, payload: _Optional[_Iterable[_Union[PriceUpdate, _Mapping]]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ...) -> None: ...

class AssetPair(_message.Message):
    __slots__ = ("assetPairId", "baseAssetId", "quoteAssetId", "name", "priceAccuracy", "baseAssetAccuracy", "quoteAssetAccuracy", "minVolume", "minOppositeVolume")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    BASEASSETID_FIELD_NUMBER: _ClassVar[int]
    QUOTEASSETID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICEACCURACY_FIELD_NUMBER: _ClassVar[int]
    BASEASSETACCURACY_FIELD_NUMBER: _ClassVar[int]
    QUOTEASSETACCURACY_FIELD_NUMBER: _ClassVar[int]
    MINVOLUME_FIELD_NUMBER: _ClassVar[int]
    MINOPPOSITEVOLUME_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    baseAssetId: str
    quoteAssetId: str
    name: str
    priceAccuracy: int
    baseAssetAccuracy: int
    quoteAssetAccuracy: int
    minVolume: str
    minOppositeVolume: str
    def __init__(self, assetPairId: _Optional[str] = ..., baseAssetId: _Optional[str] = ..., quoteAssetId: _Optional[str] = ..., name: _Optional[str] = ..., priceAccuracy: _Optional[int] = ..., baseAssetAccuracy: _Optional[int] = ..., quoteAssetAccuracy: _Optional[int] = ..., minVolume: _Optional[str] = ..., minOppositeVolume: _Optional[str] = ...) -> None: ...

class Asset(_message.Message):
    __slots__ = ("assetId", "name", "symbol", "accuracy")
    ASSETID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    assetId: str
    name: str
    symbol: str
    accuracy: int
    def __init__(self, assetId: _Optional[str] = ..., name: _Optional[str] = ..., symbol: _Optional[str] = ..., accuracy: _Optional[int] = ...) -> None: ...

class Orderbook(_message.Message):
    __slots__ = ("assetPairId", "timestamp", "bids", "asks")
    class PriceVolume(_message.Message):
        __slots__ = ("p", "v")
        P_FIELD_NUMBER: _ClassVar[int]
        V_FIELD_NUMBER: _ClassVar[int]
        p: str
        v: str
        def __init__(self, p: _Optional[str] = ..., v: _Optional[str] = ...) -> None: ...
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    BIDS_FIELD_NUMBER: _ClassVar[int]
    ASKS_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    timestamp: _timestamp_pb2.Timestamp
    bids: _containers.RepeatedCompositeFieldContainer[Orderbook.PriceVolume]
    asks: _containers.RepeatedCompositeFieldContainer[Orderbook.PriceVolume]
    def __init__(self, assetPairId: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., bids: _Optional[_Iterable[_Union[Orderbook.PriceVolume, _Mapping]]] = ..., asks: _Optional[_Iterable[_Union[Orderbook.PriceVolume, _Mapping]]] = ...) -> None: ...

class PublicTradeUpdate(_message.Message):
    __slots__ = ("trades",)
    TRADES_FIELD_NUMBER: _ClassVar[int]
    trades: _containers.RepeatedCompositeFieldContainer[PublicTrade]
    def __init__(self, trades: _Optional[_Iterable[_Union[PublicTrade, _Mapping]]] = ...) -> None: ...

class PublicTrade(_message.Message):
    __slots__ = ("id", "assetPairId", "dateTime", "volume", "price", "side")
    ID_FIELD_NUMBER: _ClassVar[int]
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    DATETIME_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    id: str
    assetPairId: str
    dateTime: _timestamp_pb2.Timestamp
    volume: str
    price: str
    side: str
    def __init__(self, id: _Optional[str] = ..., assetPairId: _Optional[str] = ..., dateTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., volume: _Optional[str] = ..., price: _Optional[str] = ..., side: _Optional[str] = ...) -> None: ...

class PriceUpdate(_message.Message):
    __slots__ = ("assetPairId", "bid", "ask", "timestamp")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    bid: str
    ask: str
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, assetPairId: _Optional[str] = ..., bid: _Optional[str] = ..., ask: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TickerUpdate(_message.Message):
    __slots__ = ("assetPairId", "volumeBase", "volumeQuote", "priceChange", "lastPrice", "high", "low", "timestamp")
    ASSETPAIRID_FIELD_NUMBER: _ClassVar[int]
    VOLUMEBASE_FIELD_NUMBER: _ClassVar[int]
    VOLUMEQUOTE_FIELD_NUMBER: _ClassVar[int]
    PRICECHANGE_FIELD_NUMBER: _ClassVar[int]
    LASTPRICE_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    assetPairId: str
    volumeBase: str
    volumeQuote: str
    priceChange: str
    lastPrice: str
    high: str
    low: str
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, assetPairId: _Optional[str] = ..., volumeBase: _Optional[str] = ..., volumeQuote: _Optional[str] = ..., priceChange: _Optional[str] = ..., lastPrice: _Optional[str] = ..., high: _Optional[str] = ..., low: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
