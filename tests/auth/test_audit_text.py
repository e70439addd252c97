"""Audit events told as sentences: every kind has one, details fill them, actors are named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inkstone.auth.audit import Event, LoggedEvent
from inkstone.auth.audit_text import event_label, sentence, told


@pytest.fixture
def app_ctx(app, db):
    """A request in English: sentences are translated to the reader's language."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


def _logged(kind: Event, detail: object, actor: str | None = None) -> LoggedEvent:
    return LoggedEvent(
        id=1,
        event=kind.value,
        created_at=datetime(2026, 12, 7, tzinfo=UTC),
        user="ann",
        actor=actor,
        ip="",
        user_agent="",
        detail=detail,  # type: ignore[arg-type]  # a stored detail may be anything
    )


@pytest.mark.parametrize("kind", list(Event))
def test_every_kind_is_told_in_words_with_or_without_its_detail(app_ctx, kind):
    for detail in ({}, {"before": ["author"], "after": ["admin"], "title": "T", "kind": "x"}):
        text = told(kind.value, detail)
        assert text, kind
        assert text != kind.value, kind
    label = event_label(kind.value)
    assert label != kind.value, kind
    assert "–" not in label, kind


def test_details_name_what_was_touched(app_ctx):
    assert told(Event.ARTICLE_HIDDEN, {"title": "Spring", "slug": "spring"}) == (
        "Article hidden: Spring"
    )
    assert told(Event.ARTICLE_PINNED, {"slug": "spring"}) == "Article pinned: spring"
    assert told(Event.JOB_RETRIED, {"kind": "audit.csv"}) == "Job retried: audit.csv"
    assert told(Event.UPLOAD_REMOVED, {"filename": "cat.png"}) == "Upload removed: cat.png"
    assert told(Event.ROLES_CHANGED, {"before": ["author"], "after": ["admin", "author"]}) == (
        "Roles changed: author → admin, author"
    )
    assert told(Event.SITE_SETTINGS_CHANGED, {"changed": ["site_name", "tagline"]}) == (
        "Site settings changed: site_name, tagline"
    )
    assert told(Event.REPORT_RESOLVED, {"action": "hide"}) == "Report resolved: hide"
    assert told(Event.SIGNIN_SUCCEEDED, {"via": "api"}) == "Signed in through the API"


def test_a_strange_detail_leaves_a_plain_sentence(app_ctx):
    assert told(Event.ARTICLE_HIDDEN, {"title": ["not", "text"]}) == "Article hidden"
    assert told(Event.JOB_CANCELLED, {"kind": True}) == "Job cancelled"
    assert sentence(_logged(Event.PASSWORD_CHANGED, "not a mapping")) == "Password changed"
    assert told("something.new", {}) == "something.new"  # an unknown kind shows as stored


def test_the_actor_is_named_when_someone_else_acted(app_ctx):
    assert sentence(_logged(Event.ARTICLE_REMOVED, {"title": "T"}, actor="root")) == (
        "Article removed: T (by root)"
    )
    assert sentence(_logged(Event.STATUS_CHANGED, {}, actor=None)).startswith(
        "Account status changed"
    )
