"""What the control API can do, as methods of the remote fixture object (testing/remote.py):
the same names and answers as testing/control.py's, over the session's /_mock routes; orders
and trades are read from its /_mock/state."""
from __future__ import annotations

import json
from decimal import Decimal

from ..scenario.controller import ControlError


class RemoteControl:
    """Mixed into RemoteLykke; needs `control_url`, `_ca_file`, `_token` and `wait_for`."""

    def _request(self, method: str, url: str, body=None):
        """One control call (stdlib only: the plugin needs no HTTP library)."""
        import ssl
        import urllib.error
        import urllib.request
        data = None if body is None else json.dumps(body, default=_jsonable).encode()
        headers = {"Content-Type": "application/json"}
        if self._token:                 # a server started with --control-token
            headers["Authorization"] = f"Bearer {self._token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        context = ssl.create_default_context(cafile=str(self._ca_file)) \
            if self._ca_file and url.startswith("https") else None
        try:
            with urllib.request.urlopen(req, timeout=30, context=context) as resp:
                status, text = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        if status == 204:
            return None
        try:
            answer = json.loads(text, parse_float=Decimal)
        except ValueError:
            answer = {"error": text.decode(errors="replace")}
        if status >= 400:
            answer = answer if isinstance(answer, dict) else {"error": str(answer)}
            error = str(answer.get("error", ""))
            if answer.get("problems"):
                error += ":\n  " + "\n  ".join(answer["problems"])
            raise ControlError(f"{method} {url}: {error}", status, answer.get("code"))
        return answer

    # --- the control API, over HTTP ---------------------------------------------------------
    def _ctl(self, method: str, path: str, body=None):
        return self._request(method, self.control_url + path, body)

    def now(self) -> int:
        return self.time()["now"]

    def time(self) -> dict:
        return self._ctl("GET", "/time")

    def advance(self, by=None, *, to=None) -> dict:
        return self._ctl("POST", "/advance", {"to": to} if to is not None else {"by": by or 0})

    def reset(self) -> dict:
        return self._ctl("POST", "/reset")

    def place_limit(self, account: str, pair_id: str, side: str, volume, price) -> str:
        return self._ctl("POST", "/orders/limit", {"account": account, "assetPairId": pair_id,
                                                   "side": side, "volume": volume,
                                                   "price": price})["orderId"]

    def place_market(self, account: str, pair_id: str, side: str, volume):
        got = self._ctl("POST", "/orders/market", {"account": account, "assetPairId": pair_id,
                                                   "side": side, "volume": volume})
        return got["orderId"], Decimal(got["price"])

    def place_bulk(self, account: str, pair_id: str, orders: list, cancel_previous=False,
                   cancel_mode=None) -> dict:
        """As Lykke.place_bulk, but the answer is the control API's JSON."""
        return self._ctl("POST", "/orders/bulk", {
            "account": account, "assetPairId": pair_id, "orders": orders,
            "cancelPreviousOrders": cancel_previous, "cancelMode": cancel_mode})

    def cancel_order(self, order_id: str, account: str | None = None) -> None:
        query = f"?account={account}" if account else ""
        self._ctl("DELETE", f"/orders/{order_id}{query}")

    def cancel_all(self, account: str, pair_id: str | None = None, side=None) -> int:
        import urllib.parse
        query = urllib.parse.urlencode({k: v for k, v in (
            ("account", account), ("assetPairId", pair_id), ("side", side)) if v})
        return self._ctl("DELETE", f"/orders?{query}")["cancelled"]

    def set_balance(self, account: str, asset_id: str, amount) -> None:
        self._ctl("PUT", f"/accounts/{account}/balances/{asset_id}", {"amount": amount})

    def deposit(self, account: str, asset_id: str, amount) -> str:
        return self._ctl("POST", f"/accounts/{account}/deposits",
                         {"assetId": asset_id, "amount": amount})["operationId"]

    def set_account(self, account: str, **flags) -> dict:
        return self._ctl("PATCH", f"/accounts/{account}", flags)

    def set_mid(self, pair_id: str, mid) -> list[dict]:
        return self._ctl("POST", f"/market/{pair_id}/mid", {"mid": mid})

    def add_fault(self, spec: dict | None = None, **fields) -> int:
        return self._ctl("POST", "/faults", {**(spec or {}), **fields})[0]["id"]

    def faults(self) -> list[dict]:
        return self._ctl("GET", "/faults")

    def remove_fault(self, fault_id: int) -> None:
        self._ctl("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self._ctl("DELETE", "/faults")

    def quirks(self) -> dict[str, bool]:
        return self._ctl("GET", "/quirks")

    def set_quirks(self, quirks: dict | None = None, **switches) -> dict[str, bool]:
        changes = {**(quirks or {}), **{k.replace("_", "-"): v for k, v in switches.items()}}
        return self._ctl("PATCH", "/quirks", changes)

    def account(self, name: str) -> dict:
        return self._ctl("GET", f"/accounts/{name}")

    def balance(self, account: str, asset_id: str) -> Decimal:
        found = self.account(account)["balances"].get(asset_id)
        return Decimal(str(found["total"])) if found else Decimal(0)

    def snapshot(self) -> dict:
        return self._ctl("GET", "/state")

    def journal(self, since: int = 0, limit: int = 1000) -> list[dict]:
        return self._ctl("GET", f"/journal?since={since}&limit={limit}")["entries"]

    def health(self) -> dict:
        return self._ctl("GET", "/health")

    # --- orders, read from the session's state ----------------------------------------------
    def _orders(self, order_id, account, pair_id, side, price, status) -> list:
        from ..engine.orders import OrderView
        state = self.snapshot()
        wallets = {a["name"]: a["walletId"] for a in state["accounts"]}
        if account is not None and account not in wallets:
            raise ControlError(f"unknown account {account!r}", 404)
        statuses = None if status is None else ({status} if isinstance(status, str)
                                                 else set(status))
        price = Decimal(str(price)) if price is not None else None
        found = []
        for o in state["orders"]:
            view = OrderView(
                id=o["id"], wallet_id=wallets.get(o["account"], o["account"]),
                pair_id=o["assetPairId"], side=o["side"], type=o["type"],
                price=_decimal(o["price"]), volume=_decimal(o["volume"]),
                remaining=_decimal(o["remaining"]), created=o["created"], seq=o["seq"],
                status=o["status"], last_trade=o["lastTrade"])
            if ((order_id is None or view.id == order_id)
                    and (account is None or o["account"] == account)
                    and (pair_id is None or view.pair_id == pair_id)
                    and (side is None or view.side == side)
                    and (price is None or view.price == price)
                    and (statuses is None or view.status in statuses)):
                found.append(view)
        return found

    def order(self, order_id: str):
        """The order (an engine OrderView) or None."""
        found = self._orders(order_id, None, None, None, None, None)
        return found[0] if found else None

    def orders(self, account: str | None = None, *, pair_id: str | None = None,
               side: str | None = None, price=None, status=None) -> list:
        """Orders (OrderViews), oldest first, as Lykke.orders (read from /_mock/state)."""
        return self._orders(None, account, pair_id, side, price, status)

    def wait_for_order(self, order_id: str | None = None, *, account: str | None = None,
                       pair_id: str | None = None, side: str | None = None, price=None,
                       status=None, timeout: float | None = None):
        def found():
            orders = self._orders(order_id, account, pair_id, side, price, status)
            return orders[0] if orders else None
        return self.wait_for(found, timeout, f"an order ({order_id or 'any'}, status={status!r})")

    def wait_for_orders(self, count: int, account: str | None = None, *,
                        pair_id: str | None = None, side: str | None = None, price=None,
                        status=None, timeout: float | None = None):
        def found():
            orders = self._orders(None, account, pair_id, side, price, status)
            return orders if len(orders) >= count else None
        return self.wait_for(found, timeout, f"{count} orders (status={status!r})")

    def trades(self, account: str, order_id: str | None = None) -> list:
        """The account's trades (engine Trades), oldest first; of one order if given."""
        from ..engine.orders import Trade
        state = self.snapshot()
        wallets = {a["name"]: a["walletId"] for a in state["accounts"]}
        if account not in wallets:
            raise ControlError(f"unknown account {account!r}", 404)
        pairs = self._pairs()
        return [Trade(id=t["id"], wallet_id=wallets[account], order_id=t["orderId"],
                      pair_id=t["assetPairId"], role=t["role"], side=t["side"],
                      price=_decimal(t["price"]), base_volume=_decimal(t["baseVolume"]),
                      quote_volume=_decimal(t["quoteVolume"]),
                      base_asset=pairs[t["assetPairId"]][0],
                      quote_asset=pairs[t["assetPairId"]][1], fee_size=_decimal(t["fee"]),
                      fee_asset=t["feeAsset"], timestamp=t["timestamp"], seq=t["seq"])
                for t in state["trades"] if t["account"] == account
                and (order_id is None or t["orderId"] == order_id)]

    def orderbook(self, pair_id: str):
        """The pair's book now, as Lykke.orderbook: an engine BookChanged with per-order
        (price, volume) entries, best first, asks positive. Read from /_mock/state, which
        holds the engine's own entries whatever the session's quirks make the APIs show."""
        from ..engine.errors import PAIR_NOT_FOUND, ApiError, Code
        from ..engine.events import BookChanged
        if pair_id not in self._listed_pairs():
            raise ApiError(Code.itemNotFound, *PAIR_NOT_FOUND)
        state = self.snapshot()
        book = state["books"][pair_id]
        stamp = book["timestamp"]
        return BookChanged(pair_id, stamp if stamp is not None else state["now"],
                           *(tuple((Decimal(p), Decimal(v)) for p, v in book[side])
                             for side in ("bids", "asks")))

    def _pairs(self) -> dict:
        if getattr(self, "_pair_assets", None) is None:
            data = self._ctl("GET", "/scenario")["data"]
            self._pair_assets = {p["assetPairId"]: (p["baseAssetId"], p["quoteAssetId"])
                                 for p in data.get("assetPairs") or []}
        return self._pair_assets

    def _listed_pairs(self) -> set:
        """The pairs the engine knows (enabled, both assets listed), from the scenario."""
        if getattr(self, "_listed", None) is None:
            from ..scenario.validate import _listed
            data = self._ctl("GET", "/scenario")["data"]
            assets = {a["assetId"]: a for a in data.get("assets") or []}
            self._listed = {p["assetPairId"] for p in data.get("assetPairs") or []
                            if _listed(p, assets)}
        return self._listed


def _decimal(text):
    return None if text is None else Decimal(str(text))


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    return str(value)                   # dates from YAML and the like, as text
