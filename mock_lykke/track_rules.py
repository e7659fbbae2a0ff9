"""Why the engine did what it did, in words: the check behind a rejection, the priority behind
a fill, and the queue ahead of a resting order. Read-only: state is looked at, never changed."""
from __future__ import annotations

from decimal import Decimal

from .engine.errors import Code
from .engine.numbers import ZERO, fmt_plain, mul
from .engine.orders import ACTIVE, BUY, SELL


def queue_ahead(ex, order) -> tuple[Decimal, int] | None:
    """(volume, orders) resting ahead of `order` at its price, in time priority; None when it
    is not resting. Walks the book's public `orders(side)` (best first)."""
    if order.status not in ACTIVE or order.type != "Limit":
        return None
    book = ex.books.get(order.pair_id)
    if book is None:
        return None
    volume, count = ZERO, 0
    for other in book.orders(order.side):
        if other.id == order.id:
            return volume, count
        if other.price == order.price:
            volume += other.remaining
            count += 1
    return None


def _free(account, asset: str) -> Decimal:
    bal = account.balance(asset)
    return bal.total - bal.reserved if bal is not None else ZERO


def _p(value) -> str:
    return fmt_plain(value) if isinstance(value, Decimal) else str(value)


def reject_rule(ex, command: str, args: dict, code: int, message: str,
                field: str | None = None) -> str:
    """The check that refused a command, with its numbers (args: the command's arguments)."""
    account = args.get("account")
    pair = ex.reference.pairs.get(args.get("pair_id") or "")
    side, price, volume = args.get("side"), args.get("price"), args.get("volume")
    code = Code(code)
    if code == Code.meNotEnoughFunds and pair is not None and account is not None:
        asset = pair.quote if side == BUY else pair.base
        free = _free(account, asset)
        if command == "place_market":
            return (f"funds: a market {side} of {_p(volume)} {pair.base} costs more than the "
                    f"free {_p(free)} {asset}")
        need = mul(price, volume) if side == BUY else volume
        return f"funds: the order needs {_p(need)} {asset} free, the account has {_p(free)}"
    if code == Code.meNoLiquidity and pair is not None:
        book = ex.books[pair.pair_id]
        opposite = SELL if side == BUY else BUY
        depth = sum((o.remaining for o in book.orders(opposite)), ZERO)
        return (f"liquidity: a fill-or-kill market {side} of {_p(volume)} {pair.base} needs "
                f"that much on the {'ask' if side == BUY else 'bid'} side, which holds "
                f"{_p(depth)}")
    if pair is not None and (code == Code.meTooSmallVolume or (
            code == Code.invalidField and field == "volume" and "greater" in message)):
        return f"minimum volume: {_p(volume)} is below the pair's minimum {_p(pair.min_volume)}"
    if code == Code.meInvalidPriceAccuracy and pair is not None:
        return (f"price accuracy: {_p(price)} has more than the pair's {pair.price_accuracy} "
                "decimals")
    if code == Code.meInvalidVolumeAccuracy and pair is not None:
        accuracy = ex.reference.assets[pair.base].accuracy
        return f"volume accuracy: {_p(volume)} has more than {pair.base}'s {accuracy} decimals"
    if code == Code.meInvalidPrice:
        return f"price: {_p(price)} is not a valid price"
    if code == Code.meNotFound and command == "cancel_order":
        return f"cancel: {args.get('order_id')} is not an active order of this account"
    if code == Code.meNotFoundPrevious:
        return "replace: oldId is not an active order of this account on this pair and side"
    if code == Code.itemNotFound and field == "assetPairId":
        return f"asset pair: {args.get('pair_id')!r} is not a listed pair"
    if code in (Code.meUnknownAsset, Code.meDisabledAsset):
        return f"asset pair: {args.get('pair_id')!r} is unknown or disabled"
    where = f" ({field})" if field else ""
    return f"{code.name}{where}: {message}"


def fill_rule(maker, taker, price: Decimal) -> str:
    """Why these two orders traded, and at which price."""
    best = "ask" if taker.side == BUY else "bid"
    how = (f"market {taker.side}" if taker.type == "Market"
           else f"{taker.side} limit {_p(taker.price)}")
    return (f"price-time priority: the taker's {how} met the best {best} {_p(price)}; the "
            f"resting {maker.side} order was first at that price, so it traded as maker at "
            "its own price")
