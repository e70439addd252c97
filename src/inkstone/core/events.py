"""Domain events: what happened in a feature, for the features above it to act on.

Services emit an event (``article_published.send(article=..., actor=...)``) after the write
it describes has been flushed; they never call the features that care. A subscriber picks
when it hears of it:

- ``IN_TRANSACTION``: at once, inside the emitting transaction (a cleanup that must commit or
  roll back with the write, such as removing a deleted account's follows);
- ``AFTER_COMMIT``: once the transaction that emitted it has committed (search indexing, cache
  invalidation, notifications): a rolled-back request or task delivers nothing, a commit
  delivers each of its events once, in the order they were sent. Events sent inside a
  savepoint that is rolled back are dropped with it.

Payloads are keyword arguments only, named in each event's docstring below, so subscribers
take ``**_`` for what they do not use and new keys break no one. Built on blinker, Flask's own
signal library: ``connect`` keeps a strong reference, so a subscriber may be a local function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import structlog
from blinker import Namespace
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

log = structlog.get_logger(__name__)

_signals = Namespace()
_PENDING = "inkstone.events.pending"
_READY = "inkstone.events.ready"


class When(Enum):
    """When a subscriber hears of an event."""

    IN_TRANSACTION = "in-transaction"
    AFTER_COMMIT = "after-commit"


IN_TRANSACTION = When.IN_TRANSACTION
AFTER_COMMIT = When.AFTER_COMMIT

Receiver = Callable[..., Any]


@dataclass(eq=False)
class Event:
    """A domain event with in-transaction and after-commit subscribers."""

    name: str
    doc: str = ""
    _now: Any = field(init=False, repr=False)
    _later: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._now = _signals.signal(self.name)
        self._later = _signals.signal(f"{self.name}.after-commit")

    def connect(self, receiver: Receiver, *, when: When = AFTER_COMMIT) -> Receiver:
        """Subscribe ``receiver(**payload)``; return it (usable as a decorator's body)."""
        signal = self._now if when is IN_TRANSACTION else self._later
        signal.connect(_adapt(receiver), weak=False)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        """Unsubscribe ``receiver`` from both deliveries (a test's own listener)."""
        adapted = _ADAPTED.get(receiver)
        if adapted is not None:
            self._now.disconnect(adapted)
            self._later.disconnect(adapted)

    def send(self, *, session: Session | None = None, **payload: Any) -> None:
        """Tell in-transaction subscribers now and after-commit ones when the session commits.

        ``session``: the one whose commit counts, when the write is not in the request's.
        """
        self._now.send(None, **payload)
        if not self._later.receivers:
            return
        if session is None:
            from inkstone.extensions import db

            session = db.session()
        tag = session.get_nested_transaction()
        session.info.setdefault(_PENDING, []).append((self, tag, payload))

    def deliver(self, payload: dict[str, Any]) -> None:
        """Hand ``payload`` to each after-commit subscriber (the commit hook calls this).

        One by one: a subscriber that fails is logged, and the others still hear of it
        (blinker's own ``send`` stops at the first error, in no set order).
        """
        for receiver in list(self._later.receivers_for(None)):
            try:
                receiver(None, **payload)
            except Exception:  # the write is committed: one subscriber's bug must not undo it
                log.exception("events.subscriber_failed", domain_event=self.name)


_ADAPTED: dict[Receiver, Receiver] = {}


def _adapt(receiver: Receiver) -> Receiver:
    # blinker passes the sender first; events have none, only keyword payloads. One wrapper
    # per receiver, so connecting again (every create_app does) connects nothing new.
    adapted = _ADAPTED.get(receiver)
    if adapted is None:

        def adapted(_sender: Any, **payload: Any) -> Any:
            return receiver(**payload)

        adapted.__wrapped__ = receiver  # type: ignore[attr-defined]
        _ADAPTED[receiver] = adapted
    return adapted


REGISTRY: dict[str, Event] = {}


def _event(name: str, doc: str) -> Event:
    made = Event(name, doc)
    REGISTRY[name] = made
    return made


# Articles (articles.services, articles.comments); ``actor`` is who did it.
article_published = _event(
    "article_published", "article, actor: a draft or new article went public"
)
article_updated = _event("article_updated", "article, actor, changed (field names): an edit")
article_unpublished = _event("article_unpublished", "article, actor: a public article went draft")
article_deleted = _event(
    "article_deleted", "article_id, slug, author_id, was_published, actor: an article was deleted"
)
comment_added = _event("comment_added", "comment, article, actor: a comment was written")
comment_deleted = _event(
    "comment_deleted", "comment_id, article, author_id, actor: a comment was deleted"
)
article_hidden = _event(
    "article_hidden",
    "article, actor, reason: a moderator hid a published article (article_unpublished is sent too)",
)
article_favorited = _event("article_favorited", "article, user: a new favorite")
article_unfavorited = _event("article_unfavorited", "article, user: a favorite taken back")
# The follow graph (profiles.services).
user_followed = _event("user_followed", "follower, followee: a new follow")
user_unfollowed = _event("user_unfollowed", "follower, followee: a follow taken back")
# Accounts (auth, accounts, admin).
user_registered = _event("user_registered", "user: an account was created")
user_changed = _event(
    "user_changed", "user, changed (field names: profile, roles, status, email…), actor"
)
user_deleting = _event(
    "user_deleting",
    "user, remove_content: an account is about to go; features remove what is theirs "
    "(subscribe IN_TRANSACTION)",
)
# The back office's reports (admin.report_services). ``target_type``: article, comment or
# guestbook; ``target_label``: the item's title or excerpt as it was; ``action``: dismiss, hide,
# delete or suspend; ``note``: the moderator's words to the reporter.
report_resolved = _event(
    "report_resolved",
    "report_id, reporter_id, target_type, target_label, article_slug, action, note, actor: "
    "a report was resolved",
)
# Operators (core.backup): a backup replaced the whole database. Ids made after the backup
# will be handed out again, so every token and session issued before must stop working.
database_restored = _event("database_restored", "(no payload): a backup replaced the database")
# The back office's site settings (core.site).
site_settings_changed = _event("site_settings_changed", "keys, actor_id: site settings were saved")
# Jobs (jobs.runner).
job_finished = _event(
    "job_finished", "job_id, kind, owner_id, status: a job succeeded, failed or was cancelled"
)


@sa_event.listens_for(Session, "after_commit")
def _commit_pending(session: Session) -> None:
    # A savepoint's release fires this too: its events wait for the real commit.
    if session.get_nested_transaction() is None and _PENDING in session.info:
        session.info[_READY] = session.info.pop(_PENDING)


@sa_event.listens_for(Session, "after_transaction_end")
def _deliver_ready(session: Session, transaction: SessionTransaction) -> None:
    # Delivered once the committed transaction has closed, so subscribers may use the session
    # (it begins a new transaction, theirs to commit); inside after_commit no SQL may run.
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)  # the transaction ended without a commit (a close)
    ready = session.info.pop(_READY, None)
    if not ready:
        return
    for domain_event, _tag, payload in ready:
        try:
            domain_event.deliver(payload)
        except Exception:  # the write is committed: one subscriber's failure must not undo it
            log.exception("events.subscriber_failed", domain_event=domain_event.name)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [
        entry for entry in pending if not _inside(entry[1], previous_transaction)
    ]


def _inside(tag: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while tag is not None:
        if tag is rolled_back:
            return True
        tag = tag.parent
    return False
