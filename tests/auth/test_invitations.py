"""Invitation services: made with a hashed token, mailed, used once even under a race, revoked."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from inkstone.auth.audit import Event
from inkstone.auth.invitations import (
    Invitation,
    InvitationRefused,
    Problem,
    State,
    check_invitation,
    create_invitation,
    list_invitations,
    revoke_invitation,
    use_invitation,
)
from inkstone.auth.models import AuditEvent, RoleName
from inkstone.core.db import utcnow
from inkstone.core.errors import Conflict, Invalid
from inkstone.core.pagination import PageRequest
from inkstone.core.site import save_site_settings
from inkstone.extensions import db


def outbox(app: Flask) -> list:
    """Return the messages ``app`` has sent (Flask-Mailman's locmem backend)."""
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox


@pytest.fixture
def mailbox(app, db):
    box = outbox(app)
    box.clear()
    return box


@pytest.fixture
def admin(make_user, app_ctx):
    return make_user("root", role=RoleName.ADMIN)


def _events(kind):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind.value)))


def test_only_a_hash_of_the_token_is_stored(admin):
    invitation, token = create_invitation(actor=admin, note="for Ada", days=3)
    db.session.commit()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(db.session.execute(select(Invitation.__table__)).all())
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)
    assert check_invitation(token=token) == invitation
    [event] = _events(Event.INVITATION_CREATED)
    assert event.actor_id == admin.id
    assert event.detail["invitation_id"] == str(invitation.id)


def test_each_invitation_has_its_own_token(admin):
    tokens = {create_invitation(actor=admin)[1] for _ in range(5)}
    assert len(tokens) == 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days": 0}, "expiresInDays"),
        ({"days": 31}, "expiresInDays"),
        ({"email": "nobody"}, "email"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_bad_invitations_are_refused(admin, changes, field):
    with pytest.raises(Invalid) as refused:
        create_invitation(actor=admin, **changes)
    assert refused.value.field == field


def test_an_invitation_with_an_address_is_mailed_after_commit(app, admin, mailbox):
    _invitation, token = create_invitation(actor=admin, email=" Ada@Example.org ")
    assert mailbox == []  # not before the commit
    db.session.commit()
    [message] = mailbox
    assert message.to == ["ada@example.org"]
    assert message.subject == "You are invited to join Inkstone"
    link = f"http://127.0.0.1:5000/register?invite={token}"
    assert link in message.body
    assert "root invites you to join Inkstone." in message.body
    assert "The link works once, for 7 days." in message.body
    html = message.alternatives[0][0]
    assert f'href="{link}"' in html


def test_no_mail_without_an_address_or_after_a_rollback(admin, mailbox):
    create_invitation(actor=admin)
    db.session.commit()
    create_invitation(actor=admin, email="ada@example.org")
    db.session.rollback()
    assert mailbox == []


def test_the_mail_is_in_the_sites_default_language(admin, mailbox):
    save_site_settings(changes={"default_language": "zh_CN"}, actor_id=None)
    create_invitation(actor=admin, email="ada@example.org")
    db.session.commit()
    [message] = mailbox
    assert '<html lang="zh-CN">' in message.alternatives[0][0]
    assert "http://127.0.0.1:5000/register?invite=" in message.body


def test_using_an_invitation_marks_it_and_audits_it(admin, make_user):
    invitation, token = create_invitation(actor=admin)
    newcomer = make_user("newcomer")
    used = use_invitation(token=token, user=newcomer)
    assert used is invitation
    assert used.used_by_id == newcomer.id
    assert used.used_at is not None
    [event] = _events(Event.INVITATION_USED)
    assert event.user_id == newcomer.id
    with pytest.raises(InvitationRefused) as refused:
        check_invitation(token=token)
    assert refused.value.problem == Problem.USED
    assert refused.value.status_code == 403


def test_two_racing_sign_ups_use_an_invitation_once(admin, make_user):
    """The second finds the invitation pending (its read came first) and still loses."""
    invitation, token = create_invitation(actor=admin)
    first, second = make_user("first"), make_user("second")
    assert check_invitation(token=token).used_at is None  # both read it as pending...
    # ...then the first sign-up claims it in its own transaction (a plain UPDATE, not seen by
    # the ORM object this session holds, as another process's commit would not be).
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(used_at=utcnow(), used_by_id=first.id)
        .execution_options(synchronize_session=False)
    )
    assert invitation.used_at is None  # this session still sees it pending
    with pytest.raises(InvitationRefused):
        use_invitation(token=token, user=second)
    db.session.refresh(invitation)
    assert invitation.used_by_id == first.id
    assert _events(Event.INVITATION_USED) == []


def test_revoking_is_audited_idempotent_and_refused_once_used(admin, make_user):
    invitation, token = create_invitation(actor=admin)
    revoke_invitation(invitation=invitation, actor=admin)
    revoked_at = invitation.revoked_at
    revoke_invitation(invitation=invitation, actor=admin)
    assert invitation.revoked_at == revoked_at
    assert len(_events(Event.INVITATION_REVOKED)) == 1
    with pytest.raises(InvitationRefused) as refused:
        check_invitation(token=token)
    assert refused.value.problem == Problem.REVOKED
    other, other_token = create_invitation(actor=admin)
    use_invitation(token=other_token, user=make_user("newcomer"))
    with pytest.raises(Conflict):
        revoke_invitation(invitation=other, actor=admin)


@pytest.mark.parametrize(("token", "problem"), [(None, Problem.MISSING), ("", Problem.MISSING)])
def test_a_missing_token_is_refused(app_ctx, token, problem):
    with pytest.raises(InvitationRefused) as refused:
        check_invitation(token=token)
    assert refused.value.problem == problem


def test_the_list_is_newest_first_with_states_and_names(admin, make_user):
    made = []
    for days_ago, note in enumerate(["used", "expired", "revoked", "pending"][::-1]):
        invitation, token = create_invitation(actor=admin, note=note)
        invitation.created_at = utcnow() - timedelta(hours=days_ago + 1)
        made.append((invitation, token))
    by_note = {invitation.note: (invitation, token) for invitation, token in made}
    by_note["expired"][0].expires_at = utcnow() - timedelta(minutes=1)
    revoke_invitation(invitation=by_note["revoked"][0], actor=admin)
    use_invitation(token=by_note["used"][1], user=make_user("newcomer"))
    db.session.flush()
    rows, total = list_invitations(page=PageRequest(limit=10))
    assert total == 4
    assert [(row.invitation.note, row.state) for row in rows] == [
        ("pending", State.PENDING),
        ("revoked", State.REVOKED),
        ("expired", State.EXPIRED),
        ("used", State.USED),
    ]
    assert {row.created_by for row in rows} == {"root"}
    assert rows[-1].used_by == "newcomer"
    rows, total = list_invitations(page=PageRequest(limit=1, offset=3))
    assert [row.invitation.note for row in rows] == ["used"]
    assert total == 4
