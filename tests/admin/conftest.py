"""Fixtures of the back office's tests: an admin, a moderator, and browsers signed in as them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from inkstone.auth.models import RoleName, User


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    """An administrator (every scope)."""
    return make_user("root", role=RoleName.ADMIN)


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    """A moderator: moderation scopes and `users:read`, no people, settings or jobs."""
    return make_user("mod", role=RoleName.MODERATOR)


@pytest.fixture
def admin_client(app: Flask, db: Any, admin: User, sign_in: Any) -> FlaskClient:
    """A browser signed in as ``admin``."""
    client = app.test_client()
    sign_in(client, admin)
    return client


@pytest.fixture
def moderator_client(app: Flask, db: Any, moderator: User, sign_in: Any) -> FlaskClient:
    """A browser signed in as ``moderator``."""
    client = app.test_client()
    sign_in(client, moderator)
    return client
