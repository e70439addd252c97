"""A real OpenID Connect provider on loopback (oidc-provider-mock) and how a person uses it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from oidc_provider_mock import run_server_in_thread

CLIENT_ID = "inkstone-tests"
CLIENT_SECRET = "a-client-secret"


@contextmanager
def mock_issuer() -> Iterator[str]:
    """Run the provider in a thread (nonce required, as a strict issuer does); yield its URL."""
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def provider_settings(issuer: str, name: str = "MOCK") -> dict[str, str]:
    """Return the settings that configure ``issuer`` as the provider ``name``."""
    return {
        f"OIDC_{name}_ISSUER": issuer,
        f"OIDC_{name}_CLIENT_ID": CLIENT_ID,
        f"OIDC_{name}_CLIENT_SECRET": CLIENT_SECRET,
        f"OIDC_{name}_DISPLAY_NAME": name.title(),
    }


def unused_port() -> int:
    """Return a loopback port nothing listens on (an issuer that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_claims(issuer: str, sub: str, **claims: object) -> None:
    """Tell the provider who ``sub`` is (email, email_verified, preferred_username…)."""
    answer = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5)
    assert answer.status_code == 204, answer.text


def authorize(authorize_url: str, sub: str) -> str:
    """Sign in at the provider as ``sub`` (its form); return where it sends the browser."""
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def deny(authorize_url: str) -> str:
    """Press the provider's "Deny"; return where it sends the browser."""
    answer = requests.post(authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]
