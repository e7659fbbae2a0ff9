from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    success: _ClassVar[ErrorCode]
    runtimeError: _ClassVar[ErrorCode]
    itemNotFound: _ClassVar[ErrorCode]
    invalidField: _ClassVar[ErrorCode]
    actionForbidden: _ClassVar[ErrorCode]
    meBadRequest: _ClassVar[ErrorCode]
    meLowBalance: _ClassVar[ErrorCode]
    meAlreadyProcessed: _ClassVar[ErrorCode]
    meDisabledAsset: _ClassVar[ErrorCode]
    meUnknownAsset: _ClassVar[ErrorCode]
    meNoLiquidity: _ClassVar[ErrorCode]
    meNotEnoughFunds: _ClassVar[ErrorCode]
    meDust: _ClassVar[ErrorCode]
    meReservedVolumeHigherThanBalance: _ClassVar[ErrorCode]
    meNotFound: _ClassVar[ErrorCode]
    meBalanceLowerThanReserved: _ClassVar[ErrorCode]
    meLeadToNegativeSpread: _ClassVar[ErrorCode]
    meTooSmallVolume: _ClassVar[ErrorCode]
    meInvalidFee: _ClassVar[ErrorCode]
    meInvalidPrice: _ClassVar[ErrorCode]
    meReplaced: _ClassVar[ErrorCode]
    meNotFoundPrevious: _ClassVar[ErrorCode]
    meDuplicate: _ClassVar[ErrorCode]
    meInvalidVolumeAccuracy: _ClassVar[ErrorCode]
    meInvalidPriceAccuracy: _ClassVar[ErrorCode]
    meInvalidVolume: _ClassVar[ErrorCode]
    meTooHighPriceDeviation: _ClassVar[ErrorCode]
    meInvalidOrderValue: _ClassVar[ErrorCode]
    meRuntime: _ClassVar[ErrorCode]
success: ErrorCode
runtimeError: ErrorCode
itemNotFound: ErrorCode
invalidField: ErrorCode
actionForbidden: ErrorCode
meBadRequest: ErrorCode
meLowBalance: ErrorCode
meAlreadyProcessed: ErrorCode
meDisabledAsset: ErrorCode
meUnknownAsset: ErrorCode
meNoLiquidity: ErrorCode
meNotEnoughFunds: ErrorCode
meDust: ErrorCode
meReservedVolumeHigherThanBalance: ErrorCode
meNotFound: ErrorCode
meBalanceLowerThanReserved: ErrorCode
meLeadToNegativeSpread: ErrorCode
meTooSmallVolume: ErrorCode
meInvalidFee: ErrorCode
meInvalidPrice: ErrorCode
meReplaced: ErrorCode
meNotFoundPrevious: ErrorCode
meDuplicate: ErrorCode
meInvalidVolumeAccuracy: ErrorCode
meInvalidPriceAccuracy: ErrorCode
meInvalidVolume: ErrorCode
meTooHighPriceDeviation: ErrorCode
meInvalidOrderValue: ErrorCode
meRuntime: ErrorCode

class Error(_message.Message):
    __slots__ = ("code", "message", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    code: ErrorCode
    message: str
    fields: _containers.ScalarMap[str, str]
    def __init__(self, code: _Optional[_Union[ErrorCode, str]] = ..., message: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...
