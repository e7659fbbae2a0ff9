"""Regenerate the committed gRPC stubs from protos/ (needs grpcio-tools).

    python -m mock_lykke.proto.generate

The stubs are committed so that `pip install .` needs no code generator; the test
tests/test_stubs.py fails when they no longer match protos/.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTOS = HERE.parent.parent / "protos"
FILES = ("common.proto", "isalive.proto", "publicService.proto", "privateService.proto")


def generate(out_dir: Path, proto_dir: Path = PROTOS) -> None:
    """Compile proto_dir's files into out_dir, with package-relative imports."""
    import grpc_tools
    from grpc_tools import protoc

    include = str(Path(grpc_tools.__file__).parent / "_proto")
    args = ["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out_dir}",
            f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}"]
    if protoc.main(args + [str(proto_dir / f) for f in FILES]) != 0:
        raise RuntimeError("protoc failed")
    for path in Path(out_dir).glob("*_pb2*.py*"):
        text = path.read_text()
        fixed = re.sub(r"^import (\w+_pb2) as", r"from . import \1 as", text, flags=re.M)
        if fixed != text:
            path.write_text(fixed)


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
