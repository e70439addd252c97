"""Guestbook services: signing trims and refuses bad input, lists newest first, moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inkstone.auth.models import RoleName
from inkstone.core.errors import Invalid, NotFound, PermissionDenied
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.guestbook import services
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import count_rows


def test_post_message_trims_and_keeps_line_breaks(app_ctx):
    message = services.post_message(name="  Ann  ", body="  one\r\ntwo\rthree  ", author=None)
    assert message.id
    assert message.name == "Ann"
    assert message.body == "one\ntwo\nthree"
    assert message.author is None


def test_post_message_remembers_the_signed_in_author(app_ctx, make_user):
    user = make_user(username="writer")
    message = services.post_message(name="W", body="Hi", author=user)
    assert message.author_id == user.id


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("   ", "Hello", "name"),
        ("Ann", " \r\n\t ", "body"),
        ("x" * 41, "Hello", "name"),
        ("Ann", "x" * 501, "body"),
        ("Ann", "nul\x00here", "body"),
    ],
)
def test_post_message_refuses_bad_input(app_ctx, name, body, field):
    with pytest.raises(Invalid) as raised:
        services.post_message(name=name, body=body, author=None)
    assert raised.value.field == field
    assert count_rows(GuestbookMessage) == 0


def test_list_messages_newest_first_with_total(app_ctx):
    for n in range(1, 26):
        message = services.post_message(name=f"Guest {n}", body="Hi", author=None)
        message.created_at -= timedelta(minutes=100 - n)
    db.session.flush()

    first, total = services.list_messages(page=PageRequest(limit=20, offset=0))
    assert total == 25
    assert [m.name for m in first] == [f"Guest {n}" for n in range(25, 5, -1)]
    second, total = services.list_messages(page=PageRequest(limit=20, offset=20))
    assert total == 25
    assert [m.name for m in second] == [f"Guest {n}" for n in range(5, 0, -1)]
    beyond, total = services.list_messages(page=PageRequest(limit=20, offset=40))
    assert (beyond, total) == ([], 25)


def test_list_messages_breaks_ties_by_id(app_ctx):
    a = services.post_message(name="A", body="Hi", author=None)
    b = services.post_message(name="B", body="Hi", author=None)
    b.created_at = a.created_at
    db.session.flush()
    messages, total = services.list_messages(page=PageRequest())
    assert [m.name for m in messages] == ["B", "A"]
    assert total == 2


@pytest.mark.parametrize("role", [RoleName.MODERATOR, RoleName.ADMIN])
def test_moderators_delete_messages(app_ctx, make_user, role):
    message = services.post_message(name="Spam", body="Buy now", author=None)
    services.delete_message(message_id=message.id, actor=make_user(role=role))
    assert count_rows(GuestbookMessage) == 0


@pytest.mark.parametrize("role", [RoleName.READER, RoleName.AUTHOR])
def test_others_may_not_delete_messages(app_ctx, make_user, role):
    author = make_user(role=role)
    message = services.post_message(name="Mine", body="Hello", author=author)
    with pytest.raises(PermissionDenied):
        services.delete_message(message_id=message.id, actor=author)
    assert count_rows(GuestbookMessage) == 1


@pytest.mark.parametrize("message_id", [0, 123456789, 2**63])
def test_deleting_a_missing_message_is_not_found(app_ctx, make_user, message_id):
    with pytest.raises(NotFound):
        services.delete_message(message_id=message_id, actor=make_user(role=RoleName.MODERATOR))
