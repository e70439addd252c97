"""``flask users create-admin``."""

from __future__ import annotations

from sqlalchemy import select

from inkstone.auth.models import User
from inkstone.auth.passwords import verify_password
from inkstone.extensions import db
from tests.conftest import count_rows


def _create_admin(cli_runner, username="root", email="root@example.org", password="s3cret-pass"):
    return cli_runner.invoke(
        args=[
            "users",
            "create-admin",
            "--username",
            username,
            "--email",
            email,
            "--password",
            password,
        ]
    )


def test_create_admin(app, cli_runner):
    result = _create_admin(cli_runner)
    assert result.exit_code == 0, result.output
    assert "Created admin root <root@example.org>" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "root"))
        assert user.role_names == {"admin"}
        assert user.status == "active"
        assert verify_password(user.password_hash, "s3cret-pass")


def test_create_admin_prompts_for_missing_values(app, cli_runner):
    result = cli_runner.invoke(
        args=["users", "create-admin"], input="root\nroot@example.org\npassw0rd!\npassw0rd!\n"
    )
    assert result.exit_code == 0, result.output
    assert "passw0rd!" not in result.output  # the password prompt hides its input
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "root")).role_names == {
            "admin"
        }


def test_create_admin_rejects_a_short_password(app, cli_runner):
    result = _create_admin(cli_runner, password="short")
    assert result.exit_code == 2
    assert "--password" in result.output
    assert "8 to 128 characters" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert count_rows(User) == 0


def test_create_admin_rejects_a_taken_username(app, cli_runner, make_user):
    make_user(username="root", email="first@example.org")
    result = _create_admin(cli_runner, username="ROOT", email="second@example.org")
    assert result.exit_code == 1
    assert "Error: username: has already been taken" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    with app.app_context():
        assert count_rows(User) == 1
        assert db.session.scalar(select(User.email)) == "first@example.org"


def test_create_admin_rejects_a_taken_email(app, cli_runner, make_user):
    make_user(username="someone", email="root@example.org")
    result = _create_admin(cli_runner, email="ROOT@example.org")
    assert result.exit_code == 1
    assert "Error: email: has already been taken" in result.output
    with app.app_context():
        assert count_rows(User) == 1


def test_set_role_gives_exactly_the_roles_named(app, cli_runner, make_user):
    make_user(username="mia")
    from inkstone.auth.permissions import Scope, has_scope

    result = cli_runner.invoke(args=["users", "set-role", "mia", "moderator", "reader"])
    assert result.exit_code == 0, result.output
    assert "mia now has: moderator, reader." in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mia"))
        assert user.role_names == {"moderator", "reader"}
        assert has_scope(user, Scope.COMMENTS_MODERATE)
    assert cli_runner.invoke(args=["users", "set-role", "mia", "reader"]).exit_code == 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mia"))
        assert user.role_names == {"reader"}
        assert not has_scope(user, Scope.ARTICLES_WRITE)  # the author role was taken away
        assert has_scope(user, Scope.COMMENTS_WRITE)


def test_set_role_refuses_unknown_roles_and_users(cli_runner, make_user):
    make_user(username="ned")
    assert cli_runner.invoke(args=["users", "set-role", "ned", "emperor"]).exit_code == 2
    missing = cli_runner.invoke(args=["users", "set-role", "nobody", "admin"])
    assert missing.exit_code == 1
    assert "no user called 'nobody'" in missing.output


def test_a_suspended_user_cannot_sign_in_until_reinstated(client, cli_runner, make_user):
    from tests.conftest import DEFAULT_PASSWORD

    make_user(username="sam", email="sam@example.org")
    body = {"user": {"email": "sam@example.org", "password": DEFAULT_PASSWORD}}
    assert client.post("/api/v1/users/login", json=body).status_code == 200
    assert cli_runner.invoke(args=["users", "suspend", "sam"]).exit_code == 0
    refused = client.post("/api/v1/users/login", json=body)
    assert refused.status_code == 401, refused.json
    result = cli_runner.invoke(args=["users", "reinstate", "sam"])
    assert result.exit_code == 0, result.output
    assert client.post("/api/v1/users/login", json=body).status_code == 200


