"""API keys shaped like the real ones: the default scenario's demo JWTs, and long keys in
scenarios (matched as opaque strings)."""
import base64
import hashlib
import hmac
import json
from pathlib import Path

from mock_lykke.api.auth import authenticate
from mock_lykke.scenario import build_mock, check_file, default_scenario, load_text
from test_scenario_support import BASIC

DOCS = Path(__file__).resolve().parents[1] / "docs"
CLAIMS = {"key-id", "wallet-id", "client-id", "aud", "exp"}
YEAR_2099 = 4_070_908_800


def unpack(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_the_demo_keys_are_jwts_naming_their_account():
    mock = build_mock(default_scenario())
    accounts = {a.name: a for a in mock.exchange.accounts.values() if a.api_key}
    assert set(accounts) == {"trader", "trader2", "market", "flow"}
    key_ids = set()
    for account in accounts.values():
        header, payload, signature = account.api_key.split(".")
        assert json.loads(unpack(header)) == {"alg": "HS256", "typ": "JWT"}
        claims = json.loads(unpack(payload))
        assert set(claims) == CLAIMS and claims["exp"] > YEAR_2099
        assert (claims["wallet-id"], claims["client-id"]) == (account.wallet_id,
                                                              account.client_id)
        key_ids.add(claims["key-id"])
        expected = hmac.new(b"mock-lykke-demo", f"{header}.{payload}".encode(),
                            hashlib.sha256).digest()
        assert unpack(signature) == expected              # the documented demo secret
        assert authenticate(mock.exchange, f"Bearer {account.api_key}").account is account
    assert len(key_ids) == 4


def test_docs_list_every_demo_key():
    text = (DOCS / "tls.md").read_text()
    for account in default_scenario().accounts():
        assert account["apiKey"] in text, account["name"]


def test_a_scenario_accepts_any_key_string_long_jwts_included(tmp_path):
    claims = base64.urlsafe_b64encode(json.dumps({"pad": "x" * 3000}).encode()).decode()
    key = f"eyJhbGciOiJIUzI1NiJ9.{claims.rstrip('=')}.c2ln-_"
    path = tmp_path / "long.yaml"
    path.write_text(BASIC.replace("apiKey: trader-key", f"apiKey: {key}"))
    assert check_file(path) == []
    mock = build_mock(load_text(path.read_text(), "<long>"))
    assert authenticate(mock.exchange, f"Bearer {key}").account.name == "trader"
    assert authenticate(mock.exchange, f"Bearer {key[:-1]}").account is None   # opaque, exact
