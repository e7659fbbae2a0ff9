"""gRPC `common.Monitoring/IsAlive` (anonymous; BEHAVIOUR.md §7.1, §11.3)."""
from __future__ import annotations

import socket
from datetime import datetime, timezone

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
                                           env="", hostname=socket.gethostname())
