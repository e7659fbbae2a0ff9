"""How the dry-run's figures are shown to a person (the report's cards, the runner's end line,
`mock-lykke report`): money rounded to the valuation asset's accuracy, ratios and basis points
to 3 significant digits. summary.json keeps every figure exact."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NA = "n/a"


def money(value, places: int, signed: bool = False) -> str:
    """An amount rounded to `places` decimals ("+" in front of a gain when `signed`)."""
    if value is None:
        return NA
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    if not d:
        d = abs(d)                                   # no "-0.00"
    text = format(d, "f")
    return f"+{text}" if signed and d > 0 else text


def significant(value, digits: int = 3) -> str:
    """A ratio (or bps) to `digits` significant digits: 0.6470068868 -> 0.647."""
    if value is None:
        return NA
    d = Decimal(str(value))
    if not d:
        return "0"
    d = d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), ROUND_HALF_UP)
    return format(d.normalize(), "f")                # at most `digits`: 1, not 1.00


def accuracy(scenario: dict, asset: str, default: int = 2) -> int:
    """The asset's accuracy (decimal places) in a scenario (as loaded: its `assets` list)."""
    for a in scenario.get("assets") or []:
        if a.get("assetId") == asset:
            return int(a.get("accuracy", default))
    return default
