"""The REST front (aiohttp). Placeholder until the REST issue lands: only /api/isalive."""
from __future__ import annotations

from aiohttp import web


def create_app(mock) -> web.Application:
    app = web.Application()

    async def isalive(request: web.Request) -> web.Response:
        return web.json_response({"name": "Lykke.HftApi", "version": mock.version})

    app.router.add_get("/api/isalive", isalive)
    from .control import add_control_routes
    add_control_routes(app, mock)
    return app
