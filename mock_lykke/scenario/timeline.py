"""Timeline steps: one action at one clock time, run through the controller (the same code
path as the control API)."""
from __future__ import annotations

ACTIONS = ("placeOrder", "marketOrder", "placeBulk", "cancelAll", "setBalance", "deposit",
           "setAccount", "setMid", "setQuirks", "addFault", "clearFaults")


def step_action(step: dict) -> tuple[str, object]:
    """(action name, its body) of a valid step."""
    name = next(k for k in step if k != "at")
    return name, step[name]


def step_problems(step: dict, ref: dict) -> list[tuple[tuple, str]]:
    """Checks of a schema-valid step against the scenario's names."""
    actions = [k for k in step if k != "at"]
    if len(actions) != 1:
        return [((), f"a timeline step needs exactly one action besides `at`, got "
                     f"{len(actions)} (one of: {', '.join(ACTIONS)})")]
    name = actions[0]
    body = step[name]
    out = []
    if isinstance(body, dict):
        if "account" in body and body["account"] not in ref["accounts"]:
            out.append(((name, "account"), f"unknown account {body['account']!r}"))
        pair = body.get("assetPairId")
        if pair is not None and pair not in ref["pairs"]:
            out.append(((name, "assetPairId"), f"unknown asset pair {pair!r}"))
        if "assetId" in body and body["assetId"] not in ref["assets"]:
            out.append(((name, "assetId"), f"unknown asset {body['assetId']!r}"))
        if name == "setMid" and pair in ref["pairs"] and pair not in ref["makers"]:
            out.append(((name, "assetPairId"), f"no market maker quotes {pair!r}"))
    return out


def run_step(controller, name: str, body) -> None:
    c = controller
    if name == "placeOrder":
        c.place_limit(body["account"], body["assetPairId"], body["side"], body["volume"],
                      body["price"])
    elif name == "marketOrder":
        c.place_market(body["account"], body["assetPairId"], body["side"], body["volume"])
    elif name == "placeBulk":
        c.place_bulk(body["account"], body["assetPairId"], body.get("orders") or [],
                     body.get("cancelPreviousOrders", False), body.get("cancelMode"))
    elif name == "cancelAll":
        c.cancel_all(body["account"], body.get("assetPairId"), body.get("side"))
    elif name == "setBalance":
        c.set_balance(body["account"], body["assetId"], body["amount"])
    elif name == "deposit":
        c.deposit(body["account"], body["assetId"], body["amount"])
    elif name == "setAccount":
        c.set_account(body["account"], {k: v for k, v in body.items() if k != "account"})
    elif name == "setMid":
        c.set_mid(body["assetPairId"], body["mid"])
    elif name == "setQuirks":
        c.set_quirks(body)
    elif name == "addFault":
        c.add_fault(body)
    elif name == "clearFaults":
        c.clear_faults()
    else:
        raise ValueError(f"unknown timeline action {name!r}")
