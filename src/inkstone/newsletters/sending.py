"""Mailing a new article to its author's confirmed subscribers, in batches, once.

When ``article_published`` has committed, a ``Mailing`` row is written for the article
(``article_id`` is unique: an article unpublished, edited and published again finds its row
and is not mailed twice) with the task that sends it, through the outbox in the same
transaction. Each run of the task mails up to ``BATCH`` subscribers after the mailing's
``last_subscription_id``, over one SMTP connection, then sends itself again for the rest.

Every mail is recorded (a ``Delivery``) and committed as soon as the server took it, so a run
retried after a failure that may pass (a 4xx answer, a refused or lost connection) skips
everyone already mailed. A permanent refusal (5xx) of an address marks its subscription
``bounced``: it gets no more mail. A mailing whose article was unpublished or hidden, or
whose author was suspended, meanwhile stops.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from typing import Any

import structlog
from celery import shared_task
from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from inkstone.articles import markdown
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.core import events
from inkstone.core.celery import enqueue_after_commit, task_named
from inkstone.core.db import utcnow
from inkstone.core.mail import compose, is_transient, site_url
from inkstone.extensions import db, mail
from inkstone.newsletters.links import Purpose, make_token
from inkstone.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Mailing,
    Subscription,
    SubscriptionStatus,
)
from inkstone.newsletters.services import MAILABLE_AUTHOR

log = structlog.get_logger(__name__)

SEND_TASK = "inkstone.newsletters.send"
BATCH = 100
SEND_RETRIES = 8


# --------------------------------------------------------------------------- planning


def is_mailable(article: Article | None, author: User | None) -> bool:
    """Tell whether an article may go to subscribers: public, not hidden, its author active."""
    return (
        article is not None
        and author is not None
        and article.published
        and article.hidden_at is None
        and author.status in MAILABLE_AUTHOR
    )


def plan_mailing(*, article_id: int) -> Mailing | None:
    """Record that ``article_id`` is to be mailed and queue the task; ``None`` if it never is.

    The caller commits (the task is written to the outbox in the same transaction).
    """
    article = db.session.get(Article, article_id)
    if article is None or not is_mailable(article, db.session.get(User, article.author_id)):
        return None
    if db.session.scalar(select(Mailing.id).where(Mailing.article_id == article_id)):
        return None  # mailed already (or being mailed): a re-publish mails nobody again
    if not _subscribed_before(article):
        return None  # nobody to mail: no row, no task (most authors, most publishes)
    mailing = Mailing(article_id=article_id, author_id=article.author_id, created_at=utcnow())
    db.session.add(mailing)
    db.session.flush()
    enqueue_after_commit(task_named(SEND_TASK), mailing.id)
    return mailing


def on_article_published(*, article: Article, **_: Any) -> None:
    """After a publish commits (at once, or a scheduled one going out), plan its mailing."""
    identity = inspect(article).identity
    if identity is None:
        return
    try:
        plan_mailing(article_id=int(identity[0]))
        db.session.commit()
    except IntegrityError:  # another process planned it at the same moment
        db.session.rollback()
    except Exception:  # the publish is committed: log, never undo it
        db.session.rollback()
        log.exception("newsletters.plan_failed", article_id=identity[0])


def subscribe_events() -> None:
    """Follow the publishing events (every ``create_app`` may call this again)."""
    from inkstone.newsletters.services import forget_account

    events.article_published.connect(on_article_published)
    events.user_deleting.connect(forget_account, when=events.IN_TRANSACTION)


# --------------------------------------------------------------------------- sending


@dataclass
class BatchResult:
    """What one run did: mails sent and bounced, whether more remain, a failure to retry."""

    sent: int = 0
    bounced: int = 0
    more: bool = False
    deferred: BaseException | None = None


def _subscribed_before(article: Article) -> bool:
    """Tell whether anyone had subscribed to the author when ``article`` was published.

    A subscriber gets what is published after they subscribed: an import or the demo data
    publishing articles dated in the past mails none of them.
    """
    query = select(Subscription.id).where(
        Subscription.author_id == article.author_id,
        Subscription.status == SubscriptionStatus.CONFIRMED.value,
        Subscription.confirmed_at <= article.created_at,
    )
    return db.session.scalar(query.limit(1)) is not None


def _recipients(mailing: Mailing, batch: int) -> list[Subscription]:
    query = (
        select(Subscription)
        .where(
            Subscription.author_id == mailing.author_id,
            Subscription.status == SubscriptionStatus.CONFIRMED.value,
            Subscription.confirmed_at <= mailing.created_at,
            Subscription.id > mailing.last_subscription_id,
        )
        .order_by(Subscription.id)
        .limit(batch)
    )
    return list(db.session.scalars(query))


def _already_done(mailing_id: int, ids: list[int]) -> set[int]:
    query = select(Delivery.subscription_id).where(
        Delivery.mailing_id == mailing_id, Delivery.subscription_id.in_(ids)
    )
    return set(db.session.scalars(query))


def article_message(
    *, article: Article, author: User, subscription: Subscription
) -> EmailMultiAlternatives:
    """Return the mail of ``article`` for one subscriber, with its one-click unsubscribe."""
    from flask_babel import lazy_gettext as _l

    unsubscribe = site_url(
        "newsletters.unsubscribe", token=make_token(Purpose.UNSUBSCRIBE, subscription)
    )
    message = compose(
        to=subscription.email,
        subject=_l("%(name)s: %(title)s", name=author.username, title=article.title),
        template="newsletters/mail/article",
        locale=subscription.locale,
        context={
            "article": article,
            # The sanitised rendering the article page shows (rendered now if it is stale).
            "body_html": article.body_html or markdown.render(article.body),
            "author": author.username,
            "link": site_url("articles.article", slug=article.slug),
            "unsubscribe": unsubscribe,
        },
    )
    # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs
    # ``List-Unsubscribe=One-Click`` to the URL, with no cookie.
    message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _refused_for_good(exc: BaseException) -> bool:
    """Tell whether the server refused this one address permanently (a 5xx for it)."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException) and (
        not is_transient(exc)
    )


