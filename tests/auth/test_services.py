"""Account services: register, authenticate (with rehash), update, look up."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select

from inkstone.auth import passwords, services
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.core.errors import Conflict, Invalid, NotFound, Unauthorized
from inkstone.extensions import db
from tests.conftest import APP_HASHER, DEFAULT_PASSWORD

pytestmark = pytest.mark.usefixtures("app_ctx")


def _register(username="alice", email="alice@example.org", password=DEFAULT_PASSWORD, **kw):
    user = services.register_user(username=username, email=email, password=password, **kw)
    db.session.commit()
    return user


def test_register_creates_an_unverified_author_with_a_hashed_password():
    user = _register(username="  alice ", email="  Alice@Example.ORG ")
    assert user.id is not None
    assert user.username == "alice"
    assert user.email == "alice@example.org"
    # Active once the mailed link is followed (tests/auth/test_recovery.py).
    assert user.status == UserStatus.UNVERIFIED
    assert user.email_confirmed_at is None
    assert user.role_names == {RoleName.AUTHOR}
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash


def test_register_with_another_role():
    assert _register(role=RoleName.READER).role_names == {"reader"}


@pytest.mark.parametrize("taken", ["alice", "ALICE", "Alice", " alice "])
def test_duplicate_username_is_a_conflict_whatever_its_case(taken):
    _register()
    with pytest.raises(Conflict) as caught:
        services.register_user(username=taken, email="other@example.org", password=DEFAULT_PASSWORD)
    assert caught.value.field == "username"


@pytest.mark.parametrize("taken", ["alice@example.org", "ALICE@example.org", " alice@EXAMPLE.org"])
def test_duplicate_email_is_a_conflict(taken):
    _register()
    with pytest.raises(Conflict) as caught:
        services.register_user(username="bob", email=taken, password=DEFAULT_PASSWORD)
    assert caught.value.field == "email"


def test_database_unique_index_on_lower_username_backs_the_check(monkeypatch):
    _register()
    # Simulate losing a race: the pre-check passes, the unique index still refuses.
    monkeypatch.setattr(services, "ensure_available", lambda **_: None)
    with pytest.raises(Conflict) as caught:
        services.register_user(
            username="ALICE", email="other@example.org", password=DEFAULT_PASSWORD
        )
    assert caught.value.field == "username"
    db.session.rollback()
    assert db.session.scalars(select(User.username)).all() == ["alice"]


def test_authenticate_returns_the_user_and_records_the_login():
    user = _register()
    assert user.last_login_at is None
    signed_in = services.authenticate(email="ALICE@example.org ", password=DEFAULT_PASSWORD)
    assert signed_in.id == user.id
    assert signed_in.last_login_at is not None


def test_unknown_email_and_wrong_password_fail_the_same_way():
    _register()
    with pytest.raises(Unauthorized) as unknown:
        services.authenticate(email="nobody@example.org", password=DEFAULT_PASSWORD)
    with pytest.raises(Unauthorized) as wrong:
        services.authenticate(email="alice@example.org", password="not the password")
    assert unknown.value.errors() == wrong.value.errors()
    assert unknown.value.status_code == wrong.value.status_code == 401


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.DELETED])
def test_suspended_or_deleted_users_cannot_sign_in(status):
    user = _register()
    user.status = status.value
    db.session.commit()
    with pytest.raises(Unauthorized) as caught:
        services.authenticate(email="alice@example.org", password=DEFAULT_PASSWORD)
    assert caught.value.errors() == {"email or password": ["is invalid"]}


def test_authenticate_rehashes_when_argon2_parameters_change(monkeypatch):
    user = _register()
    old_hash = user.password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", stronger)
    assert passwords.needs_rehash(old_hash)

    services.authenticate(email="alice@example.org", password=DEFAULT_PASSWORD)
    db.session.commit()
    new_hash = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert new_hash != old_hash
    assert "m=16,t=2,p=1" in new_hash
    assert not passwords.needs_rehash(new_hash)
    assert passwords.verify_password(new_hash, DEFAULT_PASSWORD)

    services.authenticate(email="alice@example.org", password=DEFAULT_PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(User.password_hash).where(User.id == user.id)) == new_hash


def test_failed_login_does_not_rehash(monkeypatch):
    user = _register()
    old_hash = user.password_hash
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=16))
    with pytest.raises(Unauthorized):
        services.authenticate(email="alice@example.org", password="wrong password")
    assert user.password_hash == old_hash


def test_production_hasher_is_strong_and_flags_cheap_hashes():
    production = APP_HASHER  # the hasher the app builds, before the tests swapped in a cheap one
    assert production.type is Type.ID
    assert production.memory_cost >= 19 * 1024  # OWASP's minimum for argon2id
    assert production.check_needs_rehash(passwords.hash_password("whatever"))
    assert passwords.needs_rehash("not-an-argon2-hash")


def test_get_user_by_username_is_case_insensitive_and_hides_deleted():
    user = _register(username="Alice")
    assert services.get_user_by_username(username="aLiCe").id == user.id
    user.status = UserStatus.DELETED.value
    db.session.commit()
    with pytest.raises(NotFound):
        services.get_user_by_username(username="alice")
    with pytest.raises(NotFound):
        services.get_user_by_username(username="nobody")


def test_update_user_changes_profile_fields():
    user = _register()
    services.update_user(
        user=user,
        changes={"bio": "I write", "image": "https://img.example/a.png", "email": "NEW@x.org"},
    )
    db.session.commit()
    assert (user.bio, user.image, user.email, user.pending_email) == (
        "I write",
        "https://img.example/a.png",
        "alice@example.org",  # until the link mailed to the new address is followed
        "new@x.org",
    )
    services.update_user(user=user, changes={"bio": None, "image": None})
    assert (user.bio, user.image) == ("", None)


def test_update_user_may_change_the_case_of_its_own_username():
    user = _register()
    services.update_user(user=user, changes={"username": "ALICE"})
    assert user.username == "ALICE"


def test_update_user_refuses_a_taken_username_or_email():
    _register(username="bob", email="bob@example.org")
    user = _register()
    with pytest.raises(Conflict):
        services.update_user(user=user, changes={"username": "BOB"})
    with pytest.raises(Conflict):
        services.update_user(user=user, changes={"email": "bob@example.org"})


def test_update_user_changes_the_password():
    user = _register()
    services.update_user(user=user, changes={"password": "a brand new password"})
    db.session.commit()
    assert services.authenticate(email="alice@example.org", password="a brand new password")
    with pytest.raises(Unauthorized):
        services.authenticate(email="alice@example.org", password=DEFAULT_PASSWORD)


@pytest.mark.parametrize("field", ["status", "roles", "password_hash", "id"])
def test_update_user_refuses_fields_a_user_may_not_set(field):
    user = _register()
    with pytest.raises(ValueError, match="not updatable"):
        services.update_user(user=user, changes={field: "admin"})


def test_update_user_sets_and_clears_language_and_time_zone():
    user = _register()
    services.update_user(user=user, changes={"locale": "zh_CN", "timezone": "Asia/Shanghai"})
    assert (user.locale, user.timezone) == ("zh_CN", "Asia/Shanghai")
    services.update_user(user=user, changes={"locale": "", "timezone": None})
    assert (user.locale, user.timezone) == (None, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [("locale", "fr"), ("locale", "zh-CN"), ("timezone", "Mars/Olympus"), ("timezone", "../x")],
)
def test_update_user_refuses_an_unknown_language_or_time_zone(field, value):
    user = _register()
    with pytest.raises(Invalid) as caught:
        services.update_user(user=user, changes={field: value})
    assert caught.value.field == field


def test_update_own_account_needs_the_current_password_for_a_new_password():
    user = _register()
    for current in (None, "", "not my password"):
        with pytest.raises(Unauthorized) as caught:
            services.update_own_account(
                user=user, changes={"password": "a new password"}, current_password=current
            )
        assert caught.value.field == "current_password"
    services.update_own_account(
        user=user, changes={"password": "a new password"}, current_password=DEFAULT_PASSWORD
    )
    db.session.commit()
    assert services.authenticate(email="alice@example.org", password="a new password")


def test_update_own_account_needs_the_current_password_for_a_new_email():
    user = _register()
    with pytest.raises(Unauthorized):
        services.update_own_account(
            user=user, changes={"email": "new@example.org"}, current_password=None
        )
    assert user.email == "alice@example.org"
    assert user.pending_email is None
    services.update_own_account(
        user=user, changes={"email": "new@example.org"}, current_password=DEFAULT_PASSWORD
    )
    assert (user.email, user.pending_email) == ("alice@example.org", "new@example.org")


def test_update_own_account_needs_no_password_for_the_rest():
    user = _register()
    services.update_own_account(
        user=user,
        changes={"email": " ALICE@example.org ", "bio": "hi", "username": "Alice", "password": ""},
        current_password=None,
    )
    assert (user.email, user.bio, user.username) == ("alice@example.org", "hi", "Alice")
