"""Talking to the providers: Authlib's Flask client, one registry per app, and what they say.

Authlib keeps the ``state``, the ``nonce`` and the PKCE ``code_verifier`` of each attempt in
the session and checks them on the way back; here we only ask it for the redirect, then
for the provider's account (``ProviderAccount``) once it returns with a code. An OpenID
Connect provider describes itself by discovery; GitHub, which is OAuth 2 only, is a preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from inkstone.core.providers import Provider

# Seconds any call to a provider may take (discovery, keys, token, user info): a hung issuer
# must not hold one of our worker threads for long.
PROVIDER_TIMEOUT = 5
GITHUB_API = "https://api.github.com/"
_EXTENSION = "inkstone.providers"


@dataclass(frozen=True)
class ProviderAccount:
    """Who the provider says this is: its stable id and what it tells about them."""

    subject: str
    email: str | None
    email_verified: bool
    username_hint: str  # preferred_username, nickname, name or login: a start for ours


def init_clients(app: Flask) -> None:
    """Register every configured provider with a fresh Authlib registry bound to ``app``."""
    oauth = OAuth(app)
    for provider in app.config.get("SIGNIN_PROVIDERS", ()):
        kwargs: dict[str, Any] = {"default_timeout": PROVIDER_TIMEOUT}
        if provider.kind == "github":
            oauth.register(
                provider.name,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                authorize_url="https://github.com/login/oauth/authorize",
                access_token_url="https://github.com/login/oauth/access_token",
                api_base_url=GITHUB_API,
                client_kwargs={
                    **kwargs,
                    "scope": "read:user user:email",
                    "code_challenge_method": "S256",
                },
            )
        else:
            oauth.register(
                provider.name,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
                client_kwargs={
                    **kwargs,
                    "scope": "openid email profile",
                    "code_challenge_method": "S256",
                },
            )
    app.extensions[_EXTENSION] = oauth


def configured() -> tuple[Provider, ...]:
    """Return the providers this site offers (none: no buttons, no routes)."""
    return tuple(current_app.config.get("SIGNIN_PROVIDERS", ()))


def find_provider(name: str) -> Provider | None:
    """Return the configured provider called ``name``, or ``None``."""
    return next((p for p in configured() if p.name == name), None)


def display_name(name: str) -> str:
    """Return how a provider is called on pages (its name if it is no longer configured)."""
    provider = find_provider(name)
    return provider.display_name if provider else name.title()


def client(provider: Provider) -> Any:
    """Return Authlib's client for ``provider`` in this app."""
    return current_app.extensions[_EXTENSION].create_client(provider.name)


def fetch_account(provider: Provider) -> ProviderAccount:
    """Exchange this request's code for tokens and return the provider's account.

    Raises Authlib's errors (a state that does not match, the provider's own ``error``, a
    refused code), joserfc's (a bad ID token) and requests' (the provider unreachable).
    """
    remote = client(provider)
    token = remote.authorize_access_token()
    if provider.kind == "github":
        return _github_account(remote, token)
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise ValueError("the provider sent no ID token")
    if "email" not in claims:  # some issuers keep it out of the ID token
        claims.update({k: v for k, v in remote.userinfo(token=token).items() if k not in claims})
    return ProviderAccount(
        subject=str(claims["sub"]),
        email=_email(claims.get("email")),
        email_verified=claims.get("email_verified") is True,
        username_hint=_first_text(
            claims, "preferred_username", "nickname", "name", default=_local_part(claims)
        ),
    )


def _github_account(remote: Any, token: dict[str, Any]) -> ProviderAccount:
    """Read GitHub's user and its primary *verified* address (the profile's may be unverified)."""
    user = remote.get("user", token=token)
    user.raise_for_status()
    profile = user.json()
    emails = remote.get("user/emails", token=token)
    emails.raise_for_status()
    primary = next(
        (e for e in emails.json() if e.get("primary") and e.get("verified")),
        None,
    )
    return ProviderAccount(
        subject=str(profile["id"]),  # the login can be renamed; the number cannot
        email=_email(primary.get("email")) if primary else None,
        email_verified=primary is not None,
        username_hint=_first_text(profile, "login", "name", default=""),
    )


def _email(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and "@" in value else None


def _local_part(claims: dict[str, Any]) -> str:
    email = _email(claims.get("email"))
    return email.split("@", 1)[0] if email else ""


def _first_text(claims: dict[str, Any], *keys: str, default: str) -> str:
    for key in keys:
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return default