def send_batch(*, mailing_id: int, batch: int = BATCH) -> BatchResult:
    """Mail the next ``batch`` subscribers of a mailing over one connection, committing each.

    Stops at the first failure that may pass (``deferred``): those mailed stay recorded.
    """
    result = BatchResult()
    mailing = db.session.get(Mailing, mailing_id)
    if mailing is None or mailing.finished_at is not None:
        return result
    article = db.session.get(Article, mailing.article_id)
    author = db.session.get(User, mailing.author_id)
    recipients = _recipients(mailing, batch)
    if not recipients or not is_mailable(article, author):
        mailing.finished_at = utcnow()
        db.session.commit()
        return result
    assert article is not None
    assert author is not None
    done = _already_done(mailing.id, [s.id for s in recipients])
    try:
        connection = mail.get_connection()
        with connection:
            for subscription in recipients:
                if subscription.id not in done:
                    _send_one(connection, mailing, article, author, subscription, result)
                mailing.last_subscription_id = subscription.id
                db.session.commit()
    except Exception as exc:
        db.session.rollback()
        if not is_transient(exc):
            raise
        log.warning("newsletters.deferred", mailing_id=mailing_id, error=str(exc))
        result.deferred = exc
        return result
    result.more = len(recipients) == batch
    if not result.more:
        mailing.finished_at = utcnow()
        db.session.commit()
    return result


def _send_one(
    connection: Any,
    mailing: Mailing,
    article: Article,
    author: User,
    subscription: Subscription,
    result: BatchResult,
) -> None:
    """Send one subscriber's mail and record it; a permanent refusal marks them bounced."""
    message = article_message(article=article, author=author, subscription=subscription)
    message.connection = connection
    try:
        message.send()
    except Exception as exc:
        if not _refused_for_good(exc):
            raise
        subscription.status = SubscriptionStatus.BOUNCED.value
        db.session.add(
            Delivery(
                mailing_id=mailing.id,
                subscription_id=subscription.id,
                status=DeliveryStatus.BOUNCED.value,
            )
        )
        mailing.bounced_count += 1
        result.bounced += 1
        log.info("newsletters.bounced", subscription_id=subscription.id, error=str(exc))
        return
    db.session.add(
        Delivery(
            mailing_id=mailing.id, subscription_id=subscription.id, status=DeliveryStatus.SENT.value
        )
    )
    mailing.sent_count += 1
    result.sent += 1


@shared_task(  # type: ignore[untyped-decorator]  # Celery is untyped
    name=SEND_TASK, bind=True, acks_late=True, max_retries=SEND_RETRIES
)
def send_newsletter(self: Any, mailing_id: int) -> int:
    """Mail the next batch of a new article's subscribers; send itself again for the rest.

    A failure that may pass is tried again with backoff (30 s doubling, at most 10 minutes);
    those already mailed are skipped.
    """
    batch = int(current_app.config["NEWSLETTER_BATCH"])
    result = send_batch(mailing_id=mailing_id, batch=batch)
    if result.deferred is not None:
        countdown = min(30 * 2**self.request.retries, 600)
        raise self.retry(exc=result.deferred, countdown=countdown)
    if result.more:
        enqueue_after_commit(task_named(SEND_TASK), mailing_id)
    return result.sent
