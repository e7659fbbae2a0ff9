"""`mock-lykke health` (mock_lykke/health.py) and the serve options' environment defaults."""
import asyncio
import json
import socket

import pytest

from mock_lykke import cli
from mock_lykke.scenario import build_mock, load_file
from mock_lykke.server import MockServer
from mock_lykke.tls import make_tls
from test_scenario_support import SCENARIOS


def world():
    return build_mock(load_file(SCENARIOS / "basic.yaml"))


async def health(*argv) -> int:
    """Run the blocking command off the loop that serves the mock."""
    return await asyncio.to_thread(cli.main, ["health", *argv])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_serving_mock_is_ready(capsys):
    async with MockServer(world()) as server:
        code = await health("--grpc", server.grpc_target, "--rest", server.rest_url,
                            "--timeout", "10")
    assert code == 0
    assert f"mock-lykke ready: gRPC {server.grpc_target}" in capsys.readouterr().out


async def test_nothing_listening_is_not_ready_once_the_timeout_runs_out(capsys):
    grpc_port, rest_port = free_port(), free_port()
    code = await health("--grpc", f"127.0.0.1:{grpc_port}",
                        "--rest", f"http://127.0.0.1:{rest_port}", "--timeout", "0.3")
    assert code == 1
    err = capsys.readouterr().err
    assert "not ready after 0.3s" in err and f"gRPC 127.0.0.1:{grpc_port}" in err


async def test_ports_that_serve_before_the_scenario_is_loaded_are_not_ready_yet(capsys):
    mock = world()
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow_load():
        entered.set()
        await release.wait()
    mock.on_start.insert(0, slow_load)
    server = MockServer(mock)
    starting = asyncio.create_task(server.start())
    await entered.wait()                   # both ports are bound, the scenario not started
    try:
        argv = ("--grpc", server.grpc_target, "--rest", server.rest_url)
        assert await health(*argv, "--timeout", "0") == 1
        assert "health NOT_SERVING" in capsys.readouterr().err
        release.set()
        await starting
        assert await health(*argv, "--timeout", "10") == 0
    finally:
        release.set()
        await starting
        await server.stop()


async def test_tls_with_the_mock_ca_and_without_it(tmp_path, capsys):
    tls = make_tls(directory=tmp_path)
    async with MockServer(world(), tls=tls) as server:
        assert server.rest_url.startswith("https://")
        argv = ("--grpc", server.grpc_target, "--rest", server.rest_url)
        assert await health(*argv, "--ca", str(tls.ca_file), "--timeout", "10") == 0
        capsys.readouterr()
        # the system's roots do not know the throwaway CA
        assert await health(*argv, "--tls", "--timeout", "0") == 1
        assert "gRPC" in capsys.readouterr().err


async def test_the_ready_file_gives_the_endpoints_tls_and_ca(tmp_path, capsys):
    ready = tmp_path / "ready.json"
    assert await health("--ready-file", str(ready), "--timeout", "0") == 1
    assert f"no ready file at {ready} yet" in capsys.readouterr().err
    tls = make_tls(directory=tmp_path)
    mock = world()
    async with MockServer(mock, tls=tls) as server:
        cli.write_atomic(ready, json.dumps(cli.ready_info(server, mock)))
        assert await health("--ready-file", str(ready), "--timeout", "10") == 0


async def test_the_ready_file_comes_from_the_environment(tmp_path, monkeypatch):
    ready = tmp_path / "ready.json"
    monkeypatch.setenv("MOCK_LYKKE_READY_FILE", str(ready))
    mock = world()
    async with MockServer(mock) as server:
        cli.write_atomic(ready, json.dumps(cli.ready_info(server, mock)))
        assert await health("--timeout", "10", "--quiet") == 0


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert cli.main(["health", "--ca", str(tmp_path / "nope.pem")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["health", "--timeout", "-1"]) == 2


def test_serve_takes_host_and_ports_from_the_environment(monkeypatch):
    monkeypatch.setenv("MOCK_LYKKE_HOST", "0.0.0.0")
    monkeypatch.setenv("MOCK_LYKKE_GRPC_PORT", "6001")
    monkeypatch.setenv("MOCK_LYKKE_REST_PORT", "6000")
    monkeypatch.setenv("MOCK_LYKKE_READY_FILE", "/tmp/ready.json")
    monkeypatch.setenv("MOCK_LYKKE_SCENARIO", "/s/x.yaml")
    args = cli._parser().parse_args(["serve"])
    assert (args.host, args.grpc_port, args.rest_port, args.ready_file, args.scenario) == \
        ("0.0.0.0", 6001, 6000, "/tmp/ready.json", "/s/x.yaml")
    args = cli._parser().parse_args(["serve", "--host", "127.0.0.1", "--grpc-port", "0"])
    assert (args.host, args.grpc_port) == ("127.0.0.1", 0)
    monkeypatch.setenv("MOCK_LYKKE_GRPC_PORT", "many")
    with pytest.raises(SystemExit) as e:
        cli._parser().parse_args(["serve"])
    assert e.value.code == 2
