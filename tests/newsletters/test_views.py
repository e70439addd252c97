"""Subscribing on the site and through the API; the author's page and export; the back office."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone.auth.audit import Event
from inkstone.auth.models import AuditEvent, User
from inkstone.extensions import db
from inkstone.newsletters.models import Subscription
from tests.conftest import (
    IsolatedClient,
    count_rows,
    csrf_token,
    forget_shared_pages,
    page_text,
    redirect_target,
)


@pytest.fixture
def mailbox(app: Flask, db) -> list:
    """The outbox of Flask-Mailman's locmem backend, emptied for this test."""
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    state.outbox.clear()
    return state.outbox


def _form(client, username: str, address: str):
    path = f"/profile/{username}/subscribe"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "email": address})


def _rows(app: Flask, author: User) -> list[tuple[str, str]]:
    with app.app_context():
        found = db.session.execute(
            select(Subscription.email, Subscription.status)
            .where(Subscription.author_id == author.id)
            .order_by(Subscription.id)
        )
        return [(str(e), str(s)) for e, s in found]


def test_signed_out_pages_link_to_the_form_and_carry_nothing_personal(
    client, make_user, make_article
):
    author = make_user("linked")
    article = make_article(author)
    forget_shared_pages(client.application)
    for path in ("/profile/linked", f"/article/{article.slug}"):
        page = page_text(client.get(path))
        assert 'href="/profile/linked/subscribe"' in page
        assert "Subscribe by email" in page
        assert "csrf_token" not in page  # the page is shared by every signed-out visitor
    form = client.get("/profile/linked/subscribe")
    assert form.status_code == 200
    assert 'name="email"' in page_text(form)
    # Not a shared page: each visitor gets a form with their own session's token.
    other = client.application.test_client()
    assert csrf_token(client, "/profile/linked/subscribe") != csrf_token(
        other, "/profile/linked/subscribe"
    )


def test_the_answer_never_tells_whether_an_address_is_subscribed(client, make_user, mailbox):
    author = make_user("discreet")
    first = _form(client, "discreet", "hidden@example.org")
    assert len(mailbox) == 1
    mailbox.clear()
    with client.application.app_context():
        row = db.session.scalar(select(Subscription))
        row.status = "confirmed"
        db.session.commit()
    second = _form(client, "discreet", "Hidden@Example.org")
    assert first.status_code == second.status_code == 200
    assert _text_without_token(first) == _text_without_token(second)
    assert mailbox == []  # a confirmed address gets no second mail
    assert _rows(client.application, author) == [("hidden@example.org", "confirmed")]


def _text_without_token(response) -> str:
    return re.sub(r'(?:value|nonce)="[^"]+"', "", page_text(response))


@pytest.mark.parametrize(
    "garbage", ["", "not an address", "a@b", "x" * 300 + "@example.org", "a\x00@example.org"]
)
def test_a_bad_address_is_refused_on_the_form_and_the_api(client, make_user, garbage):
    author = make_user("careful")
    page = _form(client, "careful", garbage)
    assert page.status_code in (400, 422)  # a NUL character is refused before any view
    api = client.post(
        "/api/v1/profiles/careful/subscribe", json={"subscription": {"email": garbage}}
    )
    assert api.status_code in (400, 422)
    if api.status_code == 422:
        assert any(key.endswith("email") for key in api.get_json()["errors"])
    assert _rows(client.application, author) == []


def test_the_api_refuses_shapes_it_does_not_know(client, make_user):
    make_user("shapes")
    for body in (None, [], {"subscription": "x"}, {"subscription": {"email": 5}}):
        answer = client.post("/api/v1/profiles/shapes/subscribe", json=body)
        assert answer.status_code in (400, 422)
    assert client.post("/api/v1/profiles/nobody/subscribe", json={}).status_code in (404, 422)


def test_signed_in_one_click_subscribe_and_unsubscribe(client, make_user, sign_in, mailbox):
    author = make_user("oneclick")
    reader = make_user("reader", email="reader@example.org")
    sign_in(client, reader)
    profile = page_text(client.get("/profile/oneclick"))
    assert 'action="/profile/oneclick/newsletter"' in profile
    assert "Subscribe by email" not in profile
    token = csrf_token(client, "/profile/oneclick")
    answer = client.post(
        "/profile/oneclick/newsletter", data={"csrf_token": token, "next": "/profile/oneclick"}
    )
    assert redirect_target(answer) == "/profile/oneclick"
    assert _rows(client.application, author) == [("reader@example.org", "confirmed")]
    assert mailbox == []  # a confirmed account address needs no confirmation
    assert 'action="/profile/oneclick/newsletter/stop"' in page_text(
        client.get("/profile/oneclick")
    )
    client.post("/profile/oneclick/newsletter/stop", data={"csrf_token": token})
    assert _rows(client.application, author) == [("reader@example.org", "unsubscribed")]


def test_an_unconfirmed_account_gets_a_confirmation_mail(client, make_user, sign_in, mailbox):
    author = make_user("doubleoptin")
    reader = make_user("unsure", email="unsure@example.org", status="unverified")
    mailbox.clear()
    sign_in(client, reader)
    token = csrf_token(client, "/profile/doubleoptin")
    client.post("/profile/doubleoptin/newsletter", data={"csrf_token": token})
    assert _rows(client.application, author) == [("unsure@example.org", "pending")]
    assert [m.to for m in mailbox] == [["unsure@example.org"]]


def test_the_author_sees_the_count_not_a_button(client, make_user, sign_in, subscribed):
    author = make_user("counted")
    subscribed(author, "x@example.org", "y@example.org")
    sign_in(client, author)
    page = page_text(client.get("/profile/counted"))
    assert "2 subscribers" in page
    assert "Subscribe to counted" not in page
    mine = page_text(client.get("/newsletter"))
    assert "Confirmed subscribers" in mine
    assert "2" in mine


