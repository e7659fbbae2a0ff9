"""The committed stubs in mock_lykke/proto must match protos/ (regenerate with
`python -m mock_lykke.proto.generate` when this fails)."""
import ast
import importlib
import importlib.resources
import re
import sys

from google.protobuf import descriptor_pb2

from mock_lykke.proto.generate import FILES, generate


def _embedded_descriptor(generated_source: str) -> descriptor_pb2.FileDescriptorProto:
    """The serialized descriptor a generated _pb2 module embeds (without importing it,
    which would clash with the committed stubs in the default descriptor pool)."""
    literal = re.search(r"AddSerializedFile\((b'.*?')\)\n", generated_source, re.S).group(1)
    return descriptor_pb2.FileDescriptorProto.FromString(ast.literal_eval(literal))


def test_committed_stubs_match_protos(tmp_path):
    pkg = tmp_path / "fresh_stubs"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    generate(pkg)
    sys.path.insert(0, str(tmp_path))
    try:
        for proto in FILES:
            name = proto.removesuffix(".proto") + "_pb2"
            committed = importlib.import_module(f"mock_lykke.proto.{name}")
            fresh_text = (pkg / f"{name}.py").read_text()
            # the serialized descriptor is embedded in the generated module
            fdp = descriptor_pb2.FileDescriptorProto()
            committed.DESCRIPTOR.CopyToProto(fdp)
            assert fdp.name == proto
            fresh = _embedded_descriptor(fresh_text)
            assert fresh == fdp, f"{name}: stubs are stale, run python -m mock_lykke.proto.generate"
            grpc_name = f"{name}_grpc.py"
            committed_grpc = (importlib.resources.files("mock_lykke.proto") / grpc_name).read_text()
            assert committed_grpc == (pkg / grpc_name).read_text(), f"{grpc_name} is stale"
    finally:
        sys.path.remove(str(tmp_path))


def test_superset_serves_every_rpc_of_both_contracts():
    from mock_lykke.proto import privateService_pb2, publicService_pb2
    private = {m.name for m in privateService_pb2.DESCRIPTOR.services_by_name["PrivateService"].methods}
    public = {m.name for m in publicService_pb2.DESCRIPTOR.services_by_name["PublicService"].methods}
    assert {"GetOrderUpdates", "GetOrder", "GetOperationsHistory", "CreateWithdrawal",
            "CreateDepositAddresses", "GetDepositAddress", "GetDepositAddresses"} <= private
    assert {"GetPublicTrades", "GetPublicTradeUpdates", "GetOrderbookUpdates"} <= public
    payload = privateService_pb2.BulkLimitOrderResponse.BulkLimitOrderPayload.DESCRIPTOR
    assert "statuses" in payload.fields_by_name and payload.fields_by_name["statuses"].number == 3
    assert 2 not in [f.number for f in payload.fields]
