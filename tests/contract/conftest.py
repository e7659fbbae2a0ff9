"""The contract tests share the gRPC tests' world (tests/test_grpc_support.py)."""
import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parents[1])
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
