"""pytest fixtures over mock_lykke.testing (registered by the `pytest11` entry point).

- `lykke`: a fresh mock for each test (gRPC + REST on ephemeral ports, virtual clock).
  A sync test gets a `Lykke` (the mock on a background loop thread, waits block); an
  `async def` test gets an `AsyncLykke` on the test's own loop (waits are awaited).
- `lykke_module`: one `Lykke` for all the tests of a module (`.aio` for async tests).
- `lykke_options`: session-wide defaults; override it in a conftest.py.

Options, in rising precedence: `lykke_options`, `@pytest.mark.lykke(...)` on the module,
class and test, then `@pytest.mark.parametrize("lykke", [{...}], indirect=True)`.
docs/pytest.md is the guide.

With `--lykke-server URL` (or $MOCK_LYKKE_SERVER) the fixtures hand out sessions of a shared
`mock-lykke serve` instead (mock_lykke.testing.remote; docs/sessions.md).
"""
from __future__ import annotations

import inspect
import os

import pytest

try:
    import pytest_asyncio
except ImportError:                 # async tests need pytest-asyncio; sync tests do not
    pytest_asyncio = None

MARKER = ("lykke(scenario=None, seed=None, clock='virtual', speed=None, quirks=None, "
          "tls=False, timeout=5.0): the mock the lykke fixtures start (docs/pytest.md)")
_OPTIONS = pytest.StashKey[dict]()


def pytest_addoption(parser) -> None:
    g = parser.getgroup("mock-lykke")
    g.addoption("--lykke-server", metavar="URL", default=os.environ.get("MOCK_LYKKE_SERVER"),
                help="run the lykke fixtures as sessions of this `mock-lykke serve` (its REST "
                     "URL) instead of in-process mocks (default $MOCK_LYKKE_SERVER)")
    g.addoption("--lykke-server-ca", metavar="FILE",
                default=os.environ.get("MOCK_LYKKE_SERVER_CA"),
                help="the CA file to trust when that server serves TLS "
                     "(default $MOCK_LYKKE_SERVER_CA)")
    g.addoption("--lykke-server-token", metavar="TOKEN",
                default=os.environ.get("MOCK_LYKKE_CONTROL_TOKEN"),
                help="that server's --control-token, sent with every control call "
                     "(default $MOCK_LYKKE_CONTROL_TOKEN)")


def _remote(request, options: dict, aio: bool = False):
    """A session of the --lykke-server, or None without one."""
    server = request.config.getoption("lykke_server", None)
    if not server:
        return None
    from .testing.remote import AsyncRemoteLykke, RemoteLykke
    options = {k: v for k, v in options.items() if k != "tls"}    # the server's TLS is its own
    cls = AsyncRemoteLykke if aio else RemoteLykke
    return cls(server, ca_file=request.config.getoption("lykke_server_ca", None),
               control_token=request.config.getoption("lykke_server_token", None), **options)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", MARKER)


def _options(request, defaults: dict) -> dict:
    options = dict(defaults)
    for mark in reversed(list(request.node.iter_markers("lykke"))):    # farthest first
        if mark.args:
            raise TypeError("@pytest.mark.lykke takes keyword arguments only, "
                            f"e.g. lykke(scenario='world.yaml'); got {mark.args!r}")
        options.update(mark.kwargs)
    param = getattr(request, "param", None)
    if param is not None:
        if not isinstance(param, dict):
            raise TypeError("an indirect `lykke` parameter is a dict of options")
        options.update(param)
    options.setdefault("base_dir", request.node.path.parent)
    return options


def _is_async(request) -> bool:
    fn = getattr(request.node, "function", None)
    inner = getattr(getattr(fn, "hypothesis", None), "inner_test", None)   # @given
    return inspect.iscoroutinefunction(inner or fn)


@pytest.fixture(scope="session")
def lykke_options() -> dict:
    """Defaults for every mock of the session, e.g. {"scenario": "world.yaml"} (a relative
    path starts at the test file's folder). Override it in a conftest.py."""
    return {}


@pytest.fixture
def lykke(request, lykke_options):
    """A fresh mock for this test: Lykke for a sync test, AsyncLykke for an async one."""
    options = _options(request, lykke_options)
    remote = _remote(request, options, aio=_is_async(request))
    if remote is not None and not _is_async(request):
        with remote as mock:
            yield mock
        return
    if _is_async(request):
        if pytest_asyncio is None:
            raise RuntimeError("async tests with the lykke fixture need pytest-asyncio")
        request.node.stash[_OPTIONS] = remote or options
        yield request.getfixturevalue("_lykke_async")
        return
    from .testing import Lykke        # here, not at the top: pytest starts as fast without it
    with Lykke(**options) as mock:
        yield mock


if pytest_asyncio is not None:
    @pytest_asyncio.fixture
    async def _lykke_async(request):
        from .testing import AsyncLykke
        options = request.node.stash[_OPTIONS]
        remote = None if isinstance(options, dict) else options      # an AsyncRemoteLykke
        async with remote or AsyncLykke(**options) as mock:
            yield mock


@pytest.fixture(scope="module")
def lykke_module(request, lykke_options):
    """One mock for the whole module (markers: the module's `pytestmark`). Tests share its
    state: call lykke_module.reset() where they must not."""
    from .testing import Lykke
    options = _options(request, lykke_options)
    with _remote(request, options) or Lykke(**options) as mock:
        yield mock
