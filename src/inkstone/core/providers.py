"""Third-party sign-in providers as the environment configures them (read by ``Settings``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ProviderConfigError(RuntimeError):
    """A provider is half-configured (the settings refuse to start)."""


@dataclass(frozen=True)
class Provider:
    """A third-party sign-in provider: an OpenID Connect issuer, or GitHub (OAuth 2)."""

    name: str  # lower case, in URLs: /login/with/<name>
    display_name: str
    client_id: str
    client_secret: str
    issuer: str = ""  # "" for GitHub, which is not an OpenID Connect provider
    kind: str = "oidc"  # "oidc" or "github"


_PROVIDER_KEY = re.compile(r"^(?:INKSTONE_)?OIDC_([A-Z0-9]+)_ISSUER$")


def signin_providers(environ: Mapping[str, Any]) -> tuple[Provider, ...]:
    """Return the sign-in providers ``environ`` configures (``ConfigError`` if half-set).

    ``OIDC_<NAME>_ISSUER`` (the issuer URL; discovery reads
    ``<issuer>/.well-known/openid-configuration``), ``OIDC_<NAME>_CLIENT_ID``,
    ``OIDC_<NAME>_CLIENT_SECRET`` and, optionally, ``OIDC_<NAME>_DISPLAY_NAME``; GitHub by
    ``GITHUB_CLIENT_ID`` and ``GITHUB_CLIENT_SECRET``. Each may carry the ``INKSTONE_`` prefix.
    """

    def read(key: str) -> str:
        value = environ.get(f"INKSTONE_{key}", environ.get(key, ""))
        return str(value).strip() if value is not None else ""

    found: dict[str, Provider] = {}
    for key in environ:
        match = _PROVIDER_KEY.match(str(key))
        if match is None or match[1] == "GITHUB":
            continue
        upper = match[1]
        issuer = read(f"OIDC_{upper}_ISSUER").rstrip("/")
        if not issuer:
            continue
        if not issuer.startswith(("https://", "http://")):
            raise ProviderConfigError(f"OIDC_{upper}_ISSUER must be an http(s) URL, got {issuer!r}")
        client_id = read(f"OIDC_{upper}_CLIENT_ID")
        if not client_id:
            raise ProviderConfigError(
                f"OIDC_{upper}_ISSUER is set but OIDC_{upper}_CLIENT_ID is not"
            )
        found[upper.lower()] = Provider(
            name=upper.lower(),
            display_name=read(f"OIDC_{upper}_DISPLAY_NAME") or upper.title(),
            client_id=client_id,
            client_secret=read(f"OIDC_{upper}_CLIENT_SECRET"),
            issuer=issuer,
        )
    github_id = read("GITHUB_CLIENT_ID")
    if github_id:
        secret = read("GITHUB_CLIENT_SECRET")
        if not secret:
            raise ProviderConfigError("GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not")
        found["github"] = Provider(
            name="github",
            display_name="GitHub",
            client_id=github_id,
            client_secret=secret,
            kind="github",
        )
    return tuple(found[name] for name in sorted(found))
