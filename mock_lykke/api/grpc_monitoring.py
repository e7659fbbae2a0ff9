"""gRPC `common.Monitoring/IsAlive` (anonymous; BEHAVIOUR.md §7.1, §11.3), and the standard
health and reflection services as MockServer serves them."""
from __future__ import annotations

from datetime import datetime, timezone

import grpc
from google.protobuf import message_factory
from grpc_health.v1 import health, health_pb2
from grpc_reflection.v1alpha import reflection, reflection_pb2

from ..proto import isalive_pb2
from .grpc_public import GrpcFront

SERVICE_NAME = "Lykke.HftApi"


def started_at_text(ms: int) -> str:
    """`yyyy-MM-dd HH:mm:ss`, UTC."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class MonitoringFront(GrpcFront):
    descriptor = isalive_pb2.DESCRIPTOR.services_by_name["Monitoring"]

    def IsAlive(self, request, account):
        return isalive_pb2.IsAliveResponce(name=SERVICE_NAME, version=self.mock.version,
                                           startedAt=started_at_text(self.mock.started_at),
                                           env="", hostname=self.mock.host_name)


# --- health and reflection ------------------------------------------------------------------
class Servicer:
    """A grpcio servicer (health, reflection) served through grpc_public.Services: a method's
    handler is made from the service descriptor on its first call."""
    _makers = {(False, False): grpc.unary_unary_rpc_method_handler,
               (False, True): grpc.unary_stream_rpc_method_handler,
               (True, False): grpc.stream_unary_rpc_method_handler,
               (True, True): grpc.stream_stream_rpc_method_handler}

    def __init__(self, servicer, descriptor):
        self.servicer = servicer
        self.descriptor = descriptor

    def handler(self, name: str):
        m = self.descriptor.methods_by_name.get(name)
        if m is None:
            return None
        make = self._makers[m.client_streaming, m.server_streaming]
        request = message_factory.GetMessageClass(m.input_type)
        response = message_factory.GetMessageClass(m.output_type)
        return make(getattr(self.servicer, name), request_deserializer=request.FromString,
                    response_serializer=response.SerializeToString)


HEALTH = health_pb2.DESCRIPTOR.services_by_name["Health"]
_reflection: dict[tuple, Servicer] = {}


def reflection_servicer(service_names: list[str]) -> Servicer:
    """Reflection of these services plus health and reflection: one servicer shared by every
    server (it holds nothing but the names)."""
    names = tuple(service_names) + (health.SERVICE_NAME, reflection.SERVICE_NAME)
    found = _reflection.get(names)
    if found is None:
        found = _reflection[names] = Servicer(
            reflection.aio.ReflectionServicer(list(names)),
            reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"])
    return found
