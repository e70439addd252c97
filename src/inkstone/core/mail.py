"""Mail through Flask-Mailman: localized text + HTML messages, sent only after a commit.

Services queue messages on the database session (``queue_mail``); they leave when that
session commits and are dropped when it rolls back, so no mail ever announces a change that
did not happen. The backend is a setting: ``console`` (printed), ``file`` (instance/mail),
``smtp`` (``MAIL_URL``) or ``locmem`` (tests).

A worker (``MAIL_IN_WORKER``) tries a message again when the server's failure may pass (a 4xx
answer, a refused, lost or timed-out connection) and drops it, logged, when it will not (5xx);
a request sending its own mail logs any failure and carries on.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import structlog
from celery import shared_task
from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from inkstone.core.site import site_settings
from inkstone.extensions import db, mail

log = structlog.get_logger(__name__)
_OUTBOX = "inkstone_outbox"
_TRUE = {"1", "true", "yes", "on"}


def smtp_settings(url: str) -> dict[str, Any]:
    """Turn ``smtp://user:password@host:port?tls=true`` (or ``smtps://``) into Mailman keys."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("MAIL_URL must look like smtp://user:password@host:587?tls=true")
    query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
    implicit_tls = parts.scheme == "smtps"
    return {
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": parts.port or (465 if implicit_tls else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_SSL": implicit_tls,
        "MAIL_USE_TLS": not implicit_tls and query.get("tls", "") in _TRUE,
        "MAIL_TIMEOUT": int(query.get("timeout", "10")),
    }


def init_mail(app: Flask) -> None:
    """Bind Flask-Mailman with the backend the settings chose."""
    config = app.config
    config["MAIL_DEFAULT_SENDER"] = config["MAIL_FROM"]
    if config["MAIL_URL"]:
        from inkstone.core.config import ConfigError

        try:
            config.update(smtp_settings(config["MAIL_URL"]))
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    if config["MAIL_BACKEND"] == "file":
        path = Path(app.instance_path) / "mail"
        path.mkdir(parents=True, exist_ok=True)
        config["MAIL_FILE_PATH"] = str(path)
    mail.init_app(app)


def site_url(endpoint: str, **values: Any) -> str:
    """Return an absolute link to ``endpoint`` on the site's configured address.

    Links in mail never come from the request's ``Host`` header: a forged one would send a
    password-reset link to somebody else's server. The link is built from the URL map alone,
    so it works outside a request too (the CLI, a worker, a test's app context).
    """
    base = urlsplit(str(current_app.config["SITE_URL"]))
    adapter = current_app.url_map.bind(
        base.netloc,
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "http",
    )
    return adapter.build(endpoint, values, force_external=True)


def compose(
    *, to: str, subject: str, template: str, locale: str | None, context: Mapping[str, Any]
) -> EmailMultiAlternatives:
    """Return a message in ``locale`` from ``<template>.txt`` and ``<template>.html``."""
    with force_locale(locale or "en"):
        values = {"site_name": site_settings().name, **context}
        text = render_template(f"{template}.txt", **values)
        html = render_template(f"{template}.html", **values)
        subject = str(subject)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def queue_mail(message: EmailMultiAlternatives) -> None:
    """Send ``message`` once the current database transaction commits (never if it rolls back)."""
    session = db.session()
    if not session.in_transaction():
        # A rollback with no transaction begun is a no-op that fires no event: begin one,
        # so that a rollback always drops the message.
        session.begin()
    session.info.setdefault(_OUTBOX, []).append(message)


class MailDeferred(Exception):
    """The mail server failed in a way that may pass: the message is worth sending again."""


def is_transient(exc: BaseException) -> bool:
    """Tell whether a failed send may succeed later (a 4xx answer, a connection that failed)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # Raised when every recipient was refused: greylisting answers 450/451 here.
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        return False  # the server cannot do what the message needs (no SMTPUTF8, say)
    return isinstance(exc, OSError)  # refused, reset, timed out, name not resolved


def deliver(message: EmailMultiAlternatives, *, defer_transient: bool = False) -> None:
    """Hand ``message`` to the mail backend now; a failure is logged, never raised.

    With ``defer_transient`` (a worker that may try again), a failure that may pass raises
    ``MailDeferred`` instead.
    """
    try:
        # Flask-Mailman leaves the socket open when the server refuses a message; closing it
        # here keeps a worker that retries all day from leaking one per try.
        with mail.get_connection() as connection:
            message.connection = connection
            message.send()
    except Exception as exc:  # the change is committed; a lost mail can be asked for again
        if defer_transient and is_transient(exc):
            log.warning("mail.deferred", to=message.to, subject=message.subject, error=str(exc))
            raise MailDeferred(str(exc)) from exc
        log.exception("mail.failed", to=message.to, subject=message.subject)
    else:
        log.info("mail.sent", to=message.to, subject=message.subject)


def as_data(message: EmailMultiAlternatives) -> dict[str, Any]:
    """Return ``message`` as plain data a task can carry (JSON)."""
    html = next((body for body, kind in message.alternatives if kind == "text/html"), None)
    return {
        "subject": str(message.subject),
        "body": message.body,
        "html": html,
        "to": list(message.to),
        "from": message.from_email,
    }


def from_data(data: Mapping[str, Any]) -> EmailMultiAlternatives:
    """Rebuild a message from ``as_data``'s output."""
    message = EmailMultiAlternatives(
        subject=data["subject"], body=data["body"], to=data["to"], from_email=data["from"]
    )
    if data.get("html"):
        message.attach_alternative(data["html"], "text/html")
    return message


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox = session.info.pop(_OUTBOX, None)
    if not outbox:
        return
    by_worker = bool(current_app.config.get("MAIL_IN_WORKER"))
    for message in outbox:
        if by_worker:
            from inkstone.core.celery import task_named

            try:
                task_named("inkstone.send_mail").delay(as_data(message))
                continue
            except Exception:  # no broker: the reader would rather wait on SMTP than lose it
                log.warning("mail.queue_failed", to=message.to, exc_info=True)
        deliver(message)


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_OUTBOX, None)


MAIL_RETRIES = 5


@shared_task(  # type: ignore[untyped-decorator]
    name="inkstone.send_mail",
    bind=True,
    acks_late=True,
    autoretry_for=(MailDeferred,),
    max_retries=MAIL_RETRIES,
    # Waits drawn at random below 30 s, 1, 2, 4 then 8 minutes: a greylisting server or one
    # restarting gets time to come back; the last try is about a quarter of an hour on.
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
)
def send_mail(self: Any, data: dict[str, Any]) -> None:
    """Send one mail queued by a request (so the request never waits on the mail server).

    A failure that may pass is tried again later; the last try, or a permanent failure (a
    5xx answer), is logged and the message dropped.
    """
    deliver(from_data(data), defer_transient=self.request.retries < MAIL_RETRIES)
