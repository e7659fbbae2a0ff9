"""`mock-lykke health`: wait until a mock is ready, for a container HEALTHCHECK, a CI step or
compose's `depends_on: condition: service_healthy` (no curl needed).

Ready means both ports serve and the scenario is loaded: the gRPC health service answers
SERVING for the whole server (`grpc.health.v1.Health/Check` with service ""; MockServer says
so only once its scenario has started) and REST `GET /api/isalive` answers 200.

Exit codes: 0 ready; 1 not ready when --timeout ran out (the last reason on stderr);
2 a bad command line or an unreadable --ca file.
"""
from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

EXIT_READY, EXIT_NOT_READY, EXIT_BAD = 0, 1, 2
RETRY_PAUSE = 0.2                       # seconds between two attempts
CALL_LIMIT = 5.0                        # seconds: the longest one call may take
# reconnect soon after "connection refused" (grpc's default backoff starts at 1 s, grows to 120 s)
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 100),
                   ("grpc.min_reconnect_backoff_ms", 100),
                   ("grpc.max_reconnect_backoff_ms", 500)]


class NotReady(Exception):
    """One attempt found the mock not (yet) ready; the message says why."""


def add_health_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "health", help="exit 0 once a mock is ready (both ports serve, scenario loaded)",
        description="Wait until a mock-lykke endpoint is ready: gRPC health SERVING and REST "
                    "/api/isalive 200. Exit 0 when ready, 1 when --timeout runs out, 2 on a "
                    "bad command line.")
    p.add_argument("--grpc", metavar="HOST:PORT",
                   help="the gRPC endpoint (default: from --ready-file, else "
                        "127.0.0.1:$MOCK_LYKKE_GRPC_PORT or 5001)")
    p.add_argument("--rest", metavar="URL",
                   help="the REST endpoint (default: from --ready-file, else "
                        "http(s)://127.0.0.1:$MOCK_LYKKE_REST_PORT or 5000)")
    p.add_argument("--ready-file", metavar="FILE", default=os.environ.get("MOCK_LYKKE_READY_FILE"),
                   help="the file `serve --ready-file` writes: endpoints, TLS and CA from it; "
                        "not ready until it exists (default: $MOCK_LYKKE_READY_FILE)")
    p.add_argument("--tls", action="store_true",
                   help="the mock serves TLS (serve --tls); trust the system's roots or --ca")
    p.add_argument("--ca", metavar="FILE", help="trust this CA certificate (PEM); implies --tls")
    p.add_argument("--timeout", metavar="SECONDS", type=float, default=30.0,
                   help="give up after this long (default 30; 0: one attempt)")
    p.add_argument("--quiet", action="store_true", help="print nothing when ready")
    p.set_defaults(run=cmd_health)
    return p


def cmd_health(args) -> int:
    if args.timeout < 0:
        print("mock-lykke health: --timeout must not be negative", file=sys.stderr)
        return EXIT_BAD
    fixed_ca = None
    if args.ca:
        try:
            fixed_ca = Path(args.ca).read_bytes()
        except OSError as e:
            print(f"mock-lykke health: cannot read {args.ca}: {e.strerror or e}", file=sys.stderr)
            return EXIT_BAD
    deadline = time.monotonic() + args.timeout
    checker = Checker()
    reason = "not tried"
    try:
        while True:
            try:
                grpc_target, rest_url, tls, ca = endpoints(args, fixed_ca)
                checker.check(grpc_target, rest_url, tls, ca, deadline)
            except NotReady as e:
                reason = str(e)
            else:
                if not args.quiet:
                    print(f"mock-lykke ready: gRPC {grpc_target}, REST {rest_url}", flush=True)
                return EXIT_READY
            if time.monotonic() + RETRY_PAUSE >= deadline:
                break
            time.sleep(RETRY_PAUSE)
    finally:
        checker.close()
    print(f"mock-lykke health: not ready after {args.timeout:g}s: {reason}", file=sys.stderr)
    return EXIT_NOT_READY


