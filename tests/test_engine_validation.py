"""Each validation rule of BEHAVIOUR.md §5, in the real server's order, with exact texts."""
from decimal import Decimal as D

import pytest

from mock_lykke.engine import ApiError, Code, ServerCrash

from engine_world import make_exchange


@pytest.fixture
def ex():
    return make_exchange()


def err(fn, *args, **kw) -> ApiError:
    with pytest.raises(ApiError) as info:
        fn(*args, **kw)
    return info.value


def unchanged(ex):
    return (repr(ex.totals()), repr(sorted((a.name, repr(a.balances)) for a in ex.accounts.values())),
            len(ex.history.orders), ex.ids.count)


LIMIT_CASES = [
    # (pair, side, volume, price) -> (code, message, field)
    (("BTCUSD", "buy", "1", "0"), (1101, "price cannot be less than zero.", "price")),
    (("BTCUSD", "buy", "1", "-5"), (1101, "price cannot be less than zero.", "price")),
    (("NOPE", "buy", "0", "-1"), (1101, "price cannot be less than zero.", "price")),  # price first
    (("BTCUSD", "buy", "0", "100"), (1101, "volume cannot be less than zero.", "volume")),
    (("NOPE", "buy", "-1", "100"), (1101, "volume cannot be less than zero.", "volume")),
    (("NOPE", "buy", "1", "100"), (1100, "Asset pair not found", "assetPairId")),
    (("btcusd", "buy", "1", "100"), (1100, "Asset pair not found", "assetPairId")),
    (("", "buy", "1", "100"), (1100, "Asset pair not found", "assetPairId")),
    (("BTCUSD", "buy", "0.00009", "100"), (1101, "volume must be greater than 0.0001", "volume")),
    (("BTCUSD", "buy", "11", "10000"), (2006, "Not enough funds", "volume")),
    (("BTCUSD", "sell", "10.5", "10000"), (2006, "Not enough funds", "volume")),
    (("BTCUSD", "buy", "1", "100.0001"), (2019, "Invalid price accuracy", None)),
    (("BTCUSD", "buy", "0.000000001", "100"), (1101, "volume must be greater than 0.0001", "volume")),
    (("ETHBTC", "sell", "1.0000001", "0.05"), (2018, "Invalid volume accuracy", None)),
]


@pytest.mark.parametrize("args,expected", LIMIT_CASES)
def test_limit_order_validation(ex, args, expected):
    pair, side, volume, price = args
    before = unchanged(ex)
    e = err(ex.place_limit, ex.account("alice"), pair, side, D(volume), D(price))
    assert (int(e.code), e.message, e.field) == expected
    assert unchanged(ex) == before


def test_min_volume_is_inclusive(ex):
    assert ex.place_limit(ex.account("alice"), "BTCUSD", "buy", D("0.0001"), D("100"))


def test_funds_check_uses_free_balance_and_needs_a_row(ex):
    alice = ex.account("alice")
    ex.place_limit(alice, "BTCUSD", "buy", D("9"), D("10000"))   # reserves 90000 USD
    e = err(ex.place_limit, alice, "BTCUSD", "buy", D("1.1"), D("10000"))
    assert e.code == Code.meNotEnoughFunds
    del alice.balances["ETH"]
    assert err(ex.place_limit, alice, "ETHBTC", "sell", D("1"), D("0.05")).code == 2006


MARKET_CASES = [
    (("BTCUSD", "buy", "0"), (1101, "volume cannot be less than zero.", "volume")),
    (("NOPE", "buy", "1"), (1100, "Asset pair not found", "assetPairId")),
    (("BTCUSD", "buy", "0.00001"), (1101, "volume must be greater than 0.0001", "volume")),
    (("BTCUSD", "buy", "1"), (2005, "No liquidity", None)),
]


@pytest.mark.parametrize("args,expected", MARKET_CASES)
def test_market_order_validation(ex, args, expected):
    before = unchanged(ex)
    e = err(ex.place_market, ex.account("alice"), *args[:2], D(args[2]))
    assert (int(e.code), e.message, e.field) == expected
    assert unchanged(ex) == before


def test_market_order_without_funds(ex):
    ex.place_limit(ex.account("bob"), "BTCUSD", "sell", D("10"), D("20000"))
    before = unchanged(ex)
    e = err(ex.place_market, ex.account("alice"), "BTCUSD", "buy", D("6"))
    assert (int(e.code), e.message) == (2006, "Not enough funds")
    assert unchanged(ex) == before


