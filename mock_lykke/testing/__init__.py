"""The mock as a Python object for tests (moto-style: the same backend as `mock-lykke serve`,
in-process, started in milliseconds).

    from mock_lykke.testing import Lykke, AsyncLykke

    with Lykke(scenario="world.yaml") as lykke:          # synchronous code
        lykke.private("trader").GetBalances(Empty())
    async with AsyncLykke(seed=3) as lykke:               # asyncio code, on the running loop
        await lykke.wait_for_order(order_id, status="Matched")

The pytest plugin (mock_lykke.pytest_plugin) hands these out as the `lykke` fixture;
docs/pytest.md is the guide.
"""
from ..engine.orders import ACTIVE, CANCELLED, MATCHED, PARTIAL, PLACED, REPLACED
from ..scenario.controller import ControlError
from .api import AsyncLykke, Lykke
from .loop import close_shared_loop
from .options import Options, scenario_for
from .world import MockStopped

__all__ = ["ACTIVE", "AsyncLykke", "CANCELLED", "ControlError", "Lykke", "MATCHED",
           "MockStopped", "Options", "PARTIAL", "PLACED", "REPLACED", "close_shared_loop",
           "scenario_for"]
