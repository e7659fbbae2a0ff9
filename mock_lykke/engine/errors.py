"""Errors of the API (an error envelope) and crashes (the real server's unhandled exceptions)."""
from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    success = 0
    runtimeError = 1001
    itemNotFound = 1100
    invalidField = 1101
    actionForbidden = 1102
    meBadRequest = 2000
    meLowBalance = 2001
    meAlreadyProcessed = 2002
    meDisabledAsset = 2003
    meUnknownAsset = 2004
    meNoLiquidity = 2005
    meNotEnoughFunds = 2006
    meDust = 2007
    meReservedVolumeHigherThanBalance = 2008
    meNotFound = 2009
    meBalanceLowerThanReserved = 2010
    meLeadToNegativeSpread = 2011
    meTooSmallVolume = 2012
    meInvalidFee = 2013
    meInvalidPrice = 2014
    meReplaced = 2015
    meNotFoundPrevious = 2016
    meDuplicate = 2017
    meInvalidVolumeAccuracy = 2018
    meInvalidPriceAccuracy = 2019
    meInvalidVolume = 2020
    meTooHighPriceDeviation = 2021
    meInvalidOrderValue = 2022
    meRuntime = 2023


# The matching engine's messages (BEHAVIOUR.md §4.4), by API code.
ME_MESSAGES = {
    Code.meBadRequest: "Bad request", Code.meLowBalance: "Low balance",
    Code.meAlreadyProcessed: "Already processed", Code.meDisabledAsset: "Asset is disabled",
    Code.meUnknownAsset: "Unknown asset", Code.meNoLiquidity: "No liquidity",
    Code.meNotEnoughFunds: "Not enough funds", Code.meDust: "Dust",
    Code.meReservedVolumeHigherThanBalance: "Reserved volume higher than balance",
    Code.meNotFound: "Not found", Code.meBalanceLowerThanReserved: "Balance lower than reserved",
    Code.meLeadToNegativeSpread: "Lead to negative spread", Code.meTooSmallVolume: "Too small volume",
    Code.meInvalidFee: "Invalid fee", Code.meInvalidPrice: "Invalid price", Code.meReplaced: "Replaced",
    Code.meNotFoundPrevious: "Not found previous", Code.meDuplicate: "Duplicate",
    Code.meInvalidVolumeAccuracy: "Invalid volume accuracy",
    Code.meInvalidPriceAccuracy: "Invalid price accuracy", Code.meInvalidVolume: "Invalid volume",
    Code.meTooHighPriceDeviation: "Too high price deviation",
    Code.meInvalidOrderValue: "Invalid order value", Code.meRuntime: "ME not available",
}


class ApiError(Exception):
    """An API error: REST answers it in the error envelope, gRPC in the response's `error`.

    `field` is the key of the REST `fields` map (None: empty map)."""

    def __init__(self, code: Code, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code if type(code) is Code else Code(code)
        self.message = message
        self.field = field

    @classmethod
    def me(cls, code: Code) -> "ApiError":
        return cls(code, ME_MESSAGES[code])

    def __repr__(self) -> str:
        return f"ApiError({self.code.name}, {self.message!r}, field={self.field!r})"


class ServerCrash(Exception):
    """What the real server does with an unhandled exception: REST 500 `Runtime error`,
    gRPC status UNKNOWN `Exception was thrown by handler.`"""


def not_less_than_zero(name: str) -> ApiError:
    return ApiError(Code.invalidField, f"{name} cannot be less than zero.", name)


PAIR_NOT_FOUND = ("Asset pair not found", "assetPairId")
