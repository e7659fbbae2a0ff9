"""Engine invariants under random command sequences (hypothesis stateful testing)."""
from decimal import Decimal as D

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mock_lykke.engine import ApiError
from mock_lykke.engine.orders import ACTIVE, CLOSED, BulkItem

from engine_world import make_exchange

ACCOUNTS = ("alice", "bob")
PAIRS = {"BTCUSD": (D("9990"), 3, 4), "ETHBTC": (D("0.05"), 5, 3)}  # mid, price acc, volume dp
SIDES = st.sampled_from(["buy", "sell"])


@st.composite
def prices(draw, pair):
    mid, acc, _ = PAIRS[pair]
    ticks = draw(st.integers(-40, 40))
    price = mid + D(ticks) * D(1).scaleb(-acc) * 7
    if draw(st.integers(0, 20)) == 0:
        price += D(1).scaleb(-acc - 1)          # sometimes over accuracy
    return price


@st.composite
def volumes(draw, pair):
    _, _, dp = PAIRS[pair]
    return D(draw(st.integers(0, 3000))).scaleb(-dp)


def state(ex):
    """Everything a client can observe, canonically."""
    return (
        sorted((a.name, asset, b.total, b.reserved) for a in ex.accounts.values()
               for asset, b in a.balances.items()),
        sorted((o.view() for o in ex.history.orders.values()), key=lambda o: o.id),
        [ex.trades(ex.account(n), take=1000) for n in ACCOUNTS],
        [ex.orderbook(p) for p in PAIRS],
        ex.ids.count,
    )


class ExchangeMachine(RuleBasedStateMachine):
    @initialize(seed=st.integers(0, 3))
    def setup(self, seed):
        self.seed = seed
        self.ex = make_exchange(seed, maker=D("0.001"), taker=D("0.002"))
        self.log = []          # the accepted-and-rejected command list, for replay
        self.events = []
        self.ex.subscribe(lambda batch: self.events.append(repr(batch)))
        self.totals = self.ex.totals()
        self.order_ids = []

    def run(self, name, *args):
        """Apply a command; a rejected one must change nothing."""
        self.log.append((name, args))
        before = state(self.ex)
        fn = getattr(self.ex, name)
        account = self.ex.account(args[0]) if args and args[0] in ACCOUNTS else None
        try:
            result = fn(account, *args[1:]) if account else fn(*args)
        except ApiError:
            after = state(self.ex)
            assert after[:4] == before[:4], f"rejected {name} changed state"
            return None
        return result

    @rule(data=st.data(), who=st.sampled_from(ACCOUNTS), pair=st.sampled_from(sorted(PAIRS)),
          side=SIDES)
    def limit(self, data, who, pair, side):
        oid = self.run("place_limit", who, pair, side, data.draw(volumes(pair)),
                       data.draw(prices(pair)))
        if oid:
            self.order_ids.append(oid)

    @rule(data=st.data(), who=st.sampled_from(ACCOUNTS), pair=st.sampled_from(sorted(PAIRS)),
          side=SIDES)
    def market(self, data, who, pair, side):
        self.run("place_market", who, pair, side, data.draw(volumes(pair)))

    @precondition(lambda self: self.order_ids)
    @rule(data=st.data(), who=st.sampled_from(ACCOUNTS))
    def cancel(self, data, who):
        self.run("cancel_order", who, data.draw(st.sampled_from(self.order_ids)))

    @rule(who=st.sampled_from(ACCOUNTS), pair=st.sampled_from([None, "BTCUSD", "ETHBTC"]),
          side=st.sampled_from([None, "buy", "sell"]))
    def cancel_all(self, who, pair, side):
        self.run("cancel_all", who, pair, side)

    @rule(data=st.data(), who=st.sampled_from(ACCOUNTS), pair=st.sampled_from(sorted(PAIRS)),
          cancel=st.booleans(),
          mode=st.sampled_from([None, "notEmptySide", "bothSides", "buySide", "sellSide"]))
    def bulk(self, data, who, pair, cancel, mode):
        items = []
        for _ in range(data.draw(st.integers(0, 3))):
            old = None
            if self.order_ids and data.draw(st.booleans()):
                old = data.draw(st.sampled_from(self.order_ids))
            items.append(BulkItem(data.draw(SIDES), data.draw(volumes(pair)),
                                  data.draw(prices(pair)), old))
        result = self.run("place_bulk", who, pair, items, cancel, mode)
        self.order_ids.extend(s.id for s in result.statuses if s.code == 0)

    @rule(ms=st.integers(0, 5000))
    def tick(self, ms):
        self.log.append(("advance", (ms,)))
        self.ex.clock.advance(ms)

    @invariant()
    def balances_conserved(self):
        assert self.ex.totals() == self.totals

    @invariant()
    def consistent(self):
        self.ex.check_invariants()      # book not crossed, reserved = locks, total >= reserved

    @invariant()
    def active_xor_closed(self):
        ex = self.ex
        for name in ACCOUNTS:
            acc = ex.account(name)
            active = {o.id for o in ex.orders(acc, True, take=1000)}
            closed = {o.id for o in ex.orders(acc, False, take=1000)}
            assert not active & closed
            for oid in active:
                assert ex.history.orders[oid].status in ACTIVE
            for oid in closed:
                assert ex.history.orders[oid].status in CLOSED

    def teardown(self):
        if not hasattr(self, "ex"):
            return
        replay = make_exchange(self.seed, maker=D("0.001"), taker=D("0.002"))
        events = []
        replay.subscribe(lambda batch: events.append(repr(batch)))
        for name, args in self.log:
            if name == "advance":
                replay.clock.advance(*args)
                continue
            fn = getattr(replay, name)
            try:
                fn(replay.account(args[0]), *args[1:])
            except ApiError:
                pass
        assert state(replay) == state(self.ex)
        assert events == self.events


ExchangeMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestExchange = ExchangeMachine.TestCase
