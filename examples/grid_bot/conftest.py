"""Fixtures of the grid bot's tests: a bot configured for the mock, run beside the test."""
import asyncio
from contextlib import suppress
from decimal import Decimal as D

import pytest
import pytest_asyncio

from grid_bot import Config, GridBot

PAIR = "BTCUSD"


def make_bot(lykke) -> GridBot:
    """The bot as it would run against the exchange, pointed at the mock."""
    return GridBot(Config(target=lykke.grpc_target, api_key=lykke.api_key("bot"), pair=PAIR,
                          levels=3, step=D("10"), volume=D("0.01"),
                          tls=lykke.tls is not None, root_certificates=lykke.ca_pem,
                          retry_delay=0))


class Bots:
    """Runs bots as tasks: start() returns once the bot's grid is placed and its trade stream
    is live; stop() cancels them all."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.tasks: list[asyncio.Task] = []

    async def start(self, bot: GridBot) -> GridBot:
        task = asyncio.create_task(bot.run())
        self.tasks.append(task)
        for event in (bot.ready, bot.subscribed):
            waiter = asyncio.ensure_future(event.wait())
            await asyncio.wait([task, waiter], timeout=self.timeout,
                               return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if task.done():
                task.result()                   # the bot died: show why
            assert event.is_set(), "the bot did not start"
        return bot

    async def stop(self) -> None:
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


@pytest_asyncio.fixture            # async fixtures: pytest_asyncio's, for any asyncio_mode
async def bots(lykke):
    """Bots beside the test, stopped before the mock is."""
    runner = Bots(lykke.timeout)
    yield runner
    await runner.stop()


@pytest.fixture
def new_bot(lykke):
    """new_bot(): a bot for this test's mock (not started)."""
    return lambda: make_bot(lykke)


@pytest_asyncio.fixture
async def bot(lykke, bots):
    """A running bot."""
    return await bots.start(make_bot(lykke))
