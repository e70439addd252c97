"""Naming and removing passkeys, and what account deletion does to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inkstone.accounts.deletion import delete_account
from inkstone.auth.audit import Event
from inkstone.auth.factors import ExternalIdentity, Passkey, TotpDevice
from inkstone.auth.models import AuditEvent, RoleName, User
from inkstone.core.db import utcnow
from inkstone.core.site import save_site_settings
from inkstone.extensions import db as _db
from tests.conftest import csrf_token, page_text, redirect_target


def _names(app: Any, user: User) -> list[str]:
    with app.app_context():
        return list(
            _db.session.scalars(
                select(Passkey.name).where(Passkey.user_id == user.id).order_by(Passkey.id)
            )
        )


def _ids(app: Any, user: User) -> list[int]:
    with app.app_context():
        return list(
            _db.session.scalars(
                select(Passkey.id).where(Passkey.user_id == user.id).order_by(Passkey.id)
            )
        )


def _form(client: Any, url: str, **data: str) -> Any:
    data["csrf_token"] = csrf_token(client, "/settings/passkeys")
    return client.post(url, data=data)


def _audited(app: Any, user: User, event: Event) -> list[dict[str, Any]]:
    with app.app_context():
        rows = _db.session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.user_id == user.id, AuditEvent.event == event.value
            )
        )
        return [dict(d or {}) for d in rows]


def _without_password(app: Any, user: User) -> None:
    with app.app_context():
        _db.session.get(User, user.id).password_hash = ""
        _db.session.commit()


def test_rename_a_passkey(app, client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    add_passkey(client, name="Phone")
    [passkey_id] = _ids(app, user)

    done = _form(client, f"/settings/passkeys/{passkey_id}/rename", name="  Work   laptop ")
    assert redirect_target(done) == "/settings/passkeys"
    assert _names(app, user) == ["Work laptop"]
    assert "Passkey renamed to “Work laptop”." in page_text(client.get("/settings/passkeys"))
    assert _audited(app, user, Event.PASSKEY_RENAMED) == [{"name": "Work laptop"}]

    _form(client, f"/settings/passkeys/{passkey_id}/rename", name="   ")
    assert "Give the passkey a name." in page_text(client.get("/settings/passkeys"))
    assert _names(app, user) == ["Work laptop"]


def test_nobody_renames_or_removes_someone_elses_passkey(
    app, client, make_user, sign_in, add_passkey
):
    owner = make_user()
    sign_in(client, owner)
    add_passkey(client, name="Mine")
    [passkey_id] = _ids(app, owner)
    sign_in(client, make_user())
    assert _form(client, f"/settings/passkeys/{passkey_id}/rename", name="x").status_code == 404
    assert _form(client, f"/settings/passkeys/{passkey_id}/remove").status_code == 404
    assert _names(app, owner) == ["Mine"]


def test_remove_a_passkey_while_a_password_remains(app, client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    add_passkey(client, name="Old key")
    [passkey_id] = _ids(app, user)
    done = _form(client, f"/settings/passkeys/{passkey_id}/remove")
    assert redirect_target(done) == "/settings/passkeys"
    assert _names(app, user) == []
    page = page_text(client.get("/settings/passkeys"))
    assert "Passkey “Old key” removed." in page
    assert "You have no passkeys yet." in page
    assert _audited(app, user, Event.PASSKEY_REMOVED) == [{"name": "Old key"}]


def test_the_last_way_to_sign_in_stays(app, client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    add_passkey(client, name="One")
    add_passkey(client, name="Two")
    _without_password(app, user)
    first, second = _ids(app, user)

    _form(client, f"/settings/passkeys/{first}/remove")  # another passkey remains: fine
    _form(client, f"/settings/passkeys/{second}/remove")
    assert _names(app, user) == ["Two"]
    assert "only way to sign in" in page_text(client.get("/settings/passkeys"))

    with app.app_context():  # a linked provider account is another way in
        _db.session.add(ExternalIdentity(user_id=user.id, provider="github", subject="42"))
        _db.session.commit()
    _form(client, f"/settings/passkeys/{second}/remove")
    assert _names(app, user) == []


def test_staff_keep_a_required_second_factor(app, client, make_user, sign_in, add_passkey):
    admin = make_user(role=RoleName.ADMIN)
    sign_in(client, admin)
    add_passkey(client, name="Key")
    [passkey_id] = _ids(app, admin)
    with app.app_context():
        save_site_settings(changes={"require_two_factor_for_staff": True}, actor_id=admin.id)
        _db.session.commit()

    _form(client, f"/settings/passkeys/{passkey_id}/remove")
    assert _names(app, admin) == ["Key"]
    assert "requires staff to use two-factor" in page_text(client.get("/settings/passkeys"))

    with app.app_context():  # with an authenticator app, the passkey may go
        _db.session.add(
            TotpDevice(user_id=admin.id, secret="JBSWY3DPEHPK3PXP", confirmed_at=utcnow())
        )
        _db.session.commit()
    _form(client, f"/settings/passkeys/{passkey_id}/remove")
    assert _names(app, admin) == []


def test_deleting_an_account_deletes_its_passkeys(app, client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    add_passkey(client)
    with app.app_context():
        delete_account(user=_db.session.get(User, user.id), remove_content=False)
        _db.session.commit()
    assert _names(app, user) == []


def test_the_settings_page_offers_adding_with_a_default_name(client, make_user, sign_in):
    client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
    )
    sign_in(client, make_user())
    page = page_text(client.get("/settings/passkeys"))
    assert 'value="Passkey on Firefox (Linux)"' in page
    assert "Add a passkey" in page
    assert "js/passkeys.js" in page
