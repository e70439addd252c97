"""Reports: readers flag an item for the moderators, who resolve every report of it at once.

A reader may have one open report per item. A report keeps whose the item was and how it
started, so the queue still reads when the item is gone. Who reported is for moderators only:
the audit log records a filing under the reporter's own account, never the item's author's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from inkstone.admin import services as admin_services
from inkstone.admin.models import (
    EXCERPT_MAX,
    NOTE_MAX,
    REASON_MAX,
    Report,
    ReportStatus,
    ReportTarget,
    Resolution,
)
from inkstone.articles import moderation
from inkstone.articles.models import Article, Comment
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import SIGN_IN_STATUSES, User, UserStatus
from inkstone.auth.permissions import Scope, ensure_scope
from inkstone.core import events as domain_events
from inkstone.core.db import utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.guestbook import services as guestbook_services
from inkstone.guestbook.models import GuestbookMessage

ALREADY_REPORTED = "you have already reported this; the moderators will look at it"
OWN_ITEM = "you can't report your own writing"
RESOLVED_ALREADY = "this report is resolved already"
HIDE_ARTICLES_ONLY = "only an article can be hidden"
AUTHOR_UNKNOWN = "the author of this item is not known (their account was deleted)"
CANNOT_REPORT = "your account can't file reports"


@dataclass(frozen=True)
class Item:
    """What a report is about: its kind, id, author and a short excerpt."""

    target: ReportTarget
    id: int
    author_id: int | None
    excerpt: str


def _article_item(slug: str) -> Item:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or not article.published:  # a draft or a hidden article: not public
        raise NotFound("article not found", field="article")
    return Item(ReportTarget.ARTICLE, article.id, article.author_id, article.title)


def _comment_item(comment_id: int) -> Item:
    found = (
        db.session.execute(
            select(Comment, Article.published)
            .join(Article, Article.id == Comment.article_id)
            .where(Comment.id == comment_id)
        ).first()
        if is_possible_id(comment_id)
        else None
    )
    if found is None or not found.published:
        raise NotFound("comment not found", field="comment")
    comment = found.Comment
    return Item(ReportTarget.COMMENT, comment.id, comment.author_id, comment.body)


def _guestbook_item(message_id: int) -> Item:
    try:
        message = guestbook_services.get_message(message_id=message_id)
    except NotFound:
        raise NotFound("message not found", field="guestbookMessage") from None
    return Item(ReportTarget.GUESTBOOK, message.id, message.author_id, message.body)


def find_item(*, target: ReportTarget, key: str | int) -> Item:
    """Return the public item a reader may report, or raise ``NotFound``."""
    if target is ReportTarget.ARTICLE:
        return _article_item(str(key))
    if not isinstance(key, int):
        raise NotFound("item not found", field=target.value)
    if target is ReportTarget.COMMENT:
        return _comment_item(key)
    return _guestbook_item(key)


def file_report(*, reporter: User, target: ReportTarget, key: str | int, reason: str) -> Report:
    """File ``reporter``'s report of an article (by slug), comment or message (by id)."""
    if reporter.status not in SIGN_IN_STATUSES:
        raise PermissionDenied(CANNOT_REPORT, field="reporter")
    reason = moderation.clean_reason(reason, limit=REASON_MAX)
    item = find_item(target=target, key=key)
    if item.author_id == reporter.id:
        raise Invalid(OWN_ITEM, field=target.value)
    open_already = db.session.scalar(
        select(Report.id).where(
            Report.reporter_id == reporter.id,
            Report.target_type == item.target.value,
            Report.target_id == item.id,
            Report.status == ReportStatus.OPEN.value,
        )
    )
    if open_already is not None:
        raise Conflict(ALREADY_REPORTED, field="report")
    report = Report(
        reporter_id=reporter.id,
        target_type=item.target.value,
        target_id=item.id,
        target_author_id=item.author_id,
        excerpt=moderation.excerpt(item.excerpt, EXCERPT_MAX),
        reason=reason,
    )
    try:
        with db.session.begin_nested():  # the unique index settles a race between two tabs
            db.session.add(report)
    except IntegrityError:
        raise Conflict(ALREADY_REPORTED, field="report") from None
    # Logged under the reporter: the item's author never learns who reported them.
    record_event(
        Event.REPORT_FILED,
        user=reporter,
        report_id=str(report.id),
        target_type=item.target.value,
        target_id=str(item.id),
    )
    return report


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class ReportEntry:
    """A report as the queue shows it: the people around it and a link to the item."""

    report: Report
    reporter: str | None
    author: str | None
    resolved_by: str | None
    slug: str | None  # the article's (of a comment: the article it is under); None: gone
    item_exists: bool


