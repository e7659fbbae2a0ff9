"""TLS in process: the material (mock_lykke.tls), MockServer(tls=...), clients that speak the
wrong protocol, and local channel credentials against the plaintext mock."""
import asyncio
import ipaddress

import aiohttp
import grpc
import pytest
import trustme
from cryptography import x509
from google.protobuf.empty_pb2 import Empty

from mock_lykke import cli
from mock_lykke.proto import isalive_pb2, isalive_pb2_grpc, privateService_pb2_grpc
from mock_lykke.scenario import build_mock, load_text
from mock_lykke.server import MockServer
from mock_lykke.tls import CA_FILE_NAME, TlsError, make_tls
from test_scenario_support import BASIC

KEY = "trader-key"                    # BASIC's trader
TIMEOUT = 5


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls(names=("mock.test",), directory=tmp_path_factory.mktemp("tls"))


def new_mock():
    return build_mock(load_text(BASIC, "<test>"))


def token_credentials(channel_credentials, key=KEY):
    """As the official example: channel credentials + the API key as an access token."""
    return grpc.composite_channel_credentials(channel_credentials,
                                              grpc.access_token_call_credentials(key))


async def balances(target, credentials):
    async with grpc.aio.secure_channel(target, credentials) as channel:
        stub = privateService_pb2_grpc.PrivateServiceStub(channel)
        reply = await stub.GetBalances(Empty(), timeout=TIMEOUT)
    return {b.assetId: b.available for b in reply.payload}


async def isalive(channel):
    stub = isalive_pb2_grpc.MonitoringStub(channel)
    return (await stub.IsAlive(isalive_pb2.IsAliveRequest(), timeout=TIMEOUT)).name


async def get_json(session, url, **kwargs):
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=TIMEOUT), **kwargs) as r:
        return r.status, r.version, await r.json()


