"""API key -> account, the same rules for both fronts (BEHAVIOUR.md §2).

Keys are opaque strings (JWT-shaped ones included). Outcomes:
- no key                      -> MISSING  (private calls refused)
- a key no account has        -> INVALID  (private calls refused; public calls served)
- a key of a blocked account  -> REVOKED  (refused on every call, public ones included)
- otherwise                   -> the account
"""
from __future__ import annotations

from ..engine.accounts import Account

MISSING, INVALID, REVOKED = "missing", "invalid", "revoked"


class AuthResult:
    """An account, or the problem (MISSING / INVALID / REVOKED) when there is none.
    A plain slotted class: one is made per call, and a frozen dataclass costs ~2 % of REST."""
    __slots__ = ("account", "problem")

    def __init__(self, account: Account | None, problem: str | None):
        self.account, self.problem = account, problem

    def __repr__(self) -> str:
        return f"AuthResult(account={self.account!r}, problem={self.problem!r})"


_REFUSED = {p: AuthResult(None, p) for p in (MISSING, INVALID, REVOKED)}


def bearer_token(header: str | None) -> str | None:
    """The key of an `Authorization: Bearer <key>` value; the scheme is case-insensitive."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(exchange, header: str | None) -> AuthResult:
    if not header:
        return _REFUSED[MISSING]
    key = bearer_token(header)
    account = exchange.authenticate(key) if key else None
    if account is None:
        return _REFUSED[INVALID]
    if account.blocked:
        return _REFUSED[REVOKED]
    return AuthResult(account, None)