def get_report(*, report_id: int) -> Report:
    """Return the report with this id, or raise ``NotFound``."""
    report = db.session.get(Report, report_id) if is_possible_id(report_id) else None
    if report is None:
        raise NotFound("report not found", field="id")
    return report


def _filtered(query: Any, status: ReportStatus | None, target: ReportTarget | None) -> Any:
    if status is not None:
        query = query.where(Report.status == status.value)
    if target is not None:
        query = query.where(Report.target_type == target.value)
    return query


def list_reports(
    *,
    page: PageRequest,
    status: ReportStatus | None = None,
    target: ReportTarget | None = None,
) -> tuple[list[ReportEntry], int]:
    """Return one page of reports (open ones first, newest first) and their total."""
    reporter, author, resolver = aliased(User), aliased(User), aliased(User)
    query = (
        select(Report, reporter.username, author.username, resolver.username)
        .outerjoin(reporter, reporter.id == Report.reporter_id)
        .outerjoin(author, author.id == Report.target_author_id)
        .outerjoin(resolver, resolver.id == Report.resolved_by_id)
    )
    query = _filtered(query, status, target).order_by(
        case((Report.status == ReportStatus.OPEN.value, 0), else_=1),
        Report.created_at.desc(),
        Report.id.desc(),
    )
    rows = db.session.execute(query.limit(page.limit).offset(page.offset)).all()
    if len(rows) < page.limit and (rows or page.offset == 0):
        total = page.offset + len(rows)
    else:
        counted = _filtered(select(func.count(Report.id)), status, target)
        total = int(db.session.scalar(counted) or 0)
    slugs = _slugs([row[0] for row in rows])
    entries = [
        ReportEntry(
            report=row[0],
            reporter=row[1],
            author=row[2],
            resolved_by=row[3],
            slug=slugs.get((row[0].target_type, row[0].target_id)),
            item_exists=(row[0].target_type, row[0].target_id) in slugs,
        )
        for row in rows
    ]
    return entries, total


def _slugs(reports: list[Report]) -> dict[tuple[str, int], str | None]:
    """Return, per item still there, the slug of its article (``None`` for a message)."""
    ids: dict[str, set[int]] = {t.value: set() for t in ReportTarget}
    for report in reports:
        ids[report.target_type].add(report.target_id)
    found: dict[tuple[str, int], str | None] = {}
    if ids["article"]:
        query = select(Article.id, Article.slug).where(Article.id.in_(ids["article"]))
        for id_, slug in db.session.execute(query):
            found[("article", id_)] = slug
    if ids["comment"]:
        query = (
            select(Comment.id, Article.slug)
            .join(Article, Article.id == Comment.article_id)
            .where(Comment.id.in_(ids["comment"]))
        )
        for id_, slug in db.session.execute(query):
            found[("comment", id_)] = slug
    if ids["guestbook"]:
        messages = select(GuestbookMessage.id).where(GuestbookMessage.id.in_(ids["guestbook"]))
        for message_id in db.session.scalars(messages):
            found[("guestbook", message_id)] = None
    return found


# --------------------------------------------------------------------------- resolving


