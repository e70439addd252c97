"""Newsletter test helpers: an app mailing to a real local SMTP server, reading its mail."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask

from inkstone.articles import services as article_services
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.extensions import db as _db
from tests.smtp_helpers import MailServer, free_smtp_port, mailing_app, running

SITE = "http://127.0.0.1:5000"


def read(envelope: Any) -> EmailMessage:
    """Parse a delivered message as a mail client would."""
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    """Return the plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    """Return the site path of the link to ``path…`` in a message's text."""
    [found] = re.findall(rf"{re.escape(SITE)}({re.escape(path)}\S+)", text_of(message))
    return str(found)


@pytest.fixture
def smtp_port() -> int:
    """A free port for the test's SMTP server."""
    return free_smtp_port()


@pytest.fixture
def serve(smtp_port: int) -> Iterator[Callable[..., MailServer]]:
    """Start a scripted SMTP server on the test's port (``serve("451 …", "250 OK")``)."""
    started: list[Any] = []

    def start(*replies: str) -> MailServer:
        server = MailServer(*replies)
        context = running(server, smtp_port)
        context.__enter__()
        started.append(context)
        return server

    yield start
    for context in started:
        context.__exit__(None, None, None)


@pytest.fixture
def smtp_app(app, db, tmp_path, database_url, smtp_port) -> Iterator[Flask]:
    """An app mailing through SMTP to the test's port, on the test's database."""
    with mailing_app(tmp_path, database_url, smtp_port) as mailing:
        yield mailing


@pytest.fixture
def publish(app: Flask, db: Any) -> Callable[..., None]:
    """Publish (or unpublish) an article through the articles service, and commit."""

    def set_published(article: Article, on: bool = True, flask_app: Flask | None = None) -> None:
        with (flask_app or app).app_context():
            found = _db.session.get(Article, article.id)
            author = _db.session.get(User, article.author_id)
            assert found is not None
            assert author is not None
            article_services.update_article(article=found, actor=author, changes={"published": on})
            _db.session.commit()

    return set_published


@pytest.fixture
def subscribed(app: Flask, db: Any) -> Callable[..., None]:
    """Give ``author`` confirmed subscribers with these addresses (committed)."""
    from inkstone.core.db import utcnow
    from inkstone.newsletters.models import Subscription, SubscriptionStatus

    def add(author: User, *addresses: str) -> None:
        with app.app_context():
            for address in addresses:
                _db.session.add(
                    Subscription(
                        author_id=author.id,
                        email=address,
                        email_key=address.casefold(),
                        status=SubscriptionStatus.CONFIRMED.value,
                        token_key=f"key-{address}"[:32],
                        created_at=utcnow(),
                        confirmed_at=utcnow(),
                    )
                )
            _db.session.commit()

    return add
