"""Reference data: assets and asset pairs, as the API lists them."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(slots=True)
class Asset:
    asset_id: str
    name: str
    symbol: str
    accuracy: int
    # REST-only fields of the real server's asset object (BEHAVIOUR.md §7.2).
    multiplier_power: int | None = None
    asset_address: str | None = None
    blockchain_integration_layer_id: str | None = None
    blockchain: str = "none"
    type: str | None = None
    is_tradable: bool = True
    is_trusted: bool = False
    kyc_needed: bool = False
    blockchain_withdrawal: bool = False
    cashout_minimal_amount: float = 0.0
    low_volume_amount: float | None = None
    lykke_entity_id: str = "LYKKE"
    sirius_asset_id: int = 0
    sirius_blockchain_id: str | None = None
    blockchain_integration_type: str = "none"
    blockchain_deposit_enabled: bool = False
    is_disabled: bool = False

    @property
    def deposit_capable(self) -> bool:
        return self.blockchain_integration_type != "none"


@dataclass(slots=True)
class AssetPair:
    pair_id: str
    base: str
    quote: str
    name: str
    price_accuracy: int
    min_volume: Decimal
    min_opposite_volume: Decimal
    disabled: bool = False


@dataclass
class Reference:
    assets: dict[str, Asset] = field(default_factory=dict)
    pairs: dict[str, AssetPair] = field(default_factory=dict)

    def add_asset(self, asset: Asset) -> None:
        self.assets[asset.asset_id] = asset

    def add_pair(self, pair: AssetPair) -> None:
        self.pairs[pair.pair_id] = pair

    def tradable_asset(self, asset_id: str) -> Asset | None:
        """Exact, case-sensitive lookup among the assets the API lists."""
        asset = self.assets.get(asset_id)
        return asset if asset is not None and asset.is_tradable and not asset.is_disabled else None

    def pair(self, pair_id: str) -> AssetPair | None:
        """Exact, case-sensitive lookup of an enabled pair whose assets are both listed."""
        pair = self.pairs.get(pair_id)
        if pair is None or pair.disabled:
            return None
        assets = self.assets        # tradable_asset() of both, written out (every order asks)
        for asset_id in (pair.base, pair.quote):
            asset = assets.get(asset_id)
            if asset is None or not asset.is_tradable or asset.is_disabled:
                return None
        return pair

    def visible_assets(self) -> list[Asset]:
        return [a for a in self.assets.values() if a.is_tradable and not a.is_disabled]

    def visible_pairs(self) -> list[AssetPair]:
        """Listed pairs, sorted by id (the real order is unspecified)."""
        return [p for _, p in sorted(self.pairs.items()) if self.pair(p.pair_id) is not None]

    def match_pairs(self, ids) -> list[AssetPair]:
        """Case-insensitive filter used by prices and tickers; empty filter = all."""
        pairs = self.visible_pairs()
        if not ids:
            return pairs
        wanted = {i.lower() for i in ids}
        return [p for p in pairs if p.pair_id.lower() in wanted]