def _act(report: Report, action: Resolution, actor: User, note: str) -> None:
    """Do what ``action`` says to the reported item (nothing when it is gone already)."""
    target = ReportTarget(report.target_type)
    if action is Resolution.HIDE:
        if target is not ReportTarget.ARTICLE:
            raise Invalid(HIDE_ARTICLES_ONLY, field="action")
        article = db.session.get(Article, report.target_id)
        if article is not None and article.hidden_at is None:
            moderation.hide_article(article=article, actor=actor, reason=note or report.reason)
    elif action is Resolution.DELETE:
        _delete(target, report.target_id, actor, note)
    elif action is Resolution.SUSPEND:
        ensure_scope(actor, Scope.USERS_MANAGE)
        author = db.session.get(User, report.target_author_id) if report.target_author_id else None
        if author is None or author.status == UserStatus.DELETED:
            raise Invalid(AUTHOR_UNKNOWN, field="action")
        if author.status != UserStatus.SUSPENDED:
            admin_services.change_status(user=author, status=UserStatus.SUSPENDED, actor=actor)


def _delete(target: ReportTarget, item_id: int, actor: User, note: str) -> None:
    if target is ReportTarget.ARTICLE:
        article = db.session.get(Article, item_id)
        if article is not None:
            moderation.remove_article(article=article, actor=actor, reason=note)
    elif target is ReportTarget.COMMENT:
        moderation.remove_comments(ids=[item_id], actor=actor)
    else:
        guestbook_services.remove_messages(ids=[item_id], actor=actor)


def resolve_report(
    *, report: Report, actor: User, action: Resolution, note: str = ""
) -> list[Report]:
    """Act on a report's item and resolve every open report of that item; return them."""
    ensure_scope(actor, Scope.ARTICLES_MODERATE)
    if report.status != ReportStatus.OPEN.value:
        raise Conflict(RESOLVED_ALREADY, field="id")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(f"is too long (maximum is {NOTE_MAX} characters)", field="note")
    if "\x00" in note:
        raise Invalid("must not contain NUL characters", field="note")
    _act(report, action, actor, note)
    same = list(
        db.session.scalars(
            select(Report).where(
                Report.target_type == report.target_type,
                Report.target_id == report.target_id,
                Report.status == ReportStatus.OPEN.value,
            )
        )
    )
    now = utcnow()
    db.session.execute(
        update(Report)
        .where(Report.id.in_([r.id for r in same]))
        .values(
            status=ReportStatus.RESOLVED.value,
            resolution=action.value,
            note=note,
            resolved_by_id=actor.id,
            resolved_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    for resolved in same:
        db.session.expire(resolved)
        reporter = db.session.get(User, resolved.reporter_id) if resolved.reporter_id else None
        record_event(
            Event.REPORT_RESOLVED,
            user=reporter,
            actor=actor,
            report_id=str(resolved.id),
            target_type=resolved.target_type,
            target_id=str(resolved.target_id),
            action=action.value,
        )
    db.session.flush()
    slug = _item_slug(report)
    for resolved in same:
        domain_events.report_resolved.send(
            report_id=resolved.id,
            reporter_id=resolved.reporter_id,
            target_type=resolved.target_type,
            target_label=resolved.excerpt,
            article_slug=slug,
            action=action.value,
            note=note,
            actor=actor,
        )
    return same


def _item_slug(report: Report) -> str | None:
    """Return the slug of the article a report was about (its own, or its comment's), if any."""
    target = ReportTarget(report.target_type)
    if target is ReportTarget.ARTICLE:
        article = db.session.get(Article, report.target_id)
    elif target is ReportTarget.COMMENT:
        comment = db.session.get(Comment, report.target_id)
        article = db.session.get(Article, comment.article_id) if comment is not None else None
    else:
        return None
    return article.slug if article is not None and article.published else None


def open_count() -> int:
    """Return how many reports are open."""
    query = select(func.count(Report.id)).where(Report.status == ReportStatus.OPEN.value)
    return int(db.session.scalar(query) or 0)


def comment_article_slug(*, comment_id: int) -> str:
    """Return the slug of the article a comment is under, or raise ``NotFound``."""
    slug = db.session.scalar(
        select(Article.slug)
        .join(Comment, Comment.article_id == Article.id)
        .where(Comment.id == comment_id)
    )
    if slug is None:
        raise NotFound("comment not found", field="comment")
    return slug
