"""Validated scenario data -> an engine set up with it (reference data, accounts, orders)."""
from __future__ import annotations

from ..engine import Exchange
from ..engine.clock import Clock
from ..engine.quirks import Quirks
from ..engine.reference import Asset, AssetPair
from .values import dec

# scenario key -> Asset field, for the REST-only asset fields
ASSET_FIELDS = {
    "multiplierPower": "multiplier_power", "assetAddress": "asset_address",
    "blockchainIntegrationLayerId": "blockchain_integration_layer_id",
    "blockchain": "blockchain", "type": "type", "isTradable": "is_tradable",
    "isTrusted": "is_trusted", "kycNeeded": "kyc_needed",
    "blockchainWithdrawal": "blockchain_withdrawal",
    "cashoutMinimalAmount": "cashout_minimal_amount", "lowVolumeAmount": "low_volume_amount",
    "lykkeEntityId": "lykke_entity_id", "siriusAssetId": "sirius_asset_id",
    "siriusBlockchainId": "sirius_blockchain_id",
    "blockchainIntegrationType": "blockchain_integration_type",
    "blockchainDepositEnabled": "blockchain_deposit_enabled", "isDisabled": "is_disabled",
}
FLOAT_FIELDS = {"cashoutMinimalAmount", "lowVolumeAmount"}
ACCOUNT_FLAGS = {"blocked": "blocked", "kycRequired": "kyc_required",
                 "pendingDialogs": "pending_dialogs"}


def make_asset(spec: dict) -> Asset:
    asset_id = spec["assetId"]
    asset = Asset(asset_id, spec.get("name", asset_id), spec.get("symbol", asset_id),
                  int(spec["accuracy"]))
    for key, attr in ASSET_FIELDS.items():
        if key in spec:
            value = spec[key]
            if key in FLOAT_FIELDS and value is not None:
                value = float(value)
            setattr(asset, attr, value)
    return asset


def make_pair(spec: dict) -> AssetPair:
    base, quote = spec["baseAssetId"], spec["quoteAssetId"]
    return AssetPair(spec["assetPairId"], base, quote, spec.get("name", f"{base}/{quote}"),
                     int(spec["priceAccuracy"]), dec(spec.get("minVolume", 0)),
                     dec(spec.get("minOppositeVolume", 0)), bool(spec.get("disabled", False)))


def add_account(ex: Exchange, spec: dict):
    fees = spec.get("fees") or {}
    account = ex.add_account(
        spec["name"], spec["apiKey"],
        {asset: dec(v) for asset, v in (spec.get("balances") or {}).items()},
        maker_fee=dec(fees.get("maker", 0)), taker_fee=dec(fees.get("taker", 0)),
        wallet_id=spec.get("walletId"), client_id=spec.get("clientId"))
    set_flags(account, spec)
    if "depositState" in spec:
        account.deposit_state = spec["depositState"]
    return account


def set_flags(account, flags: dict) -> None:
    for key, attr in ACCOUNT_FLAGS.items():
        if key in flags:
            setattr(account, attr, bool(flags[key]))


def setup_exchange(data: dict, clock: Clock, seed: int) -> Exchange:
    """An exchange with the scenario's assets, pairs, accounts and quirks (no orders yet)."""
    ex = Exchange(clock=clock, seed=seed, quirks=Quirks(data.get("quirks") or {}))
    for spec in data.get("assets") or []:
        ex.add_asset(make_asset(spec))
    for spec in data.get("assetPairs") or []:
        ex.add_pair(make_pair(spec))
    for spec in data.get("accounts") or []:
        add_account(ex, spec)
    return ex


def place_resting(ex: Exchange, spec: dict) -> str:
    return ex.place_limit(ex.account(spec["account"]), spec["assetPairId"], spec["side"],
                          dec(spec["volume"]), dec(spec["price"]))
