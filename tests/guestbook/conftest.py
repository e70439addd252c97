"""Guestbook fixtures: messages made through the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.extensions import db as _db
from inkstone.guestbook import services
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import _context


@pytest.fixture
def make_message(app: Flask, db: Any) -> Callable[..., GuestbookMessage]:
    """Create (and commit) a guestbook message; ``age`` puts it in the past."""

    def make(
        name: str = "Visitor",
        body: str = "Hello!",
        author: User | None = None,
        age: timedelta | None = None,
    ) -> GuestbookMessage:
        with _context(app):
            signer = _db.session.get(User, author.id) if author else None
            message = services.post_message(name=name, body=body, author=signer)
            if age is not None:
                message.created_at = utcnow() - age
            _db.session.commit()
            _db.session.refresh(message)
        return message

    return make
