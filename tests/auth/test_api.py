"""RealWorld user endpoints and API token handling."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token, decode_token
from sqlalchemy import select

from inkstone.auth.models import User, UserStatus
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD

USER_KEYS = {"email", "token", "username", "bio", "image"}


def _register(client, username="jake", email="jake@jake.jake", password="jake likes long walks"):
    return client.post(
        "/api/v1/users",
        json={"user": {"username": username, "email": email, "password": password}},
    )


# --------------------------------------------------------------------------- register


def test_register_returns_201_and_the_user_with_a_token(app, client):
    response = _register(client)
    assert response.status_code == 201
    user = response.json["user"]
    assert set(user) == USER_KEYS
    assert user["username"] == "jake"
    assert user["email"] == "jake@jake.jake"
    assert user["bio"] == ""
    assert user["image"] == ""
    with app.app_context():
        claims = decode_token(user["token"])
        stored = db.session.scalar(select(User).where(User.username == "jake"))
        assert claims["sub"] == str(stored.id)  # identity is a string
        assert claims["exp"] > time.time()


def test_register_token_works_immediately(client):
    token = _register(client).json["user"]["token"]
    me = client.get("/api/v1/user", headers={"Authorization": f"Token {token}"})
    assert me.status_code == 200
    assert me.json["user"]["username"] == "jake"


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"username": "JAKE", "email": "other@example.org"}, "username"),
        ({"username": "other", "email": "JAKE@jake.jake"}, "email"),
    ],
)
def test_register_conflicts_are_409(app, client, second, field):
    assert _register(client).status_code == 201
    response = _register(client, **second)
    assert response.status_code == 409
    assert field in response.json["errors"]
    with app.app_context():
        assert db.session.scalars(select(User.username)).all() == ["jake"]  # nothing half-written


@pytest.mark.parametrize(
    ("user", "field"),
    [
        ({"email": "a@b.co", "password": "password1"}, "username"),
        ({"username": "a", "password": "password1"}, "email"),
        ({"username": "a", "email": "a@b.co"}, "password"),
        ({"username": "a", "email": "not-an-email", "password": "password1"}, "email"),
        ({"username": "a", "email": "a@b.co", "password": "short"}, "password"),
        ({"username": "has space", "email": "a@b.co", "password": "password1"}, "username"),
        ({"username": "x" * 41, "email": "a@b.co", "password": "password1"}, "username"),
    ],
)
def test_register_validation_errors_are_422_by_field(client, user, field):
    response = client.post("/api/v1/users", json={"user": user})
    assert response.status_code == 422
    assert field in response.json["errors"]


# --------------------------------------------------------------------------- login


def test_login_returns_the_user_with_a_token(client, make_user):
    make_user(username="jake", email="jake@jake.jake")
    response = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "jake@jake.jake", "password": DEFAULT_PASSWORD}},
    )
    assert response.status_code == 200
    assert set(response.json["user"]) == USER_KEYS
    assert response.json["user"]["username"] == "jake"


def test_login_failure_is_identical_for_unknown_email_and_wrong_password(client, make_user):
    make_user(username="jake", email="jake@jake.jake")
    unknown = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "nobody@jake.jake", "password": DEFAULT_PASSWORD}},
    )
    wrong = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "jake@jake.jake", "password": "wrong password"}},
    )
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.mimetype == wrong.mimetype == "application/json"
    assert unknown.data == wrong.data
    assert "errors" in unknown.json


def test_suspended_user_cannot_log_in(client, make_user):
    make_user(username="jake", email="jake@jake.jake", status=UserStatus.SUSPENDED.value)
    response = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "jake@jake.jake", "password": DEFAULT_PASSWORD}},
    )
    assert response.status_code == 401


# --------------------------------------------------------------------------- GET/PUT /user


def test_get_current_user(client, make_user, auth_headers):
    user = make_user(username="jake", email="jake@jake.jake")
    response = client.get("/api/v1/user", headers=auth_headers(user))
    assert response.status_code == 200
    assert response.json["user"]["email"] == "jake@jake.jake"
    assert set(response.json["user"]) == USER_KEYS


def test_get_current_user_needs_a_token(client):
    response = client.get("/api/v1/user")
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert "errors" in response.json


def test_update_current_user(client, make_user, auth_headers):
    user = make_user(username="jake", email="jake@jake.jake")
    headers = auth_headers(user)
    changes = {
        "email": "new@jake.jake",
        "bio": "I like to skateboard",
        "image": "https://i.im/j.jpg",
    }
    response = client.put("/api/v1/user", json={"user": changes}, headers=headers)
    assert response.status_code == 200
    # A new address waits for its confirmation link (tests/auth/test_recovery.py).
    assert {k: response.json["user"][k] for k in changes} == {**changes, "email": "jake@jake.jake"}
    again = client.get("/api/v1/user", headers=headers).json["user"]
    assert again["bio"] == "I like to skateboard"


def test_update_password_then_log_in_with_it(client, make_user, auth_headers):
    user = make_user(username="jake", email="jake@jake.jake")
    response = client.put(
        "/api/v1/user", json={"user": {"password": "new password!"}}, headers=auth_headers(user)
    )
    assert response.status_code == 200
    login = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "jake@jake.jake", "password": "new password!"}},
    )
    assert login.status_code == 200


def test_update_to_a_taken_username_is_409(client, make_user, auth_headers):
    make_user(username="taken")
    user = make_user(username="jake")
    response = client.put(
        "/api/v1/user", json={"user": {"username": "TAKEN"}}, headers=auth_headers(user)
    )
    assert response.status_code == 409
    assert "username" in response.json["errors"]


def test_update_cannot_set_status_or_roles(app, client, make_user, auth_headers):
    user = make_user(username="jake")
    response = client.put(
        "/api/v1/user",
        json={
            "user": {
                "bio": "still a reader",
                "status": "suspended",
                "roles": ["admin"],
                "role": "admin",
                "password_hash": "x",
                "id": 1,
                "articlesCount": 99,
            }
        },
        headers=auth_headers(user),
    )
    assert response.status_code == 200
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.bio == "still a reader"
        assert stored.status == UserStatus.ACTIVE
        assert stored.role_names == {"author"}
        assert stored.articles_count == 0
        assert stored.password_hash == user.password_hash


def test_update_rejects_a_non_http_image(client, make_user, auth_headers):
    user = make_user()
    response = client.put(
        "/api/v1/user",
        json={"user": {"image": "javascript:alert(1)"}},
        headers=auth_headers(user),
    )
    assert response.status_code == 422
    assert "image" in response.json["errors"]


# --------------------------------------------------------------------------- tokens


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "bearer"])
def test_token_and_bearer_schemes_are_accepted(client, make_user, auth_headers, scheme):
    user = make_user(username="jake")
    response = client.get("/api/v1/user", headers=auth_headers(user, scheme=scheme))
    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _token_for(app, user, **kwargs):
    with app.app_context():
        return create_access_token(
            identity=str(user.id), additional_claims={"ver": user.token_version}, **kwargs
        )


def _bad_tokens(app, user, victim):
    good = _token_for(app, user)
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_claims = {**claims, "sub": str(victim.id)}
    now = int(time.time())
    return {
        "forged payload": f"{header}.{_b64(forged_claims)}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "expired": _token_for(app, user, expires_delta=timedelta(seconds=-5)),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(forged_claims)}.",
        "wrong key": pyjwt.encode(
            {**claims, "exp": now + 600}, "another-secret-key-of-sufficient-length", "HS256"
        ),
        "HS512": pyjwt.encode({**claims, "exp": now + 600}, app.config["JWT_SECRET_KEY"], "HS512"),
        "no subject": pyjwt.encode(
            {k: v for k, v in claims.items() if k != "sub"}, app.config["JWT_SECRET_KEY"], "HS256"
        ),
        "non-numeric subject": pyjwt.encode(
            {**claims, "sub": "jake"}, app.config["JWT_SECRET_KEY"], "HS256"
        ),
        "three dots of garbage": "abc.def.ghi",
        "not a jwt": "not-a-jwt",
        "empty": "",
    }


BAD_TOKEN_KINDS = [
    "forged payload",
    "tampered signature",
    "expired",
    "alg none",
    "wrong key",
    "HS512",
    "no subject",
    "non-numeric subject",
    "three dots of garbage",
    "not a jwt",
    "empty",
]


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
@pytest.mark.parametrize("path", ["/api/v1/user", "/api/v1/articles"])
def test_bad_tokens_are_401_json(app, client, make_user, kind, path):
    user = make_user(username="jake")
    victim = make_user(username="victim")
    token = _bad_tokens(app, user, victim)[kind]
    # /articles accepts anonymous readers, but a bad token is still refused, not ignored.
    response = client.get(path, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 401, response.json
    assert response.mimetype == "application/json"
    assert set(response.json) == {"errors", "code"}
    assert response.json["code"] == "auth.required"


def test_expired_token_says_so(app, client, make_user):
    user = make_user()
    token = _token_for(app, user, expires_delta=timedelta(seconds=-5))
    response = client.get("/api/v1/user", headers={"Authorization": f"Token {token}"})
    assert response.json == {"errors": {"token": ["token has expired"]}, "code": "auth.required"}


@pytest.mark.parametrize(
    "header", ["Basic amFrZTpqYWtl", "Token", "Bearer ", "Tokenabc.def.ghi", "Token a.b.c extra"]
)
def test_malformed_authorization_headers_are_401(client, header):
    response = client.get("/api/v1/user", headers={"Authorization": header})
    assert response.status_code == 401
    assert "errors" in response.json


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.DELETED])
def test_token_of_a_suspended_or_deleted_user_is_401(app, client, make_user, auth_headers, status):
    user = make_user(username="jake")
    headers = auth_headers(user)
    assert client.get("/api/v1/user", headers=headers).status_code == 200
    with app.app_context():
        db.session.get(User, user.id).status = status.value
        db.session.commit()
    response = client.get("/api/v1/user", headers=headers)
    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["token is invalid"]}, "code": "auth.required"}


def test_token_of_a_removed_user_is_401(app, client, make_user, auth_headers):
    user = make_user(username="jake")
    headers = auth_headers(user)
    with app.app_context():
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()
    assert client.get("/api/v1/user", headers=headers).status_code == 401


def test_each_request_reads_its_own_token(client, make_user, auth_headers):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    for user in (alice, bob):
        me = client.get("/api/v1/user", headers=auth_headers(user)).json["user"]
        assert me["username"] == user.username
    assert client.get("/api/v1/user").status_code == 401