@pytest.mark.parametrize("kwargs,expected", [
    (dict(pair_id="NOPE"), (1100, "Asset pair not found", "assetPairId")),
    (dict(offset=-1), (1101, "offset cannot be less than zero.", "offset")),
    (dict(take=-1), (1101, "take cannot be less than zero.", "take")),
    (dict(take=1001), (1101, "take '1001' is too big, maximum is '1000'.", "take")),
    (dict(pair_id="NOPE", offset=-1), (1100, "Asset pair not found", "assetPairId")),
])
def test_list_validation(ex, kwargs, expected):
    for query in (lambda: ex.orders(ex.account("alice"), True, **kwargs),
                  lambda: ex.orders(ex.account("alice"), False, **kwargs),
                  lambda: ex.trades(ex.account("alice"), **kwargs)):
        e = err(query)
        assert (int(e.code), e.message, e.field) == expected


def test_take_zero_and_max(ex):
    alice = ex.account("alice")
    ex.place_limit(alice, "BTCUSD", "buy", D("1"), D("100"))
    assert ex.orders(alice, True, take=0) == []
    assert len(ex.orders(alice, True, take=1000)) == 1


def test_cancel_validation(ex):
    alice = ex.account("alice")
    assert err(ex.cancel_order, alice, "no-such-id").code == Code.meNotFound
    e = err(ex.cancel_all, alice, "NOPE")
    assert (int(e.code), e.message, e.field) == (1100, "Asset pair not found", "assetPairId")
    assert ex.cancel_all(alice) == 0   # nothing to cancel is a success


def test_other_accounts_order_is_missing(ex):
    oid = ex.place_limit(ex.account("bob"), "BTCUSD", "buy", D("1"), D("100"))
    alice = ex.account("alice")
    assert ex.get_order(alice, oid) is None
    assert err(ex.cancel_order, alice, oid).code == Code.meNotFound
    assert ex.order_trades(alice, oid) == []
    assert ex.get_order(ex.account("bob"), oid).status == "Placed"


def test_withdrawal_validation_and_idempotency(ex):
    alice = ex.account("alice")
    e = err(ex.create_withdrawal, alice, "r1", "BTC", D("0"), "addr")
    assert (int(e.code), e.message, e.field) == (1101, "volume cannot be less than zero.", "volume")
    e = err(ex.create_withdrawal, alice, "r1", "XXX", D("1"), "addr")
    assert (int(e.code), e.message, e.field) == (1100, "Asset not found", "assetId")
    with pytest.raises(ServerCrash):
        ex.create_withdrawal(alice, "r1", "", D("1"), "addr")
    # BTC is not blockchain-integrated in this world: 1102, but the request id is now taken
    e = err(ex.create_withdrawal, alice, "r2", "BTC", D("1"), "addr")
    assert (int(e.code), e.message, e.field) == (1102, "Asset unavailable", None)
    first = alice.withdrawal_requests["r2"]
    assert ex.create_withdrawal(alice, "r2", "USD", D("5"), "other") == first


def test_withdrawal_of_integrated_asset_moves_money(ex):
    alice = ex.account("alice")
    ex.reference.assets["BTC"].blockchain_integration_type = "sirius"
    op = ex.create_withdrawal(alice, "r1", "BTC", D("1.5"), "addr")
    assert alice.balances["BTC"].total == D("8.5")
    assert ex.create_withdrawal(alice, "r1", "BTC", D("1.5"), "addr") == op
    assert alice.balances["BTC"].total == D("8.5")   # the retry did nothing
    ops = ex.operations(alice)
    assert [(o.id, o.type, o.total_volume) for o in ops] == [(op, "withdrawal", D("1.5"))]
    with pytest.raises(ServerCrash):
        ex.operations(alice, offset=-1)


def test_deposit_address_preconditions(ex):
    alice = ex.account("alice")
    e = err(ex.create_deposit_addresses, alice)
    assert (int(e.code), e.message) == (1102, "Asset unavailable")
    btc = ex.reference.assets["BTC"]
    btc.blockchain_integration_type, btc.blockchain_deposit_enabled = "sirius", True
    alice.pending_dialogs = True
    assert err(ex.create_deposit_addresses, alice).message == "Pending dialogs"
    alice.pending_dialogs, alice.kyc_required = False, True
    assert err(ex.create_deposit_addresses, alice).message == "KYC required"
    alice.kyc_required = False
    assert ex.deposit_address(alice, "BTC").state == "NotFound"
    assert ex.deposit_addresses(alice) == []
    ex.create_deposit_addresses(alice)
    ex.create_deposit_addresses(alice)   # idempotent
    addr = ex.deposit_address(alice, "BTC")
    assert addr.state == "Active" and addr.address == addr.base_address
    assert [a.asset_id for a in ex.deposit_addresses(alice)] == ["BTC"]
    e = err(ex.deposit_address, alice, "NOPE")
    assert (int(e.code), e.message, e.field) == (1100, "Asset not found", None)
    ex.reference.assets["ETH"].blockchain_deposit_enabled = True
    assert err(ex.deposit_address, alice, "ETH").message == "Asset unavailable"