def test_api_subscribe_as_a_token_user_and_anonymously(client, make_user, auth_headers, mailbox):
    author = make_user("apiauthor")
    reader = make_user("apireader", email="apireader@example.org")
    url = "/api/v1/profiles/apiauthor/subscribe"
    created = client.post(url, json={}, headers=auth_headers(reader))
    assert created.status_code == 201
    assert created.get_json()["subscription"]["status"] == "confirmed"
    assert client.post(url, json={}, headers=auth_headers(reader)).status_code == 200
    anonymous = client.post(url, json={"subscription": {"email": "anon@example.org"}})
    assert anonymous.status_code == 202
    assert anonymous.get_json()["subscription"] == {
        "author": "apiauthor",
        "email": "anon@example.org",
        "status": "pending",
        "confirmedAt": None,
    }
    again = client.post(url, json={"subscription": {"email": "apireader@example.org"}})
    assert again.status_code == 202  # subscribed already: not revealed
    assert again.get_json()["subscription"]["status"] == "pending"
    gone = client.delete(url, headers=auth_headers(reader))
    assert gone.status_code == 200
    assert gone.get_json()["subscription"]["status"] == "unsubscribed"
    assert client.delete(url).status_code == 401
    assert _rows(client.application, author) == [
        ("apireader@example.org", "unsubscribed"),
        ("anon@example.org", "pending"),
    ]
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/profiles/{username}/subscribe"]["post"]
    assert {"200", "201", "202", "404", "422", "429"} <= set(operation["responses"])


def test_bad_and_used_links_get_a_clear_page(client, make_user):
    make_user("links")
    assert client.get("/newsletters/confirm/garbage").status_code == 404
    assert client.post("/newsletters/unsubscribe/garbage").status_code == 404
    assert client.get("/newsletters/unsubscribe/" + "x" * 2000).status_code == 404
    assert "not a link we sent" in page_text(client.get("/newsletters/confirm/a.b.c"))


def test_subscribing_is_rate_limited_per_address_and_per_client(db, make_limited_app, make_user):
    limited = make_limited_app()
    limited.test_client_class = IsolatedClient
    limited.config["RATELIMIT_NEWSLETTER"] = "4/minute"
    limited.config["RATELIMIT_NEWSLETTER_ADDRESS"] = "2/minute"
    make_user("limited")
    client = limited.test_client()
    url = "/api/v1/profiles/limited/subscribe"
    same = {"subscription": {"email": "same@example.org"}}
    answers = [client.post(url, json=same) for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 429]
    others = [
        client.post(url, json={"subscription": {"email": f"o{n}@example.org"}}).status_code
        for n in range(3)
    ]
    assert others[0] == 202
    assert others[-1] == 429
    path = "/profile/limited/subscribe"
    form = client.post(path, data={"csrf_token": csrf_token(client, path), "email": "f@x.org"})
    assert form.status_code == 429


def test_the_author_exports_the_list_as_a_csv_job(client, make_user, sign_in, subscribed):
    author = make_user("exporter")
    subscribed(author, "first@example.org", "second@example.org")
    sign_in(client, author)
    token = csrf_token(client, "/newsletter")
    job_page = redirect_target(client.post("/newsletter/export", data={"csrf_token": token}))
    assert job_page.startswith("/jobs/")
    download = client.get(f"{job_page}/download")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    download.close()
    assert rows[0] == ["email", "status", "subscribed_at", "confirmed_at", "unsubscribed_at"]
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("first@example.org", "confirmed"),
        ("second@example.org", "confirmed"),
    ]


def test_the_back_office_shows_totals_and_removes_a_subscriber(
    client, make_user, sign_in, subscribed
):
    admin = make_user("boss", role="admin")
    author = make_user("popular")
    subscribed(author, "keep@example.org", "drop@example.org")
    reader = make_user("plainreader", role="reader")
    sign_in(client, reader)
    assert client.get("/admin/newsletters").status_code in (403, 404)
    sign_in(client, admin)
    page = page_text(client.get("/admin/newsletters"))
    assert 'data-status="confirmed">2<' in page
    assert "popular" in page
    found = page_text(client.get("/admin/newsletters?email=DROP@"))
    assert "drop@example.org" in found
    assert "keep@example.org" not in found
    with client.application.app_context():
        target = db.session.scalar(
            select(Subscription.id).where(Subscription.email == "drop@example.org")
        )
    token = csrf_token(client, "/admin/newsletters")
    done = client.post(f"/admin/newsletters/{target}/remove", data={"csrf_token": token})
    assert redirect_target(done) == "/admin/newsletters"
    assert _rows(client.application, author) == [("keep@example.org", "confirmed")]
    with client.application.app_context():
        [entry] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == Event.SUBSCRIBER_REMOVED.value)
        ).all()
        assert entry.detail["email"] == "drop@example.org"
        assert entry.actor_id == admin.id


def test_a_deleted_account_takes_its_list_and_its_subscriptions(app, make_user, subscribed):
    from inkstone.accounts.deletion import delete_account

    author = make_user("leaving")
    reader = make_user("alsoleaving", email="alsoleaving@example.org")
    other = make_user("staying")
    subscribed(author, "fan@example.org")
    subscribed(other, "alsoleaving@example.org", "fan@example.org")
    with app.app_context():
        delete_account(user=db.session.get(User, author.id), remove_content=False)
        delete_account(user=db.session.get(User, reader.id), remove_content=False)
        db.session.commit()
        assert count_rows(Subscription, Subscription.author_id == author.id) == 0
    assert _rows(app, other) == [("fan@example.org", "confirmed")]