def test_roles_show_lists_every_role_with_its_scopes(cli_runner):
    result = cli_runner.invoke(args=["roles", "show"])
    assert result.exit_code == 0
    lines = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    assert set(lines) == {"reader", "author", "moderator", "admin"}
    assert "articles:write" in lines["author"]
    assert "articles:write" not in lines["reader"]
    assert "users:manage" in lines["admin"]
    assert "users:manage" not in lines["moderator"]


def test_a_suspended_users_token_and_web_session_stop_working(
    client, cli_runner, make_user, auth_headers, sign_in
):
    user = make_user(username="tia")
    headers = auth_headers(user)
    sign_in(client, user)
    assert client.get("/api/v1/user", headers=headers).status_code == 200
    assert cli_runner.invoke(args=["users", "suspend", "tia"]).exit_code == 0
    assert client.get("/api/v1/user", headers=headers).status_code == 401
    settings = client.get("/settings")
    assert settings.status_code == 302  # the web session no longer counts: sent to sign in
    assert "/login" in settings.headers["Location"]


# --------------------------------------------------------------------------- set-password

NEW_PASSWORD = "a brand new passphrase"


def test_set_password_prompts_twice_without_echo_and_ends_every_session(
    app, client, cli_runner, make_user, auth_headers
):
    from inkstone.auth.audit import Event, list_events
    from tests.conftest import DEFAULT_PASSWORD

    user = make_user(username="pam", email="pam@example.org")
    headers = auth_headers(user)
    result = cli_runner.invoke(
        args=["users", "set-password", "pam"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # hidden input
    assert "Password: " in result.output
    assert "Repeat for confirmation: " in result.output  # asked twice
    assert "pam has a new password" in result.output
    assert client.get("/api/v1/user", headers=headers).status_code == 401  # old token revoked
    old = {"user": {"email": "pam@example.org", "password": DEFAULT_PASSWORD}}
    new = {"user": {"email": "pam@example.org", "password": NEW_PASSWORD}}
    assert client.post("/api/v1/users/login", json=old).status_code == 401
    assert client.post("/api/v1/users/login", json=new).status_code == 200
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert verify_password(stored.password_hash, NEW_PASSWORD)
        assert list_events(user=stored, event=Event.PASSWORD_CHANGED.value)


def test_set_password_refuses_two_different_entries(app, cli_runner, make_user):
    user = make_user(username="pam")
    result = cli_runner.invoke(
        args=["users", "set-password", "pam"],
        input=f"{NEW_PASSWORD}\nsomething else\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert "do not match" in result.output.lower() or "don't match" in result.output.lower()
    assert result.exit_code == 0, result.output  # asked again, then the matching pair is taken
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)


def test_set_password_validates_like_create_admin(app, cli_runner, make_user):
    from tests.conftest import DEFAULT_PASSWORD

    user = make_user(username="pam", email="pam@example.org")
    short = cli_runner.invoke(args=["users", "set-password", "pam"], input="short\nshort\n")
    assert short.exit_code == 2
    assert "8 to 128 characters" in short.output
    common = cli_runner.invoke(args=["users", "set-password", "pam", "--password", "password123"])
    assert common.exit_code == 1
    assert "password: is too common" in common.output
    personal = cli_runner.invoke(
        args=["users", "set-password", "pam", "--password", "pam@example.org"]
    )
    assert personal.exit_code == 1
    assert "Traceback" not in short.output + common.output + personal.output
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, DEFAULT_PASSWORD)


def test_set_password_refuses_unknown_and_deleted_users(app, cli_runner, make_user):
    from inkstone.accounts.deletion import delete_account

    missing = cli_runner.invoke(
        args=["users", "set-password", "nobody", "--password", NEW_PASSWORD]
    )
    assert missing.exit_code == 1
    assert "no user called 'nobody'" in missing.output
    gone = make_user(username="gone")
    with app.app_context():
        delete_account(user=db.session.get(User, gone.id), remove_content=False)
        db.session.commit()
    deleted = cli_runner.invoke(
        args=["users", "set-password", f"deleted-{gone.id}", "--password", NEW_PASSWORD]
    )
    assert deleted.exit_code == 1
