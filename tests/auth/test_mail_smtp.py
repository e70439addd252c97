"""A real SMTP round trip: sign up on the web form, read the delivered mail, confirm, sign in.

A local aiosmtpd server on 127.0.0.1 receives what the app sends through ``MAIL_URL``; the
test reads the message as a mail client would (the ``email`` package), follows its link and
signs in. Skipped when aiosmtpd is missing, except in CI (INKSTONE_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone import create_app
from inkstone.auth.models import User, UserStatus
from inkstone.extensions import db, limiter
from tests.conftest import (
    DEFAULT_PASSWORD,
    IsolatedClient,
    app_config,
    csrf_token,
    redirect_target,
    require_service,
)

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - a dev dependency
    Controller = None


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """Return the envelopes once ``count`` have arrived (the server runs in a thread)."""
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.envelopes) >= count, f"{len(self.envelopes)} messages arrived"
        return self.envelopes


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server on 127.0.0.1 and a free port, stopped after the test."""
    require_service("aiosmtpd", Controller is not None, "install the dev dependencies")
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_app(app, db, tmp_path, database_url, smtp_server, monkeypatch) -> Iterator[Flask]:
    """An app that sends its mail to the local SMTP server, on the test's database."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    _inbox, port = smtp_server
    config = app_config(
        tmp_path,
        database_url,
        MAIL_URL=f"smtp://127.0.0.1:{port}",
        MAIL_FROM="Inkstone <no-reply@inkstone.test>",
    )
    mailing = create_app(config)
    mailing.test_client_class = IsolatedClient
    yield mailing
    with mailing.app_context():
        db.engine.dispose()


def test_sign_up_confirm_by_mail_and_sign_in_over_real_smtp(smtp_app, smtp_server):
    inbox, _port = smtp_server
    assert smtp_app.config["MAIL_BACKEND"] == "smtp"

    signing_up = smtp_app.test_client()
    form = {
        "csrf_token": csrf_token(signing_up, "/register"),
        "username": "postie",
        "email": "Postie@Example.org",
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
    }
    assert redirect_target(signing_up.post("/register", data=form)) == "/"

    [envelope] = inbox.wait(1)
    assert envelope.mail_from == "no-reply@inkstone.test"
    assert envelope.rcpt_tos == ["postie@example.org"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["To"] == "postie@example.org"
    assert message["Subject"] == "Confirm your email address for Inkstone"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    [link] = re.findall(r"http://127\.0\.0\.1:5000(/confirm/\S+)", text)
    assert f'href="http://127.0.0.1:5000{link}"' in html

    elsewhere = smtp_app.test_client()  # another browser, say the phone the mail was read on
    assert elsewhere.get(link).status_code == 200
    sign_in = {
        "csrf_token": csrf_token(elsewhere, "/login"),
        "email": "postie@example.org",
        "password": DEFAULT_PASSWORD,
    }
    assert redirect_target(elsewhere.post("/login", data=sign_in)) == "/"
    assert elsewhere.get("/settings").status_code == 200
    with smtp_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "postie"))
        assert user is not None
        assert user.status == UserStatus.ACTIVE
        assert user.email_confirmed_at is not None
    assert len(inbox.envelopes) == 1  # nothing else was sent


def test_no_mail_reaches_the_server_when_the_sign_up_is_refused(smtp_app, smtp_server, make_user):
    inbox, _port = smtp_server
    make_user(email="taken@example.org")
    client = smtp_app.test_client()
    form = {
        "csrf_token": csrf_token(client, "/register"),
        "username": "second",
        "email": "taken@example.org",
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
    }
    assert client.post("/register", data=form).status_code == 200
    api = client.post(
        "/api/v1/users",
        json={"user": {"username": "third", "email": "taken@example.org", "password": "x" * 12}},
    )
    assert api.status_code == 409
    time.sleep(0.2)  # anything sent would have arrived by now
    assert inbox.envelopes == []
