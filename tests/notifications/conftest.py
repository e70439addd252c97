"""Fixtures of the notifications' tests: three people, a moderator, the outbox, their lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from inkstone.auth.models import RoleName, User


@pytest.fixture
def ana(make_user: Callable[..., User]) -> User:
    """An author."""
    return make_user("ana")


@pytest.fixture
def ben(make_user: Callable[..., User]) -> User:
    """A reader who comments, follows and favorites."""
    return make_user("ben")


@pytest.fixture
def cai(make_user: Callable[..., User]) -> User:
    """Another reader."""
    return make_user("cai")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    """A moderator (hides articles, resolves reports)."""
    return make_user("mod", role=RoleName.MODERATOR)


@pytest.fixture
def mailbox(app: Flask, db: Any) -> list[Any]:
    """The app's outbox (Flask-Mailman's locmem backend), emptied for this test."""
    state = app.extensions["mailman"]
    state.outbox = []
    outbox: list[Any] = state.outbox
    return outbox


@pytest.fixture
def inbox(client: Any, auth_headers: Callable[..., dict[str, str]]) -> Callable[..., Any]:
    """Return a function listing a person's notifications through the API (the JSON body)."""

    def read(user: User, query: str = "") -> Any:
        response = client.get(f"/api/v1/notifications{query}", headers=auth_headers(user))
        assert response.status_code == 200, response.json
        return response.json

    return read


def mails_to(mailbox: list[Any], user: User) -> list[Any]:
    """Return the messages sent to ``user``'s address."""
    return [message for message in mailbox if user.email in message.to]
