"""The guestbook API: read it, sign it (with or without a token), and moderate it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.auth.tokens import issue_token
from inkstone.extensions import db
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import IsolatedClient, count_rows, csrf_token

URL = "/api/v1/guestbook"
MESSAGE_KEYS = {"id", "name", "body", "createdAt", "author"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _sign(client, headers=None, **fields):
    return client.post(URL, json={"message": fields}, headers=headers or {})


def _stored(app, message_id):
    with app.app_context():
        return db.session.get(GuestbookMessage, int(message_id))


# --------------------------------------------------------------------------- reading


def test_an_empty_guestbook(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json == {"messages": [], "messagesCount": 0}


def test_messages_are_listed_newest_first_with_their_signers(client, make_user, make_message):
    mia = make_user(username="mia", image="https://img.example/mia.png")
    make_message(name="Old friend", body="First", age=timedelta(days=2))
    make_message(name="Mia M.", body="Second", author=mia, age=timedelta(days=1))
    response = client.get(URL)
    assert response.json["messagesCount"] == 2
    newest, oldest = response.json["messages"]
    assert set(newest) == MESSAGE_KEYS
    assert (newest["name"], newest["body"]) == ("Mia M.", "Second")
    assert newest["author"] == {"username": "mia", "image": "https://img.example/mia.png"}
    assert newest["id"].isdigit()  # 64-bit ids are strings
    assert TIMESTAMP.match(newest["createdAt"])
    assert (oldest["name"], oldest["author"]) == ("Old friend", None)


def test_the_list_is_paged(client, make_message):
    for n in range(5):
        make_message(name=f"Guest {n}", age=timedelta(minutes=10 - n))
    first = client.get(f"{URL}?limit=2").json
    last = client.get(f"{URL}?limit=2&offset=4").json
    assert [m["name"] for m in first["messages"]] == ["Guest 4", "Guest 3"]
    assert [m["name"] for m in last["messages"]] == ["Guest 0"]
    assert first["messagesCount"] == last["messagesCount"] == 5


def test_a_deleted_signer_is_shown_as_nobody(app, client, make_user, make_message):
    gone = make_user(username="gone")
    make_message(name="Someone", author=gone)
    with app.app_context():
        db.session.get(User, gone.id).status = UserStatus.DELETED.value
        db.session.commit()
    assert client.get(URL).json["messages"][0]["author"] is None


@pytest.mark.parametrize("query", ["?limit=0", "?offset=-1", "?limit=abc"])
def test_bad_paging_is_422(client, query):
    assert client.get(f"{URL}{query}").status_code == 422


# --------------------------------------------------------------------------- signing


def test_a_visitor_signs_without_a_token(app, client):
    response = _sign(client, name="  Visitor ", body="Hello\r\nthere ")
    assert response.status_code == 201
    message = response.json["message"]
    assert set(message) == MESSAGE_KEYS
    assert (message["name"], message["body"], message["author"]) == (
        "Visitor",
        "Hello\nthere",
        None,
    )
    stored = _stored(app, message["id"])
    assert (stored.name, stored.author_id) == ("Visitor", None)
    assert client.get(URL).json["messages"][0]["id"] == message["id"]


def test_a_signed_in_signer_is_linked_and_named_by_default(app, client, make_user, auth_headers):
    mia = make_user(username="mia")
    response = _sign(client, auth_headers(mia), body="Hi from Mia")
    assert response.status_code == 201
    message = response.json["message"]
    assert message["name"] == "mia"
    assert message["author"]["username"] == "mia"
    assert _stored(app, message["id"]).author_id == mia.id
    renamed = _sign(client, auth_headers(mia), name="Mia the Great", body="Again")
    assert renamed.json["message"]["name"] == "Mia the Great"
    assert renamed.json["message"]["author"]["username"] == "mia"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"message": {"name": "Visitor"}}, "body"),
        ({"message": {"name": "Visitor", "body": "   "}}, "body"),
        ({"message": {"name": "Visitor", "body": "x" * 501}}, "body"),
        ({"message": {"body": "Hello"}}, "name"),  # a visitor must say who they are
        ({"message": {"name": "  ", "body": "Hello"}}, "name"),
        ({"message": {"name": "x" * 41, "body": "Hello"}}, "name"),
        ({"message": {"name": "Vis\x00itor", "body": "Hello"}}, "name"),
        ({"message": {"name": "Visitor", "body": 5}}, "body"),
        ({"message": "Hello"}, "message"),
        ({"name": "Visitor", "body": "Hello"}, "message"),
    ],
)
def test_bad_messages_are_422_by_field(app, client, payload, field):
    response = client.post(URL, json=payload)
    assert response.status_code == 422
    assert field in response.json["errors"], response.json
    with app.app_context():
        assert count_rows(GuestbookMessage) == 0


def test_a_bad_token_is_refused_not_ignored(app, client):
    response = _sign(client, {"Authorization": "Token abc.def.ghi"}, name="V", body="Hello")
    assert response.status_code == 401
    with app.app_context():
        assert count_rows(GuestbookMessage) == 0


@pytest.fixture
def confirming_app(db, make_limited_app):
    """An app where unconfirmed accounts may not sign the guestbook."""
    strict = make_limited_app(REQUIRE_EMAIL_CONFIRMATION=True, RATELIMIT_GUESTBOOK="100/minute")
    strict.test_client_class = IsolatedClient
    return strict


def test_an_unconfirmed_account_signs_only_when_the_site_allows_it(
    app, client, confirming_app, make_user, auth_headers
):
    uma = make_user(username="uma", status=UserStatus.UNVERIFIED.value)
    with confirming_app.app_context():  # each app signs tokens with its own key
        strict_headers = {"Authorization": f"Token {issue_token(db.session.get(User, uma.id))}"}
    refused = _sign(confirming_app.test_client(), strict_headers, body="Hello")
    assert refused.status_code == 403
    assert refused.json == {
        "errors": {"email": ["confirm your email address first"]},
        "code": "auth.forbidden",
    }
    with app.app_context():
        assert count_rows(GuestbookMessage) == 0
    assert _sign(client, auth_headers(uma), body="Hello").status_code == 201  # the default


# --------------------------------------------------------------------------- rate limit


@pytest.fixture
def limited_app(db, make_limited_app):
    limited = make_limited_app(RATELIMIT_GUESTBOOK="2/minute")
    limited.test_client_class = IsolatedClient
    return limited


def test_signing_is_rate_limited_with_a_json_429(app, limited_app):
    client = limited_app.test_client()
    answers = [_sign(client, name=f"Guest {n}", body="Hello").status_code for n in range(3)]
    assert answers == [201, 201, 429]
    refused = _sign(client, name="Guest", body="Hello")
    assert refused.mimetype == "application/json"
    assert list(refused.json) == ["errors", "code"]
    assert refused.json["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get(URL).status_code == 200  # reading is not limited
    with app.app_context():
        assert count_rows(GuestbookMessage) == 2


def test_the_web_form_and_the_api_share_one_limit(app, limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, "/guestbook")
    for n in range(2):
        signed = client.post(
            "/guestbook", data={"csrf_token": token, "name": f"W{n}", "body": "Hi"}
        )
        assert signed.status_code == 302
    assert _sign(client, name="Api", body="Hello").status_code == 429
    with app.app_context():
        assert count_rows(GuestbookMessage) == 2


# --------------------------------------------------------------------------- moderation


@pytest.mark.parametrize("role", [RoleName.MODERATOR, RoleName.ADMIN])
def test_moderators_delete_any_message(app, client, make_user, make_message, auth_headers, role):
    signer = make_user(username="signer")
    message = make_message(name="Signer", author=signer)
    response = client.delete(f"{URL}/{message.id}", headers=auth_headers(make_user(role=role)))
    assert response.status_code == 204
    assert response.data == b""
    assert _stored(app, message.id) is None
    assert client.get(URL).json == {"messages": [], "messagesCount": 0}


@pytest.mark.parametrize("role", [RoleName.READER, RoleName.AUTHOR])
def test_others_may_not_delete_even_their_own(
    app, client, make_user, make_message, auth_headers, role
):
    signer = make_user(role=role)
    message = make_message(name="Me", author=signer)
    response = client.delete(f"{URL}/{message.id}", headers=auth_headers(signer))
    assert response.status_code == 403
    assert response.json == {
        "errors": {"scope": ["this needs the guestbook:moderate permission"]},
        "code": "auth.forbidden",
    }
    assert _stored(app, message.id) is not None
    # An unknown id tells a non-moderator nothing more.
    assert client.delete(f"{URL}/12345", headers=auth_headers(signer)).status_code == 403


def test_deleting_needs_a_token(app, client, make_message):
    message = make_message()
    assert client.delete(f"{URL}/{message.id}").status_code == 401
    assert _stored(app, message.id) is not None


@pytest.mark.parametrize("message_id", ["12345", str(2**63), str(2**70), "0"])
def test_deleting_an_unknown_message_is_404(client, make_user, auth_headers, message_id):
    moderator = make_user(role=RoleName.MODERATOR)
    response = client.delete(f"{URL}/{message_id}", headers=auth_headers(moderator))
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert "errors" in response.json


@pytest.mark.parametrize("message_id", ["abc", "-1", "1.5"])
def test_a_malformed_message_id_is_404(client, make_user, auth_headers, message_id):
    moderator = make_user(role=RoleName.MODERATOR)
    response = client.delete(f"{URL}/{message_id}", headers=auth_headers(moderator))
    assert response.status_code == 404
