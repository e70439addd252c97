"""A real SMTP round trip: sign up on the web form, read the delivered mail, confirm, sign in.

A local aiosmtpd server on 127.0.0.1 receives what the app sends through ``MAIL_URL``; the
test reads the message as a mail client would (the ``email`` package), follows its link and
signs in. Skipped when aiosmtpd is missing, except in CI (INKSTONE_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone.auth.models import User, UserStatus
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_token, redirect_target
from tests.smtp_helpers import MailServer, free_smtp_port, mailing_app, running


@pytest.fixture
def smtp_server() -> Iterator[tuple[MailServer, int]]:
    """A local SMTP server that accepts every message, and its port; stopped after the test."""
    port = free_smtp_port()
    with running(MailServer(), port) as inbox:
        yield inbox, port


@pytest.fixture
def smtp_app(app, db, tmp_path, database_url, smtp_server) -> Iterator[Flask]:
    """An app that sends its mail to the local SMTP server, on the test's database."""
    _inbox, port = smtp_server
    with mailing_app(tmp_path, database_url, port) as mailing:
        yield mailing


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
    assert len(inbox.delivered) == 1  # nothing else was sent


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
    assert inbox.delivered == []
