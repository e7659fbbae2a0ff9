"""A bot in another language: Node.js with the real @grpc/grpc-js and @grpc/proto-loader,
compiling the upstream .proto files as they are (tests/node/client.js), over plaintext and
over TLS trusting the mock's CA through GRPC_DEFAULT_SSL_ROOTS_FILE_PATH.

The npm packages are installed once into a cache folder outside the repository
($MOCK_LYKKE_NODE_CACHE, default ~/.cache/mock-lykke/node); the tests skip, saying why,
without node or npm or when npm cannot install them."""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mock_lykke.server import MockServer
from mock_lykke.state import Mock
from mock_lykke.tls import make_tls
from test_grpc_support import make_exchange

HERE = Path(__file__).resolve().parent
NODE = HERE / "node"
PROTOS = (HERE.parent / ".." / "shared" / "reference" / "upstream").resolve()
SETS = ("protos-2020-docs", "protos-v2-server")
TIMEOUT = 120                    # a bound for a stuck subprocess, not a wait


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The folder holding node_modules with the two packages (installed on first use)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (apt-get install nodejs npm)")
    cache = Path(os.environ.get("MOCK_LYKKE_NODE_CACHE",
                                Path.home() / ".cache" / "mock-lykke" / "node"))
    cache.mkdir(parents=True, exist_ok=True)
    wanted = (NODE / "package.json").read_text()
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)            # one installer at a time (xdist workers)
        manifest = cache / "package.json"
        installed = all((cache / "node_modules" / "@grpc" / name / "package.json").is_file()
                        for name in ("grpc-js", "proto-loader"))
        if not installed or not manifest.is_file() or manifest.read_text() != wanted:
            manifest.write_text(wanted)
            try:
                done = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                                       "--no-package-lock", "--loglevel=error"],
                                      cwd=cache, capture_output=True, text=True, timeout=300)
            except subprocess.TimeoutExpired:
                pytest.skip("npm install of @grpc/grpc-js did not finish in 300 s")
            if done.returncode != 0:
                manifest.unlink()
                pytest.skip(f"npm could not install @grpc/grpc-js and @grpc/proto-loader: "
                            f"{done.stderr.strip()[-500:]}")
    return cache / "node_modules"


def proto_dir(name: str) -> Path:
    path = PROTOS / name
    if not path.is_dir():
        pytest.skip(f"upstream protos not found at {path} (the shared reference folder is "
                    "not next to this checkout)")
    return path


async def run_node(node_modules: Path, protos: Path, target: str, mode: str,
                   ca_file: Path | None = None) -> dict:
    env = dict(os.environ, NODE_PATH=str(node_modules))
    env.pop("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", None)
    if ca_file is not None:
        env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(ca_file)
    proc = await asyncio.create_subprocess_exec(
        "node", str(NODE / "client.js"), str(protos), target, "demo-trader-key", mode, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


EXPECTED = {
    "snapshot": {"asks": [["10010", "-1.5"]], "bids": [["9990", "2"]]},
    "streamSnapshot": [["9990", "2"]],
    "placed": True,
    "streamUpdate": [["9995", "0.1"]],
    "rejected": ["invalidField", "price cannot be less than zero."],
    "cancelled": True,
    "balances": {"BTC": "2", "ETH": "20", "USD": "50000", "EUR": "50000"},
}


@pytest.mark.parametrize("proto_set", SETS)
async def test_node_bot_over_plaintext(node_modules, proto_set):
    async with MockServer(Mock(make_exchange())) as server:
        facts = await run_node(node_modules, proto_dir(proto_set), server.grpc_target,
                               "plaintext")
    assert facts == EXPECTED


async def test_node_bot_over_tls_trusting_the_ca_through_the_variable(node_modules, tmp_path):
    tls = make_tls(directory=tmp_path)
    async with MockServer(Mock(make_exchange()), tls=tls) as server:
        target = f"localhost:{server.grpc_port}"
        facts = await run_node(node_modules, proto_dir("protos-v2-server"), target, "tls",
                               tls.ca_file)
        assert facts == EXPECTED
        # without the variable the same bot does not trust the mock
        env_free = run_node(node_modules, proto_dir("protos-v2-server"), target, "tls")
        with pytest.raises(AssertionError, match="UNAVAILABLE|certificate"):
            await env_free
