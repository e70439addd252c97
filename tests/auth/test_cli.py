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
