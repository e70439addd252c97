"""Two-factor tests: a clock the codes follow, and accounts with an authenticator app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from inkstone.auth.audit import AuditEvent
from inkstone.auth.models import User
from inkstone.auth.twofactor import services
from inkstone.extensions import db
from tests.conftest import csrf_token

START = datetime(2026, 12, 8, 12, 0, 5, tzinfo=UTC)


@dataclass
class Clock:
    """The time the two-factor services read; tests move it on by whole steps."""

    now: datetime = START

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    made = Clock()
    monkeypatch.setattr(services, "utcnow", lambda: made.now)
    return made


@dataclass
class Enrolled:
    """An account with a confirmed authenticator app: its key and its recovery codes."""

    user: User
    secret: str
    codes: list[str] = field(default_factory=list)
    clock: Clock | None = None

    def code(self, steps: int = 0) -> str:
        """Return the app's code now (``steps``: that many 30-second steps later/earlier)."""
        assert self.clock is not None
        return pyotp.TOTP(self.secret).at(self.clock.now + timedelta(seconds=30 * steps))


def enrol(app: Any, user: User, clock: Clock) -> Enrolled:
    """Turn on the authenticator app for ``user`` (the first code used), commit."""
    with app.app_context():
        fresh = db.session.get(User, user.id)
        assert fresh is not None
        device = services.begin_setup(user=fresh)
        secret = device.secret
        codes = services.confirm_setup(user=fresh, code=pyotp.TOTP(secret).at(clock.now))
        db.session.commit()
    clock.advance(30)  # the first code's step is used: tests start on the next one
    return Enrolled(user=user, secret=secret, codes=codes, clock=clock)


@pytest.fixture
def enrolled(app: Any, make_user: Any, clock: Clock) -> Enrolled:
    return enrol(app, make_user(email="ada@example.org"), clock)


def password_step(client: Any, email: str, password: str | None = None, **extra: Any) -> Any:
    """Post the sign-in form (the first factor)."""
    from tests.conftest import DEFAULT_PASSWORD

    data = {
        "csrf_token": csrf_token(client, "/login"),
        "email": email,
        "password": password or DEFAULT_PASSWORD,
        **extra,
    }
    return client.post("/login", data=data)


def code_step(client: Any, code: str, trust: bool = False) -> Any:
    """Post the two-factor form (the second factor) of the waiting sign-in."""
    data = {"csrf_token": csrf_token(client, "/login"), "code": code}
    if trust:
        data["trust"] = "y"
    return client.post("/login/two-factor", data=data)


def is_signed_in(client: Any) -> bool:
    return client.get("/settings").status_code == 200


def audited(app: Any, kind: Any, user: User) -> list[AuditEvent]:
    """Return the events of ``kind`` about ``user`` (other tests' apps may leave events of
    unknown addresses behind in the same database)."""
    with app.app_context():
        query = select(AuditEvent).where(
            AuditEvent.event == kind.value, AuditEvent.user_id == user.id
        )
        return list(db.session.scalars(query))
