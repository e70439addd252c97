"""Browser tests: the real site served on loopback, driven by Playwright in Debian's Chromium.

The server is a real WSGI server in a thread with its own SQLite database (migrated with the
project's migrations). Chromium comes from the system (``CHROMIUM`` or ``/usr/bin/chromium``):
a browser download cannot work here. Every page fails its test if the browser logs a console
error or an uncaught exception.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from inkstone.app import create_app
from inkstone.auth import throttle
from inkstone.extensions import db
from tests.conftest import MIGRATIONS_DIR, app_config, require_service

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let the threaded dev server leave files of responses the browser abandoned to the GC.

    Chromium cancels some requests mid-flight (a favicon, a prefetch); Werkzeug's dev server
    then drops the response without closing its file, which Python reports when it collects
    it. gunicorn, which serves the site for real, closes them.
    """
    marker = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(marker)


def chromium_path() -> str | None:
    """Return the system Chromium, if there is one."""
    configured = os.environ.get("CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class LiveServer:
    """The site on a loopback port, and its app for setting up data directly."""

    url: str
    app: Any
    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)


@contextmanager
def serve_site(instance: Path, name: str, **overrides: Any) -> Iterator[LiveServer]:
    """Serve a fresh, migrated site (its own SQLite file in ``instance``) on 127.0.0.1."""
    app = create_app(app_config(instance, f"sqlite:///{instance / 'site.db'}", **overrides))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, server, thread)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Serve a fresh site on 127.0.0.1 for the whole browser session."""
    with serve_site(tmp_path_factory.mktemp("browser-instance"), "live-server") as site:
        yield site


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (skipped locally without Chromium)."""
    executable = chromium_path()
    require_service("Chromium", executable is not None, "install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class BrowserErrors:
    """What the browser complained about while a test ran."""

    console: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


def _watch(page: Any, errors: BrowserErrors) -> None:
    page.on(
        "console",
        lambda message: (
            message.type == "error" and errors.console.append(f"{page.url}: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: errors.uncaught.append(f"{page.url}: {error}"))
    page.on(
        "requestfailed",
        lambda request: errors.failed_requests.append(f"{request.method} {request.url}"),
    )


@pytest.fixture(autouse=True)
def fresh_counts(request: pytest.FixtureRequest) -> None:
    """Start each test on fresh sign-in failure and sign-up counts.

    They are kept outside the database, for the whole session's server, and every browser
    is 127.0.0.1: a fourth sign-up in the session would otherwise meet the captcha.
    """
    if "live_server" in request.fixturenames:
        throttle.forget_all(request.getfixturevalue("live_server").app)


@pytest.fixture
def new_page(
    browser: Any, live_server: LiveServer
) -> Iterator[Callable[..., tuple[Any, BrowserErrors]]]:
    """Return a factory of fresh pages (own cookies) that must end the test error-free."""
    contexts: list[Any] = []
    watched: list[BrowserErrors] = []

    def make(width: int = 1280, height: int = 900, **options: Any) -> tuple[Any, BrowserErrors]:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors = BrowserErrors()
        _watch(page, errors)
        watched.append(errors)
        return page, errors

    yield make
    for context in contexts:
        context.close()
    for errors in watched:
        assert errors.console == [], "console errors:\n" + "\n".join(errors.console)
        assert errors.uncaught == [], "uncaught exceptions:\n" + "\n".join(errors.uncaught)


@pytest.fixture
def page(new_page: Callable[..., tuple[Any, BrowserErrors]]) -> Any:
    """A fresh desktop-sized page."""
    return new_page()[0]
