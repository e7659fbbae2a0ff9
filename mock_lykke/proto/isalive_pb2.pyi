from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class IsAliveRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class IsAliveResponce(_message.Message):
    __slots__ = ("name", "version", "startedAt", "env", "hostname")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STARTEDAT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    startedAt: str
    env: str
    hostname: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., startedAt: _Optional[str] = ..., env: _Optional[str] = ..., hostname: _Optional[str] = ...) -> None: ...