def endpoints(args, fixed_ca: bytes | None) -> tuple[str, str, bool, bytes | None]:
    """(gRPC target, REST URL, TLS?, CA PEM or None for the system's roots)."""
    tls = args.tls or fixed_ca is not None
    grpc_target, rest_url, ca = args.grpc, args.rest, fixed_ca
    if args.ready_file and not (grpc_target and rest_url):
        info = read_ready_file(Path(args.ready_file))
        grpc_target = grpc_target or info["grpc"]
        rest_url = rest_url or info["rest"]
        if info["rest"].startswith("https://"):
            tls = True
            if ca is None and info.get("caFile"):
                try:
                    ca = Path(info["caFile"]).read_bytes()
                except OSError as e:
                    raise NotReady(f"cannot read the CA file {info['caFile']}: "
                                   f"{e.strerror or e}") from None
    if grpc_target is None:
        grpc_target = f"127.0.0.1:{os.environ.get('MOCK_LYKKE_GRPC_PORT', '5001')}"
    if rest_url is None:
        scheme = "https" if tls else "http"
        rest_url = f"{scheme}://127.0.0.1:{os.environ.get('MOCK_LYKKE_REST_PORT', '5000')}"
    elif rest_url.startswith("https://"):
        tls = True
    return grpc_target, rest_url.rstrip("/"), tls, ca


def read_ready_file(path: Path) -> dict:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotReady(f"no ready file at {path} yet") from None
    except (OSError, ValueError) as e:
        raise NotReady(f"cannot read the ready file {path}: {e}") from None
    if not isinstance(info, dict) or not isinstance(info.get("grpc"), str) \
            or not isinstance(info.get("rest"), str):
        raise NotReady(f"the ready file {path} has no grpc and rest endpoints")
    return info


class Checker:
    """Checks one pair of endpoints; keeps its gRPC channel between attempts."""

    def __init__(self):
        self._channel = None
        self._key = None

    def check(self, grpc_target: str, rest_url: str, tls: bool, ca: bytes | None,
              deadline: float) -> None:
        self._check_grpc(grpc_target, tls, ca, deadline)
        self._check_rest(rest_url, ca, deadline)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def _channel_for(self, target: str, tls: bool, ca: bytes | None):
        import grpc
        key = (target, tls, ca)
        if self._key != key:
            self.close()
            if tls:
                credentials = grpc.ssl_channel_credentials(root_certificates=ca)
                self._channel = grpc.secure_channel(target, credentials, CHANNEL_OPTIONS)
            else:
                self._channel = grpc.insecure_channel(target, CHANNEL_OPTIONS)
            self._key = key
        return self._channel

    def _check_grpc(self, target: str, tls: bool, ca: bytes | None, deadline: float) -> None:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        stub = health_pb2_grpc.HealthStub(self._channel_for(target, tls, ca))
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""),
                               timeout=_call_time(deadline), wait_for_ready=True)
        except grpc.RpcError as e:
            raise NotReady(f"gRPC {target}: {e.code().name} {e.details() or ''}".rstrip()) \
                from None
        if reply.status != health_pb2.HealthCheckResponse.SERVING:
            name = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            raise NotReady(f"gRPC {target}: health {name}")

    def _check_rest(self, url: str, ca: bytes | None, deadline: float) -> None:
        context = None
        if url.startswith("https://"):
            context = ssl.create_default_context(cadata=ca.decode() if ca else None)
        try:
            with urllib.request.urlopen(url + "/api/isalive", timeout=_call_time(deadline),
                                        context=context) as reply:
                status = reply.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (OSError, ValueError) as e:
            raise NotReady(f"REST {url}: {getattr(e, 'reason', None) or e}") from None
        if status != 200:
            raise NotReady(f"REST {url}/api/isalive: HTTP {status}")


def _call_time(deadline: float) -> float:
    """How long one call may take: what is left, within (0.5 s, CALL_LIMIT)."""
    return min(CALL_LIMIT, max(0.5, deadline - time.monotonic()))
