"""Mail: SMTP settings from MAIL_URL, messages sent only after a commit, links on SITE_URL."""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from celery.signals import task_retry
from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select
from structlog.testing import capture_logs

from inkstone import create_app
from inkstone.auth.models import User
from inkstone.core.config import ConfigError
from inkstone.core.mail import (
    MAIL_RETRIES,
    compose,
    is_transient,
    queue_mail,
    site_url,
    smtp_settings,
)
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, app_config, csrf_token, redirect_target
from tests.smtp_helpers import MailServer, free_smtp_port, mailing_app, running


@pytest.fixture
def mailbox(app, db) -> list:
    """The app's outbox (Flask-Mailman's locmem backend), emptied for this test."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


def _message(to: str = "reader@example.org"):
    return compose(
        to=to,
        subject="Hello",
        template="auth/mail/confirm",
        locale=None,
        context={"user": _Named("reader"), "link": "http://x.example/confirm/t", "hours": 24},
    )


class _Named:
    def __init__(self, username: str) -> None:
        self.username = username


# --------------------------------------------------------------------------- MAIL_URL


def test_smtp_url_gives_server_port_and_no_encryption_by_default():
    assert smtp_settings("smtp://mail.example.org") == {
        "MAIL_SERVER": "mail.example.org",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_SSL": False,
        "MAIL_USE_TLS": False,
        "MAIL_TIMEOUT": 10,
    }


def test_smtp_url_with_credentials_starttls_and_a_timeout():
    settings = smtp_settings(
        "smtp://me%40example.org:p%3Ass%2Fw@mail.example.org:587?tls=TRUE&timeout=3"
    )
    assert settings["MAIL_PORT"] == 587
    assert (settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"]) == ("me@example.org", "p:ss/w")
    assert (settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (True, False)
    assert settings["MAIL_TIMEOUT"] == 3


@pytest.mark.parametrize("tls", ["false", "0", "no", ""])
def test_smtp_url_tls_off(tls):
    assert smtp_settings(f"smtp://mail.example.org?tls={tls}")["MAIL_USE_TLS"] is False


def test_smtps_url_means_implicit_tls_on_port_465():
    settings = smtp_settings("smtps://mail.example.org?tls=true")
    assert (settings["MAIL_PORT"], settings["MAIL_USE_SSL"], settings["MAIL_USE_TLS"]) == (
        465,
        True,
        False,  # never both: SSL from the first byte already encrypts
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.org",
        "mail.example.org:25",
        "smtp://",
        "smtp:///no-host",
        "smtp://mail.example.org:port",
        "smtp://mail.example.org:99999",
        "smtp://mail.example.org?timeout=soon",
    ],
)
def test_a_bad_mail_url_stops_the_app_at_start(tmp_path, url):
    with pytest.raises(ConfigError, match=r"MAIL_URL|[Pp]ort|invalid literal"):
        create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", MAIL_URL=url))


def test_a_mail_url_chooses_the_smtp_backend(tmp_path):
    smtp = create_app(
        app_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", MAIL_URL="smtp://127.0.0.1:2525")
    )
    assert smtp.config["MAIL_BACKEND"] == "smtp"
    assert (smtp.config["MAIL_SERVER"], smtp.config["MAIL_PORT"]) == ("127.0.0.1", 2525)
    with smtp.app_context():
        db.engine.dispose()


# --------------------------------------------------------------------------- after commit only


def test_a_queued_message_leaves_when_the_transaction_commits(app, mailbox):
    with app.app_context():
        queue_mail(_message())
        assert mailbox == []  # not before
        db.session.commit()
    assert [m.to for m in mailbox] == [["reader@example.org"]]


def test_a_queued_message_is_dropped_when_the_transaction_rolls_back(app, mailbox):
    # Even when nothing else happened in the transaction yet (no SQL, so nothing begun).
    with app.app_context():
        queue_mail(_message("never@example.org"))
        db.session.rollback()
        queue_mail(_message("later@example.org"))
        db.session.commit()
    assert [m.to for m in mailbox] == [["later@example.org"]]


def test_a_savepoint_rolling_back_keeps_the_messages_of_its_transaction(app, mailbox):
    with app.app_context():
        queue_mail(_message())
        with db.session.begin_nested() as savepoint:
            savepoint.rollback()
        db.session.commit()
    assert len(mailbox) == 1


def test_a_failing_registration_sends_no_mail(client, make_user, mailbox):
    make_user(username="taken", email="taken@example.org")
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "username": "newcomer",
        "email": "taken@example.org",
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
    }
    assert client.post("/register", data=data).status_code == 200  # the form, with the error
    assert mailbox == []


def test_a_failing_mail_server_does_not_undo_the_change(app, make_user, mailbox, monkeypatch):
    user = make_user()

    def refuse(*_args, **_kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with app.app_context():
        db.session.get(User, user.id).bio = "changed"
        queue_mail(_message())
        db.session.commit()  # the failure is logged, not raised: the change is committed
    with app.app_context():
        assert db.session.get(User, user.id).bio == "changed"
    assert mailbox == []


# --------------------------------------------------------------------------- composing


def test_compose_renders_text_and_html_in_the_recipients_language(app):
    with app.test_request_context("/"):
        message = compose(
            to="reader@example.org",
            subject=_l("Confirm your email address for %(site)s", site="Inkstone"),
            template="auth/mail/confirm",
            locale="zh_CN",
            context={"user": _Named("小明"), "link": "http://x.example/confirm/t", "hours": 24},
        )
    assert isinstance(message.subject, str)
    assert "小明" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="zh-CN">' in html
    assert 'href="http://x.example/confirm/t"' in html


def test_compose_escapes_html_but_not_text(app):
    with app.app_context():
        message = compose(
            to="reader@example.org",
            subject="Hi",
            template="auth/mail/confirm",
            locale=None,
            context={"user": _Named("<b>bold</b>"), "link": "http://x.example/c", "hours": 24},
        )
    assert "<b>bold</b>" in message.body
    assert "&lt;b&gt;bold&lt;/b&gt;" in message.alternatives[0][0]


# --------------------------------------------------------------------------- links


def test_site_url_ignores_the_host_the_request_claims(app):
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert site_url("auth.login", next="/x") == "http://127.0.0.1:5000/login?next=/x"


def test_site_url_works_outside_a_request(app):
    with app.app_context():
        assert site_url("recovery.confirm", token="a.b-c") == "http://127.0.0.1:5000/confirm/a.b-c"


def test_site_url_keeps_the_scheme_host_and_path_of_site_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_URL", "https://blog.example.org:8443/ink/")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert site_url("recovery.reset_request") == "https://blog.example.org:8443/ink/reset"


def _mail(to: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject="Hello", body="text", to=[to])
    message.attach_alternative("<p>html</p>", "text/html")
    return message


def test_mail_goes_to_a_worker_task_and_arrives_whole(app, mailbox, monkeypatch):
    sent: list[dict] = []
    task = app.extensions["celery"].tasks["inkstone.send_mail"]
    monkeypatch.setattr(task, "delay", lambda data: sent.append(data))
    with app.app_context():
        queue_mail(_mail("worker@example.org"))
        db.session.commit()
    assert mailbox == []  # the request did not talk to the mail server
    assert sent == [
        {
            "subject": "Hello",
            "body": "text",
            "html": "<p>html</p>",
            "to": ["worker@example.org"],
            "from": app.config["MAIL_FROM"],
        }
    ]
    with app.app_context():
        task.run(sent[0])  # what the worker does with it
    assert [m.to for m in mailbox] == [["worker@example.org"]]
    assert mailbox[0].alternatives[0][0] == "<p>html</p>"


def test_without_a_worker_the_request_sends_the_mail_itself(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_IN_WORKER", False)
    task = app.extensions["celery"].tasks["inkstone.send_mail"]
    monkeypatch.setattr(task, "delay", lambda _data: pytest.fail("no task expected"))
    with app.app_context():
        queue_mail(_mail("direct@example.org"))
        db.session.commit()
    assert [m.to for m in mailbox] == [["direct@example.org"]]


# --------------------------------------------------------------------------- failures and retries


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (socket.gaierror(-3, "Temporary failure in name resolution"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (smtplib.SMTPDataError(451, b"4.7.1 Try again later"), True),
        (smtplib.SMTPSenderRefused(421, b"4.3.2 Shutting down", "no-reply@x.test"), True),
        (smtplib.SMTPRecipientsRefused({"a@x.test": (450, b"4.2.0 Greylisted")}), True),
        (smtplib.SMTPDataError(550, b"5.7.1 Rejected as spam"), False),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), False),
        (smtplib.SMTPRecipientsRefused({"a@x.test": (550, b"5.1.1 No such user")}), False),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@x.test": (450, b"4.2.0 Greylisted"), "b@x.test": (550, b"5.1.1 No such user")}
            ),
            False,
        ),
        (smtplib.SMTPNotSupportedError("SMTPUTF8 not supported"), False),
        (ValueError("bad address"), False),
    ],
)
def test_only_failures_that_may_pass_are_worth_another_try(error, transient):
    assert is_transient(error) is transient


@pytest.fixture
def smtp_port() -> int:
    """A port on 127.0.0.1 for a mail server (none listens there unless a test starts one)."""
    return free_smtp_port()


@pytest.fixture
def serve(smtp_port: int) -> Iterator[Any]:
    """Return a function starting a ``MailServer`` on ``smtp_port`` (stopped afterwards)."""
    with ExitStack() as started:
        yield lambda *replies: started.enter_context(running(MailServer(*replies), smtp_port))


@pytest.fixture
def smtp_mail_app(app, db, tmp_path, database_url, smtp_port) -> Iterator[Flask]:
    """An app mailing through SMTP on ``smtp_port``, its tasks run in place (no broker)."""
    with mailing_app(tmp_path, database_url, smtp_port, MAIL_IN_WORKER=True) as mailing:
        yield mailing


@pytest.fixture
def retries() -> Iterator[list[float]]:
    """The delays (seconds) of the retries the mail task asks for, in order."""
    asked: list[float] = []

    def record(sender: Any = None, reason: Any = None, **_kwargs: Any) -> None:
        if sender is not None and sender.name == "inkstone.send_mail":
            asked.append(reason.when)

    task_retry.connect(record, weak=False)
    yield asked
    task_retry.disconnect(record)


def _send_one(app: Flask, to: str = "reader@example.org") -> None:
    with app.app_context():
        queue_mail(_mail(to))
        db.session.commit()  # the task runs in place here: no broker, no worker


def test_the_worker_tries_again_after_a_4xx_and_the_mail_arrives(smtp_mail_app, serve, retries):
    server = serve("451 4.7.1 Greylisted, try again later", "451 4.7.1 Still greylisted", "250 OK")

    with capture_logs() as logs:
        _send_one(smtp_mail_app, "patient@example.org")

    assert server.attempts == 3
    [envelope] = server.delivered
    assert envelope.rcpt_tos == ["patient@example.org"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"] == "Hello"
    # Two retries, each after a wait drawn below an exponential bound (never past 10 minutes).
    assert len(retries) == 2
    assert all(0 <= delay <= bound for delay, bound in zip(retries, (30, 60), strict=True))
    events = [entry["event"] for entry in logs]
    assert events.count("mail.deferred") == 2
    assert "mail.failed" not in events


def test_a_refused_connection_is_tried_again_until_the_server_is_back(
    smtp_mail_app, serve, retries
):
    # Nobody listens on the port at first; the server comes up after the second retry is asked.
    server: list[MailServer] = []

    def come_up(sender: Any = None, **_kwargs: Any) -> None:
        if len(retries) == 2 and not server:
            server.append(serve("250 OK"))

    task_retry.connect(come_up, weak=False)
    try:
        _send_one(smtp_mail_app, "later@example.org")
    finally:
        task_retry.disconnect(come_up)

    assert len(retries) == 2
    assert [e.rcpt_tos for e in server[0].delivered] == [["later@example.org"]]


def test_a_5xx_is_not_tried_again_and_the_mail_is_dropped(smtp_mail_app, serve, retries):
    server = serve("550 5.1.1 No such user here")

    with capture_logs() as logs:
        _send_one(smtp_mail_app, "nobody@example.org")

    assert server.attempts == 1
    assert server.delivered == []
    assert retries == []
    [failed] = [entry for entry in logs if entry["event"] == "mail.failed"]
    assert failed["to"] == ["nobody@example.org"]


def test_a_server_that_stays_unavailable_gets_five_retries_then_the_mail_is_dropped(
    smtp_mail_app, serve, retries
):
    server = serve("421 4.3.2 Service shutting down")

    with capture_logs() as logs:
        _send_one(smtp_mail_app)  # the commit goes through: nothing raised

    assert server.attempts == 1 + MAIL_RETRIES == 6
    assert len(retries) == MAIL_RETRIES
    assert all(delay <= 600 for delay in retries)
    assert [entry["event"] for entry in logs].count("mail.failed") == 1


def test_sending_in_the_request_logs_a_failure_and_the_page_still_works(
    smtp_mail_app, serve, monkeypatch
):
    monkeypatch.setitem(smtp_mail_app.config, "MAIL_IN_WORKER", False)
    server = serve("451 4.7.1 Try again later")
    client = smtp_mail_app.test_client()
    form = {
        "csrf_token": csrf_token(client, "/register"),
        "username": "unlucky",
        "email": "unlucky@example.org",
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
    }

    with capture_logs() as logs:
        response = client.post("/register", data=form)

    assert redirect_target(response) == "/"  # not a 500: the account is made
    assert server.attempts == 1  # a request never waits through retries
    assert server.delivered == []
    assert "mail.failed" in [entry["event"] for entry in logs]
    with smtp_mail_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "unlucky")) is not None
