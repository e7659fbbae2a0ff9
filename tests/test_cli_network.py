"""serve's network arguments: port checks, clash messages, the host warning and the banner's
address; and IsAlive's host name, the same on both fronts."""
from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace

import aiohttp
import grpc
import pytest

from mock_lykke import cli
from mock_lykke.proto import isalive_pb2, isalive_pb2_grpc
from mock_lykke.server import MockServer, address
from test_cli import FakeServer
from test_scenario_support import SCENARIOS, world


@pytest.mark.parametrize("option, value, said", [
    ("--grpc-port", "99999", "argument --grpc-port: 99999 is not a port (0..65535)"),
    ("--grpc-port", "-1", "argument --grpc-port: -1 is not a port (0..65535)"),
    ("--rest-port", "70000", "argument --rest-port: 70000 is not a port (0..65535)"),
    ("--rest-port", "http", "argument --rest-port: 'http' is not a port number"),
])
def test_a_port_out_of_range_exits_2_with_a_clear_message(capsys, option, value, said):
    with pytest.raises(SystemExit) as exit:
        cli.main(["serve", option, value])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_the_server_refuses_a_port_out_of_range():
    with pytest.raises(ValueError, match="grpc_port must be 0..65535"):
        MockServer(world().mock, grpc_port=99999)


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.mark.parametrize("front, option", [("gRPC", "--grpc-port"), ("REST", "--rest-port")])
def test_a_port_clash_says_which_port_and_address(capfd, busy_port, front, option):
    other = "--rest-port" if option == "--grpc-port" else "--grpc-port"
    code = cli.main(["serve", "--scenario", str(SCENARIOS / "basic.yaml"),
                     option, str(busy_port), other, "0"])
    assert code == cli.EXIT_FAIL
    err = capfd.readouterr().err                  # file descriptor 2: grpc's C core's too
    assert err == (f"mock-lykke: cannot serve: cannot bind {front} to 127.0.0.1:{busy_port}: "
                   "the address is in use\n")


def test_an_unknown_host_is_a_clean_error(capfd):
    code = cli.main(["serve", "--scenario", str(SCENARIOS / "basic.yaml"), "--host",
                     "no-such-host.invalid", "--grpc-port", "5999", "--rest-port", "0"])
    assert code == cli.EXIT_FAIL
    err = capfd.readouterr().err
    assert err.startswith("mock-lykke: cannot serve: cannot bind gRPC to "
                          "no-such-host.invalid:5999: ") and err.count("\n") == 1


class BoundServer(FakeServer):
    """FakeServer serving on every interface."""
    last = None

    def __init__(self, mock, host, grpc_port, rest_port, **options):
        super().__init__(mock, "127.0.0.1", grpc_port, rest_port)
        self.bound = {"grpc": f"{host}:{grpc_port}", "rest": f"{host}:{rest_port}"}
        BoundServer.last = options


def _run(host, **more):
    args = SimpleNamespace(host=host, grpc_port=5001, rest_port=5000, ready_file=None, **more)
    mock = world().mock
    return asyncio.run(cli.run_server(mock, args, BoundServer))


def test_every_interface_warns_and_the_banner_says_so(capsys):
    assert _run("0.0.0.0") == 0
    out, err = capsys.readouterr()
    assert "gRPC   0.0.0.0:5001  (every interface; here 127.0.0.1:5001)" in out
    assert "REST   http://0.0.0.0:5000  (every interface; here http://127.0.0.1:5000)" in out
    assert err.startswith("mock-lykke: warning: --host 0.0.0.0 opens the control API")
    assert "--control-token" in err


def test_a_token_and_allowed_hosts_reach_the_server(capsys):
    assert _run("10.0.0.5", control_token="t0k", allow_host=["mock", "*"]) == 0
    assert BoundServer.last == {"control_token": "t0k", "allow_hosts": ("mock", "*")}
    err = capsys.readouterr().err
    assert "note: --host 10.0.0.5" in err and "needs the --control-token" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_serves_without_a_warning(capsys, host):
    assert _run(host) == 0
    assert "warning" not in capsys.readouterr().err


def test_addresses_of_a_server_as_bound():
    server = MockServer(world().mock, host="0.0.0.0", grpc_port=5001, rest_port=5000)
    assert server.bound == {"grpc": "0.0.0.0:5001", "rest": "0.0.0.0:5000"}
    assert server.grpc_target == "127.0.0.1:5001"
    assert address("::1", 5001) == "[::1]:5001" and address("[::1]", 1) == "[::1]:1"


def test_the_options_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MOCK_LYKKE_CONTROL_TOKEN", "from-env")
    monkeypatch.setenv("MOCK_LYKKE_ALLOW_HOST", "mock, other")
    args = cli._parser().parse_args(["serve", "--allow-host", "third"])
    assert args.control_token == "from-env"
    assert args.allow_host == ["mock", "other", "third"]


async def test_isalive_names_the_same_host_on_both_fronts():
    mock = world().mock
    async with MockServer(mock) as server:
        async with grpc.aio.insecure_channel(server.grpc_target) as ch, \
                aiohttp.ClientSession() as http:
            stub = isalive_pb2_grpc.MonitoringStub(ch)

            async def names():
                g = await stub.IsAlive(isalive_pb2.IsAliveRequest())
                async with http.get(server.rest_url + "/api/isalive") as r:
                    return g.hostname, (await r.json())["hostName"]
            assert await names() == ("mock-lykke", "mock-lykke")
            mock.host_name = "pod-7"
            assert await names() == ("pod-7", "pod-7")
