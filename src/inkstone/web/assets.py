"""Fingerprinted static URLs: ``?v=<content hash>`` lets browsers keep a file for a year."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

LONG_CACHE = "public, max-age=31536000, immutable"


@cache
def _fingerprint(path: str) -> str:
    """Return the first 10 hex digits of the file's SHA-256 (read once per process)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


_URLS: dict[tuple[str, str | None, str], str] = {}


def asset_url(filename: str, blueprint: str | None = None) -> str:
    """Return the URL of a static file with its content fingerprint.

    Every page links the same few assets: each URL is built once per process (and site root).
    """
    key = (filename, blueprint, request.script_root)
    url = _URLS.get(key)
    if url is None:
        if blueprint is None:
            folder, endpoint = current_app.static_folder, "static"
        else:
            bp = current_app.blueprints[blueprint]
            folder, endpoint = bp.static_folder, f"{blueprint}.static"
        assert folder is not None  # both the app and Bootstrap-Flask have one
        fingerprint = _fingerprint(str(Path(folder) / filename))
        url = _URLS[key] = url_for(endpoint, filename=filename, v=fingerprint)
    return url


def cache_fingerprinted(response: Response) -> Response:
    """Give fingerprinted static files a year-long, immutable cache lifetime."""
    endpoint = request.endpoint or ""
    if endpoint.endswith("static") and "v" in request.args and response.status_code == 200:
        response.headers["Cache-Control"] = LONG_CACHE
    return response


def init_assets(app: Flask) -> None:
    """Offer ``asset_url`` to templates and set the long cache header."""
    app.add_template_global(asset_url)
    app.after_request(cache_fingerprinted)
