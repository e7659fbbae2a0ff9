"""API key -> account, the same rules for both fronts (BEHAVIOUR.md §2).

Keys are opaque strings (JWT-shaped ones included). Outcomes:
- no key                      -> MISSING  (private calls refused)
- a key no account has        -> INVALID  (private calls refused; public calls served)
- a key of a blocked account  -> REVOKED  (refused on every call, public ones included)
- otherwise                   -> the account
"""
from __future__ import annotations

from dataclasses import dataclass

from ..engine.accounts import Account

MISSING, INVALID, REVOKED = "missing", "invalid", "revoked"


@dataclass(slots=True, frozen=True)
class AuthResult:
    account: Account | None
    problem: str | None          # MISSING / INVALID / REVOKED, None when account is set


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
        return AuthResult(None, MISSING)
    key = bearer_token(header)
    account = exchange.authenticate(key) if key else None
    if account is None:
        return AuthResult(None, INVALID)
    if account.blocked:
        return AuthResult(None, REVOKED)
    return AuthResult(account, None)
