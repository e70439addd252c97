"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, and an app that mails to it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from inkstone import create_app
from inkstone.extensions import db, limiter
from tests.conftest import IsolatedClient, app_config, require_service

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - a dev dependency
    Controller = None

SENDER = "Inkstone <no-reply@inkstone.test>"


class MailServer:
    """An aiosmtpd handler answering each message's DATA with the next reply of a script.

    The last reply repeats; without a script every message is accepted. A ``250`` keeps the
    message, as a mail server that accepted it.
    """

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies) or ["250 Message accepted for delivery"]
        self.attempts = 0
        self.delivered: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = self.replies[min(self.attempts, len(self.replies) - 1)]
        self.attempts += 1
        if reply.startswith("250"):
            self.delivered.append(envelope)
        return reply

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """Return the delivered envelopes once ``count`` have arrived (the server has a thread)."""
        deadline = time.monotonic() + timeout
        while len(self.delivered) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.delivered) >= count, f"{len(self.delivered)} messages arrived"
        return self.delivered


def free_smtp_port() -> int:
    """Return a free port on 127.0.0.1 for a mail server (skip the test without aiosmtpd)."""
    require_service("aiosmtpd", Controller is not None, "install the dev dependencies")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(server: MailServer, port: int) -> Iterator[MailServer]:
    """Serve SMTP with ``server`` on ``port`` inside the block."""
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@contextmanager
def mailing_app(
    instance_path: Path, database_url: str, port: int, **settings: Any
) -> Iterator[Flask]:
    """Yield an app that mails through SMTP on ``port``, on the test database, with ``settings``.

    The rate limiter (one object shared by every app) gets its switch back afterwards, and the
    app's database engine is disposed.
    """
    limits_on = limiter.enabled
    mailing = create_app(
        app_config(
            instance_path,
            database_url,
            MAIL_URL=f"smtp://127.0.0.1:{port}?timeout=5",
            MAIL_FROM=SENDER,
            **settings,
        )
    )
    mailing.test_client_class = IsolatedClient
    try:
        yield mailing
    finally:
        limiter.enabled = limits_on
        with mailing.app_context():
            db.engine.dispose()