# --- the material ---------------------------------------------------------------------------
def test_the_certificate_names_localhost_the_loopback_addresses_and_extra_names(tls):
    cert = x509.load_pem_x509_certificate(tls.cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", "mock.test"}
    assert set(san.get_values_for_type(x509.IPAddress)) == {ipaddress.ip_address("127.0.0.1"),
                                                          ipaddress.ip_address("::1")}
    assert tls.names == ("localhost", "127.0.0.1", "::1", "mock.test")
    ca = x509.load_pem_x509_certificate(tls.ca_pem)
    assert cert.issuer == ca.subject and ca.issuer == ca.subject       # a throwaway root
    assert cert.issuer != cert.subject


def test_only_the_ca_certificate_is_written(tls):
    assert tls.ca_file.name == CA_FILE_NAME and tls.ca_file.read_bytes() == tls.ca_pem
    assert [p.name for p in tls.ca_file.parent.iterdir()] == [CA_FILE_NAME]
    assert tls.trust_env() == {"GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(tls.ca_file),
                               "SSL_CERT_FILE": str(tls.ca_file),
                               "REQUESTS_CA_BUNDLE": str(tls.ca_file)}


def test_a_given_certificate(tmp_path):
    authority = trustme.CA()
    leaf = authority.issue_cert("localhost")
    files = {}
    for name, blob in (("ca.pem", authority.cert_pem), ("ca.key", authority.private_key_pem),
                       ("leaf.pem", leaf.cert_chain_pems[0]), ("leaf.key", leaf.private_key_pem)):
        blob.write_to_path(str(tmp_path / name))
        files[name] = tmp_path / name
    given = make_tls(cert=files["leaf.pem"], key=files["leaf.key"], ca=files["ca.pem"])
    assert given.ca_file == files["ca.pem"] and given.ca_pem == authority.cert_pem.bytes()
    unknown = make_tls(cert=files["leaf.pem"], key=files["leaf.key"])
    assert unknown.ca_file is None and unknown.trust_env() == {}
    self_signed = make_tls(cert=files["ca.pem"], key=files["ca.key"])     # trusts itself
    assert self_signed.ca_file == files["ca.pem"]
    with pytest.raises(TlsError, match="do not go together"):
        make_tls(cert=files["leaf.pem"], key=files["ca.key"])
    with pytest.raises(TlsError, match="cannot read"):
        make_tls(cert=tmp_path / "missing.pem", key=files["leaf.key"])
    with pytest.raises(TlsError, match="both or neither"):
        make_tls(cert=files["leaf.pem"])


@pytest.mark.parametrize("argv, message", [
    (["--tls-cert", "x.pem"], "both or neither"),
    (["--tls-ca", "ca.pem"], "--tls-ca goes with --tls-cert"),
    (["--tls-cert", "nope.pem", "--tls-key", "nope.key"], "cannot read nope.pem"),
])
def test_serve_with_bad_tls_options_exits_2_without_a_traceback(argv, message, capsys):
    assert cli.main(["serve", "--grpc-port", "0", "--rest-port", "0", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# --- serving ----------------------------------------------------------------------------------
async def test_one_material_serves_several_servers_grpc_tls_and_rest_https(tls):
    async with MockServer(new_mock(), tls=tls) as a, MockServer(new_mock(), tls=tls) as b:
        for server in (a, b):
            got = await balances(server.grpc_target, token_credentials(tls.channel_credentials()))
            assert got == {"BTC": "2", "USD": "50000"}
            assert server.rest_url.startswith("https://127.0.0.1:")
            async with aiohttp.ClientSession() as session:
                status, version, body = await get_json(
                    session, server.rest_url + "/api/balance", ssl=tls.client_ssl_context(),
                    headers={"Authorization": f"Bearer {KEY}"})
            assert (status, version) == (200, aiohttp.HttpVersion11)
            assert {b["assetId"] for b in body["payload"]} == {"BTC", "USD"}


async def alpn(port, tls, offer):
    ctx = tls.client_ssl_context()
    ctx.set_alpn_protocols(offer)
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx,
                                              server_hostname="localhost")
    try:
        return writer.get_extra_info("ssl_object").selected_alpn_protocol()
    finally:
        writer.transport.abort()        # no close-notify dance: the server may be talking


async def test_alpn_h2_on_the_grpc_port_http11_on_the_rest_port(tls):
    async with MockServer(new_mock(), tls=tls) as server:
        assert await alpn(server.grpc_port, tls, ["h2", "http/1.1"]) == "h2"
        assert await alpn(server.rest_port, tls, ["h2", "http/1.1"]) == "http/1.1"


async def test_a_plaintext_client_on_the_tls_ports_fails_and_tls_clients_go_on(tls):
    async with MockServer(new_mock(), tls=tls) as server:
        async with grpc.aio.insecure_channel(server.grpc_target) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await isalive(channel)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        async with grpc.aio.secure_channel(server.grpc_target,
                                           tls.channel_credentials()) as channel:
            assert await isalive(channel) == "Lykke.HftApi"
        plain = server.rest_url.replace("https://", "http://")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientError):
                await get_json(session, plain + "/api/isalive")
            status, _, body = await get_json(session, server.rest_url + "/api/isalive",
                                             ssl=tls.client_ssl_context())
        assert status == 200 and body["name"] == "Lykke.HftApi"


async def test_a_tls_client_on_the_plaintext_ports_fails_and_plaintext_clients_go_on(tls):
    async with MockServer(new_mock()) as server:
        async with grpc.aio.secure_channel(server.grpc_target,
                                           tls.channel_credentials()) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await isalive(channel)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        async with grpc.aio.insecure_channel(server.grpc_target) as channel:
            assert await isalive(channel) == "Lykke.HftApi"
        tls_url = server.rest_url.replace("http://", "https://")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientError):
                await get_json(session, tls_url + "/api/isalive", ssl=tls.client_ssl_context())
            status, _, _ = await get_json(session, server.rest_url + "/api/isalive")
        assert status == 200


async def test_local_channel_credentials_carry_the_api_key_to_the_plaintext_mock():
    """grpc sends call credentials only over secure channels; local credentials count as
    secure on loopback, so an access-token bot keeps its code against the plaintext mock."""
    async with MockServer(new_mock()) as server:
        local = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        assert await balances(server.grpc_target, token_credentials(local)) == {
            "BTC": "2", "USD": "50000"}
        with pytest.raises(grpc.aio.AioRpcError) as refused:            # the key is checked
            await balances(server.grpc_target, token_credentials(local, "wrong-key"))
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED

