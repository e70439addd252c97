"""Helpers of the passkey tests: a browser's side of the ceremonies, through the test client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.auth.passkeys.authenticator import SoftAuthenticator
from tests.conftest import csrf_token

CHROME_ON_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def post_json(client: FlaskClient, url: str, body: Any = None, *, token: str) -> Any:
    """POST ``body`` as JSON with the CSRF header, as passkeys.js does."""
    return client.post(url, json=body if body is not None else {}, headers={"X-CSRFToken": token})


@pytest.fixture
def add_passkey() -> Callable[..., SoftAuthenticator]:
    """Register a new software passkey from the settings page of a signed-in ``client``."""

    def add(client: FlaskClient, name: str | None = None, **device: Any) -> SoftAuthenticator:
        token = csrf_token(client, "/settings/passkeys")
        options = post_json(client, "/settings/passkeys/options", token=token)
        assert options.status_code == 200, options.get_data(as_text=True)
        authenticator = SoftAuthenticator(**device)
        body: dict[str, Any] = {"credential": authenticator.create(options.get_json())}
        if name is not None:
            body["name"] = name
        answer = post_json(client, "/settings/passkeys", body, token=token)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        assert answer.get_json() == {"redirect": "/settings/passkeys"}
        return authenticator

    return add
