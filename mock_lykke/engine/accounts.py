"""Accounts (wallets) and their balances: whole balance and the reserved part of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .numbers import ZERO


@dataclass(slots=True)
class Balance:
    total: Decimal
    reserved: Decimal
    timestamp: int

    @property
    def free(self) -> Decimal:
        return self.total - self.reserved


@dataclass
class Account:
    name: str
    api_key: str
    wallet_id: str
    client_id: str
    balances: dict[str, Balance] = field(default_factory=dict)
    maker_fee: Decimal = ZERO
    taker_fee: Decimal = ZERO
    blocked: bool = False          # key revoked / client trade-blocked: 401 everywhere
    kyc_required: bool = False
    pending_dialogs: bool = False
    deposit_state: str | None = None   # None (no deposit account), Creating, Active, Blocked
    withdrawal_requests: dict[str, str] = field(default_factory=dict)

    def balance(self, asset_id: str) -> Balance | None:
        return self.balances.get(asset_id)

    def row(self, asset_id: str, now: int) -> Balance:
        """The balance row for asset_id, created at zero when the account has none."""
        bal = self.balances.get(asset_id)
        if bal is None:
            bal = self.balances[asset_id] = Balance(ZERO, ZERO, now)
        return bal
