"""The guestbook page: reading, signing, validation, CSRF, escaping, paging and moderation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from inkstone.auth.models import RoleName
from inkstone.extensions import db
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import count_rows, csrf_token

PAGE = "/guestbook"


def _stored(app):
    with app.app_context():
        return [
            (m.name, m.body, m.author_id)
            for m in db.session.scalars(select(GuestbookMessage).order_by(GuestbookMessage.id))
        ]


def _sign(client, **fields):
    data = {"csrf_token": csrf_token(client, PAGE), **fields}
    return client.post(PAGE, data=data)


def _names_shown(html):
    return re.findall(r'class="guestbook-name fw-semibold"[^>]*><bdi>([^<]*)</bdi><', html)


def _many(make_message, count):
    """Create "Guest 1" (oldest) … "Guest <count>" (newest)."""
    for n in range(1, count + 1):
        make_message(name=f"Guest {n}", body=f"Message {n}.", age=timedelta(minutes=count - n))


# --------------------------------------------------------------------------- reading


def test_empty_guestbook_invites_the_first_message(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r"<h1[^>]*>Guestbook</h1>", html)
    assert "No messages yet. Be the first to say hello!" in html
    assert '<label class="form-label" for="name">Name</label>' in html
    assert '<label class="form-label" for="body">Message</label>' in html
    assert re.search(r'<input [^>]*id="name" maxlength="40" name="name" required', html)
    assert re.search(r'<textarea [^>]*id="body" maxlength="500" name="body" required', html)
    assert 'value=""' in html  # a visitor's name is not prefilled


def test_messages_show_name_date_relative_time_and_body(client, make_message):
    make_message(name="Ann", body="First line\nSecond line", age=timedelta(hours=3))
    html = client.get(PAGE).get_data(as_text=True)
    assert "1 message" in html
    assert _names_shown(html) == ["Ann"]
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]+Z" title="[^"]+">', html)
    assert "3 hours ago" in html
    assert '<p class="guestbook-body" dir="auto">First line\nSecond line</p>' in html
    assert "/profile/" not in html.split('id="messages-heading"')[1]  # no author, no link


def test_line_breaks_are_kept_by_the_stylesheet(client, make_message):
    make_message()
    html = client.get(PAGE).get_data(as_text=True)
    css_url = re.search(r'<link rel="stylesheet" href="(/static/css/guestbook\.css\?v=\w+)">', html)
    assert css_url, "the guestbook stylesheet is not linked"
    with client.get(css_url.group(1)) as response:
        css = response.get_data(as_text=True)
    assert re.search(r"\.guestbook-body \{[^}]*white-space: pre-line", css)


def test_html_in_a_message_is_shown_as_text(client):
    assert _sign(client, name="<b>Eve</b>", body="<script>alert(1)</script>").status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<script>alert" not in html
    assert "<b>Eve" not in html


# --------------------------------------------------------------------------- signing


def test_a_visitor_signs_and_is_thanked(app, client):
    response = _sign(client, name="  Ann  ", body="  Lovely site!\r\nSee you.  ")
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
    assert _stored(app) == [("Ann", "Lovely site!\nSee you.", None)]

    html = client.get(PAGE).get_data(as_text=True)
    assert "Thanks for your message!" in html
    assert _names_shown(html) == ["Ann"]
    assert "Lovely site!\nSee you." in html


def test_a_signed_in_user_is_prefilled_and_linked_to_their_profile(app, client, make_user, sign_in):
    user = make_user(username="inkwell")
    sign_in(client, user)
    form = client.get(PAGE).get_data(as_text=True)
    assert re.search(r'<input [^>]*id="name" [^>]*value="inkwell"', form)

    assert _sign(client, name="inkwell", body="Hello from me").status_code == 302
    assert _stored(app) == [("inkwell", "Hello from me", user.id)]
    html = client.get(PAGE).get_data(as_text=True)
    assert re.search(
        r'<a class="guestbook-name fw-semibold" href="/profile/inkwell"><bdi>inkwell</bdi></a>',
        html,
    )


def test_a_signed_in_user_with_another_name_still_shows_who_they_are(
    client, make_user, make_message
):
    make_message(name="The Ink Well", body="Hi", author=make_user(username="inkwell"))
    html = client.get(PAGE).get_data(as_text=True)
    assert (
        '<a class="guestbook-name fw-semibold" href="/profile/inkwell"><bdi>The Ink Well</bdi></a>'
        in html
    )
    assert "@<bdi>inkwell</bdi>" in html


def test_a_message_of_500_characters_with_line_breaks_fits(app, client):
    body = "x" * 250 + "\r\n" + "x" * 249  # 501 characters as sent, 500 as written
    assert _sign(client, name="Ann", body=body).status_code == 302
    assert _stored(app) == [("Ann", body.replace("\r\n", "\n"), None)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   ", "body": "Hello"}, "Please tell us your name."),
        ({"body": "Hello"}, "Please tell us your name."),
        ({"name": "Ann", "body": " \r\n "}, "Please write a message."),
        ({"name": "Ann"}, "Please write a message."),
        ({"name": "x" * 41, "body": "Hello"}, "Please keep your name to 40 characters or fewer."),
        (
            {"name": "Ann", "body": "y" * 501},
            "Please keep your message to 500 characters or fewer (it has 501).",
        ),
    ],
)
def test_invalid_messages_are_refused_with_a_message(app, client, fields, message):
    response = _sign(client, **fields)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<div class="invalid-feedback d-block">{message}</div>' in html
    assert 'aria-invalid="true"' in html
    assert "Thanks for your message!" not in html
    assert _stored(app) == []


def test_what_was_typed_is_kept_after_an_error(client):
    html = _sign(client, name="Ann", body="z" * 501).get_data(as_text=True)
    assert re.search(r'<input [^>]*id="name" [^>]*value="Ann"', html)
    assert "z" * 501 in html


def test_signing_without_a_csrf_token_is_refused(app, client):
    response = client.post(PAGE, data={"name": "Ann", "body": "Hello"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert _stored(app) == []


def test_signing_with_a_wrong_csrf_token_is_refused(app, client):
    client.get(PAGE)
    response = client.post(PAGE, data={"csrf_token": "forged", "name": "Ann", "body": "Hello"})
    assert response.status_code == 400
    assert _stored(app) == []


def test_limits_off_let_many_messages_through(app, client):
    assert not app.config["RATELIMIT_ENABLED"]
    for n in range(8):
        assert _sign(client, name=f"Guest {n}", body="Hello").status_code == 302
    with app.app_context():
        assert count_rows(GuestbookMessage) == 8


# --------------------------------------------------------------------------- paging


def test_twenty_messages_a_page_newest_first(client, make_message):
    _many(make_message, 25)
    first = client.get(PAGE).get_data(as_text=True)
    assert "25 messages" in first
    assert _names_shown(first) == [f"Guest {n}" for n in range(25, 5, -1)]
    assert 'href="/guestbook?page=2"' in first
    assert 'rel="next"' in first

    second = client.get(f"{PAGE}?page=2").get_data(as_text=True)
    assert _names_shown(second) == [f"Guest {n}" for n in range(5, 0, -1)]
    assert 'rel="prev"' in second
    assert '<li class="page-item active" aria-current="page"><span class="page-link">2<' in second


def test_a_page_past_the_end_redirects_to_the_last_page(client, make_message):
    _many(make_message, 21)
    response = client.get(f"{PAGE}?page=7")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{PAGE}?page=2"
    empty_book = client.get(f"{PAGE}?page=3", follow_redirects=False)
    assert empty_book.status_code == 302


def test_page_past_the_end_of_an_empty_guestbook_goes_to_the_first(client):
    response = client.get(f"{PAGE}?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE


@pytest.mark.parametrize(
    "page", ["0", "-1", "abc", "1.5", "", "٣", "99999999999999999999999", "9" * 5000]
)
def test_a_bad_page_number_is_not_found(client, page):
    assert client.get(f"{PAGE}?page={page}").status_code == 404


def test_the_page_runs_a_bounded_number_of_queries(
    client, make_user, make_message, sign_in, count_queries
):
    moderator = make_user(username="mod", role=RoleName.MODERATOR)
    authors = [make_user(username=f"writer{n}") for n in range(10)]
    for n in range(25):
        make_message(name=f"Guest {n}", author=authors[n % 10] if n % 2 else None)
    with count_queries() as anonymous:
        html = client.get(PAGE).get_data(as_text=True)
    assert html.count('href="/profile/writer') == 10
    # the page of messages with authors, the count, + storing the new session (its CSRF token)
    assert len(anonymous) <= 3, str(anonymous)

    sign_in(client, moderator)
    with count_queries() as signed_in:
        html = client.get(PAGE).get_data(as_text=True)
    assert html.count('action="/guestbook/') == 20  # a delete button on every message
    assert len(signed_in) <= 5, str(signed_in)  # + the session, + the user, + their roles


# --------------------------------------------------------------------------- moderation


def test_moderators_see_a_delete_button_and_delete(app, client, make_user, make_message, sign_in):
    spam = make_message(name="Spammer", body="Buy now")
    keep = make_message(name="Ann", body="Hello")
    sign_in(client, make_user(role=RoleName.MODERATOR))
    html = client.get(PAGE).get_data(as_text=True)
    assert f'action="/guestbook/{spam.id}/delete"' in html
    assert 'data-confirm="Delete this message?"' in html

    response = client.post(
        f"/guestbook/{spam.id}/delete", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
    assert [name for name, _body, _author in _stored(app)] == [keep.name]
    after = client.get(PAGE).get_data(as_text=True)
    assert "The message was deleted." in after
    assert _names_shown(after) == ["Ann"]


def test_a_moderator_returns_to_the_page_they_were_on(client, make_user, make_message, sign_in):
    _many(make_message, 45)
    sign_in(client, make_user(role=RoleName.ADMIN))
    html = client.get(f"{PAGE}?page=2").get_data(as_text=True)
    target = re.search(r'action="(/guestbook/\d+/delete)"', html).group(1)
    response = client.post(target, data={"csrf_token": csrf_token(client, PAGE), "page": "2"})
    assert response.headers["Location"] == f"{PAGE}?page=2"


@pytest.mark.parametrize("role", [None, RoleName.READER, RoleName.AUTHOR])
def test_others_see_no_delete_button_and_get_403(
    app, client, make_user, make_message, sign_in, role
):
    author = make_user(role=role) if role else None
    message = make_message(name="Mine", body="Hello", author=author)
    if author:
        sign_in(client, author)
    assert "/delete" not in client.get(PAGE).get_data(as_text=True)
    response = client.post(
        f"/guestbook/{message.id}/delete", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 403
    assert "Forbidden" in response.get_data(as_text=True)
    assert len(_stored(app)) == 1


def test_deleting_needs_a_csrf_token(app, client, make_user, make_message, sign_in):
    message = make_message()
    sign_in(client, make_user(role=RoleName.MODERATOR))
    assert client.post(f"/guestbook/{message.id}/delete").status_code == 400
    assert len(_stored(app)) == 1


@pytest.mark.parametrize("message_id", ["123456789", "99999999999999999999999"])
def test_deleting_a_missing_message_is_not_found(client, make_user, sign_in, message_id):
    sign_in(client, make_user(role=RoleName.MODERATOR))
    response = client.post(
        f"/guestbook/{message_id}/delete", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 404


def test_deleting_is_post_only(client, make_message):
    message = make_message()
    assert client.get(f"/guestbook/{message.id}/delete").status_code == 405
