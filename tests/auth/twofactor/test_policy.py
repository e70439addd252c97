"""The staff rule (two-factor required of admins and moderators) and the admin's reset."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from inkstone.auth.audit import AuditEvent, Event
from inkstone.auth.factors import RecoveryCode, TotpDevice
from inkstone.auth.models import RoleName
from inkstone.core.site import save_site_settings
from inkstone.extensions import db
from tests.auth.test_invitations import outbox
from tests.auth.twofactor.conftest import code_step, enrol, is_signed_in, password_step
from tests.conftest import DEFAULT_PASSWORD, count_rows, csrf_token, page_text, redirect_target

WALKED = "This site requires administrators and moderators to use two-factor authentication."


def _require(app, on=True):
    with app.app_context():
        save_site_settings(changes={"require_two_factor_for_staff": on}, actor_id=None)
        db.session.commit()


def test_the_back_office_checkbox_turns_the_rule_on_and_is_audited(app, client, make_user, sign_in):
    admin = make_user("root", role=RoleName.ADMIN)
    sign_in(client, admin)
    page = page_text(client.get("/admin/settings"))
    assert "Administrators and moderators must use two-factor authentication" in page
    data = {
        "csrf_token": csrf_token(client, "/admin/settings"),
        "site_name": "Inkstone",
        "tagline": "",
        "registration": "open",
        "announcement": "",
        "default_language": "",
        "comments_enabled": "y",
        "require_two_factor_for_staff": "y",
    }
    client.post("/admin/settings", data=data)
    with app.app_context():
        changed = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.event == Event.SITE_SETTINGS_CHANGED.value)
            )
        )
    assert changed
    assert "require_two_factor_for_staff" in changed[-1].detail["changed"]


@pytest.mark.parametrize("role", [RoleName.ADMIN, RoleName.MODERATOR])
def test_staff_without_a_second_factor_are_walked_through_set_up(
    app, client, make_user, role, clock
):
    make_user(email="staff@example.org", role=role)
    _require(app)
    response = password_step(client, "staff@example.org")
    assert redirect_target(response) == "/"
    walked = client.get("/")
    assert redirect_target(walked) == "/settings/two-factor"
    assert WALKED in page_text(client.get("/settings/two-factor"))
    for path in ("/editor", "/settings", "/admin/people"):
        assert redirect_target(client.get(path)) == "/settings/two-factor"
    # What set-up needs stays open: the set-up page, passkeys, signing out.
    assert client.get("/settings/two-factor/setup").status_code == 200
    assert client.get("/settings/passkeys").status_code == 200
    assert client.get("/static/css/app.css").status_code in (200, 304, 404)
    key = re.search(r'data-key="([A-Z2-7]+)"', client.get("/settings/two-factor/setup").text)
    assert key
    client.post(
        "/settings/two-factor/setup",
        data={
            "csrf_token": csrf_token(client, "/settings/two-factor"),
            "code": pyotp.TOTP(key.group(1)).at(clock.now),
        },
    )
    assert client.get("/").status_code == 200  # free to go anywhere now


def test_authors_are_never_stopped(app, client, make_user):
    make_user(email="author@example.org")
    _require(app)
    password_step(client, "author@example.org")
    assert client.get("/").status_code == 200


def test_the_api_refuses_staff_without_a_second_factor(app, client, make_user):
    make_user(email="staff@example.org", role=RoleName.ADMIN)
    _require(app)
    body = {"user": {"email": "staff@example.org", "password": DEFAULT_PASSWORD}}
    response = client.post("/api/v1/users/login", json=body)
    assert response.status_code == 403
    assert response.json["code"] == "auth.two_factor_setup_required"
    assert "set it up on the web site" in response.json["errors"]["otp"][0]
    _require(app, on=False)
    assert client.post("/api/v1/users/login", json=body).status_code == 200


def test_an_admin_reset_removes_every_second_factor_audits_and_mails(
    app, client, make_user, sign_in, clock
):
    box = outbox(app)
    box.clear()
    person = enrol(app, make_user("mia", email="mia@example.org", locale="zh_CN"), clock)
    admin = make_user("root", role=RoleName.ADMIN)
    sign_in(client, admin)
    page = client.get("/admin/people/mia")
    assert "Reset two-factor" in page_text(page)
    response = client.post(
        "/admin/people/mia/two-factor-reset",
        data={"csrf_token": csrf_token(client, "/admin/people/mia")},
    )
    assert redirect_target(response) == "/admin/people/mia"
    with app.app_context():
        assert count_rows(TotpDevice) == 0
        assert count_rows(RecoveryCode) == 0
        reset = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == Event.TWO_FACTOR_RESET.value)
        ).one()
        assert reset.user_id == person.user.id
        assert reset.actor_id == admin.id
    assert [m.to for m in box] == [["mia@example.org"]]
    assert "/settings/two-factor" in box[0].body
    # The person signs in with the password alone now.
    other = app.test_client()
    assert redirect_target(password_step(other, "mia@example.org")) == "/"
    assert is_signed_in(other)


def test_a_reset_ends_trusted_browsers(app, client, make_user, sign_in, clock):
    person = enrol(app, make_user("mia", email="mia@example.org"), clock)
    password_step(client, "mia@example.org")
    code_step(client, person.code(), trust=True)
    admin_client = app.test_client()
    sign_in(admin_client, make_user("root", role=RoleName.ADMIN))
    admin_client.post(
        "/admin/people/mia/two-factor-reset",
        data={"csrf_token": csrf_token(admin_client, "/admin/people/mia")},
    )
    # Set up again: the old trust cookie no longer skips the step.
    again = enrol(app, person.user, clock)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    assert redirect_target(password_step(client, "mia@example.org")) == "/login/two-factor"
    assert again.secret != person.secret
