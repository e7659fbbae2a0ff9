"""Swagger UI under /swagger/ui/, as the real server serves it (Swashbuckle), from the copy of
swagger-ui-dist that the `swagger-ui-bundle` package ships: offline, no CDN.

The page is swagger-ui-dist's own index.html; only its initializer is ours (it points the UI at
the OpenAPI document, by a relative URL so that a proxy prefix keeps working).
"""
from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path

from .openapi import SWAGGER_JSON_PATH

PREFIX = "/swagger/ui/"
INITIALIZER = "swagger-initializer.js"
# what the page loads, plus the OAuth2 redirect page Swashbuckle also serves
FILES = ("index.html", "index.css", "swagger-ui.css", "swagger-ui-bundle.js",
         "swagger-ui-standalone-preset.js", "favicon-32x32.png", "favicon-16x16.png",
         "oauth2-redirect.html")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8"}


def dist_folder() -> Path:
    from swagger_ui_bundle import swagger_ui_path
    return Path(str(swagger_ui_path))


def initializer() -> str:
    doc = "../.." + SWAGGER_JSON_PATH                # from /swagger/ui/
    return ("window.onload = function () {\n"
            "  window.ui = SwaggerUIBundle({\n"
            f"    url: {doc!r},\n"
            "    dom_id: '#swagger-ui',\n"
            "    deepLinking: true,\n"
            "    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],\n"
            "    plugins: [SwaggerUIBundle.plugins.DownloadUrl],\n"
            "    layout: 'StandaloneLayout'\n"
            "  });\n"
            "};\n")


@lru_cache(maxsize=None)
def asset(name: str) -> tuple[bytes, str] | None:
    """(body, content type) of the file `name` under /swagger/ui/, or None: not one of them."""
    if name == INITIALIZER:
        return initializer().encode(), _TYPES[".js"]
    if name not in FILES:
        return None
    path = dist_folder() / name
    kind = _TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return path.read_bytes(), kind
