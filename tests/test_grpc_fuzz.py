"""hypothesis over the gRPC front: requests of every private and public unary method with
drawn fields (hostile decimals: `1e1000000`, a million digits, a million decimals; any
text; any int32/int64; open enums; long bulk lists). Each answer is one the real server
gives (a payload, an error envelope, or its own crash `UNKNOWN` "Exception was thrown by
handler."), no call fails with an unexpected exception (the front logs those), and a
rejected call changes nothing. (test_reliability_input.py walks fixed bad values field by
field; this one lets hypothesis find the rest.)"""
from __future__ import annotations

import asyncio
import logging
import os
import threading

import grpc
import pytest
from google.protobuf import message_factory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_lykke.proto import privateService_pb2 as pv, publicService_pb2 as pb
from mock_lykke.server import MockServer
from mock_lykke.state import Mock
from test_reliability_support import TIMEOUT, key, md, observable, world

EXAMPLES = int(os.environ.get("MOCK_LYKKE_FUZZ_EXAMPLES", "30"))    # per method
CRASH_DETAILS = "Exception was thrown by handler."
HOSTILE = ["1e1000000", "9" * 1_000_003, "0." + "0" * 1_000_000 + "1", "-" + "9" * 5000,
           "79228162514264337593543950336", "NaN", "Infinity", "", " ", "1,000.5", "0x10",
           "１２", "\x00", "BTCUSD", "BTC", "0.001", "5000", "-1", "0", "10010"]
TEXT = st.sampled_from(HOSTILE) | st.text(max_size=30)
METHODS = [(svc, m) for svc, desc in (
    ("hft.PublicService", pb.DESCRIPTOR.services_by_name["PublicService"]),
    ("hft.PrivateService", pv.DESCRIPTOR.services_by_name["PrivateService"]))
    for m in desc.methods if not m.server_streaming]


def _value(field, depth: int):
    if field.message_type is not None:
        name = field.message_type.name
        if name == "Timestamp":
            return st.builds(dict, seconds=st.integers(-2**40, 2**40),
                             nanos=st.integers(0, 999_999_999))
        if name == "StringValue":
            return st.builds(dict, value=TEXT)
        return _message(field.message_type, depth + 1)
    if field.type == field.TYPE_STRING:
        return TEXT
    if field.type == field.TYPE_ENUM:
        return st.integers(-3, 9)
    if field.type == field.TYPE_BOOL:
        return st.booleans()
    bits = 32 if field.type in (field.TYPE_INT32, field.TYPE_SINT32) else 64
    return st.integers(-2**(bits - 1), 2**(bits - 1) - 1)


def _message(desc, depth: int = 0):
    fields = {}
    for f in desc.fields:
        value = _value(f, depth)
        fields[f.name] = st.lists(value, max_size=4) if f.is_repeated else value
    cls = message_factory.GetMessageClass(desc)
    return st.fixed_dictionaries({}, optional=fields).map(lambda kw: cls(**kw))


class _Server:
    """A MockServer in a thread with its own loop (hypothesis calls it synchronously)."""

    def __init__(self, mock: Mock):
        self.mock = mock

    def __enter__(self) -> str:
        self.loop = asyncio.new_event_loop()
        ready, self.stop = threading.Event(), None

        async def main():
            self.stop = asyncio.Event()
            async with MockServer(self.mock) as server:
                self.target = server.grpc_target
                ready.set()
                await self.stop.wait()

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(main(),),
                                       daemon=True)
        self.thread.start()
        assert ready.wait(TIMEOUT), "the gRPC server did not start"
        return self.target

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(TIMEOUT)
        self.loop.close()


@pytest.fixture(scope="module")
def live():
    mock = Mock(world())
    with _Server(mock) as target, grpc.insecure_channel(target) as channel:
        yield channel, mock


@pytest.mark.parametrize("service, method", METHODS, ids=[m.name for _, m in METHODS])
def test_fuzz_rpc(live, service, method, caplog):
    channel, mock = live
    resp_cls = message_factory.GetMessageClass(method.output_type)
    call = channel.unary_unary(f"/{service}/{method.name}",
                               request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=resp_cls.FromString)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(request=_message(method.input_type))
    def run(request):
        before = observable(mock.exchange)
        caplog.clear()
        try:
            answer = call(request, metadata=md(key(0)), timeout=60)
            rejected = "error" in resp_cls.DESCRIPTOR.fields_by_name and answer.HasField("error")
        except grpc.RpcError as e:
            assert (e.code(), e.details()) == (grpc.StatusCode.UNKNOWN, CRASH_DETAILS), \
                (e.code(), e.details())
            rejected = True
        unexpected = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not unexpected, unexpected
        if rejected:
            assert observable(mock.exchange) == before

    with caplog.at_level(logging.ERROR):
        run()
    mock.exchange.check_invariants()
