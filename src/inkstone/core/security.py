"""Security headers (flask-talisman): a strict Content-Security-Policy with per-request nonces.

The site loads every script, style, font and image of its own from this server and has no
inline script or style, so the policy can be strict: scripts only from here and only with
this response's nonce, no plugins, no framing, forms post only here. Avatars and article
images may come from other sites (``img-src https:``); Bootstrap's CSS draws icons from
``data:`` URLs. HSTS and Secure cookies follow ``PREFERRED_URL_SCHEME=https``.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.datastructures import Headers
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "https:", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {
    "browsing-topics": "()",
    "camera": "()",
    "geolocation": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}


def csp_nonce() -> str:
    """Return this response's nonce, made on first use.

    Lazily, because an error page may render before any ``before_request`` hook ran (a
    refused CSRF token stops the chain), and it needs the nonce for its scripts too.
    """
    nonce: str | None = getattr(request, "csp_nonce", None)
    if nonce is None:
        nonce = secrets.token_urlsafe(24)
        request.csp_nonce = nonce  # type: ignore[attr-defined]  # Talisman's own attribute
        # The shared cache (core.cache) gives each copy of a stored page a nonce of its own.
        request.environ["inkstone.csp_nonce"] = nonce
    return nonce


class FixedTalisman(Talisman):  # type: ignore[misc]  # flask-talisman has no type hints
    """Talisman with its headers worked out once: per response only the nonce changes.

    Talisman rebuilds every header from its options on every response (and looks up per-view
    options twice), which cost 5-8 % of the site's throughput (bench/). Inkstone sets no
    per-view options, so the headers are the same for every response but for the nonce.
    """

    def init_app(self, app: Flask, **options: Any) -> None:
        """Bind as Talisman does, then render the fixed headers and the CSP template."""
        super().init_app(app, **options)
        # Both of Talisman's before-request hooks have nothing left to do (no forced https,
        # the nonce is made on first use), and every hook costs each request a few µs.
        hooks = app.before_request_funcs.setdefault(None, [])
        hooks[:] = [h for h in hooks if h not in (self._force_https, self._make_nonce)]
        fixed = Headers()
        view_options = {
            "permissions_policy": self.permissions_policy,
            "document_policy": self.document_policy,
            "feature_policy": self.feature_policy,
            "frame_options": self.frame_options,
            "frame_options_allow_from": self.frame_options_allow_from,
        }
        self._set_permissions_policy_headers(fixed, view_options)
        self._set_frame_options_headers(fixed, view_options)
        self._set_referrer_policy_headers(fixed)
        if self.x_content_type_options:
            fixed["X-Content-Type-Options"] = "nosniff"
        self._fixed_headers = list(fixed.items())
        nonce_in = set(self.content_security_policy_nonce_in or ())
        parts = []
        for section, content in self.content_security_policy.items():
            value = content if isinstance(content, str) else " ".join(content)
            nonce = " 'nonce-{nonce}'" if section in nonce_in else ""
            parts.append(f"{section} {value}{nonce}")
        self._csp_template = "; ".join(parts)
        app.jinja_env.globals["csp_nonce"] = csp_nonce

    def _set_response_headers(self, response: Response) -> Response:
        headers = response.headers
        for name, value in self._fixed_headers:
            headers[name] = value
        headers["Content-Security-Policy"] = self._csp_template.format(nonce=csp_nonce())
        self._set_hsts_headers(headers)
        return response


def _provider_origins(app: Flask) -> list[str]:
    """Return the origins of the sign-in providers' pages.

    The "Continue with …" buttons post here and are redirected to the provider, and
    browsers hold that redirect to ``form-action`` too. An OpenID Connect provider's pages
    are taken to be on its issuer's origin (discovery could say otherwise only at run time).
    """
    origins = []
    for provider in app.config.get("SIGNIN_PROVIDERS", ()):
        if provider.kind == "github":
            origins.append("https://github.com")
        else:
            parts = urlsplit(provider.issuer)
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def init_security(app: Flask) -> None:
    """Trust the configured proxies' forwarded headers; send the security headers."""
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
    https = app.config.get("PREFERRED_URL_SCHEME") == "https"
    options: dict[str, Any] = {
        "force_https": False,  # the proxy in front redirects; HSTS keeps browsers on https
        "strict_transport_security": https,
        "session_cookie_secure": https,
        "session_cookie_http_only": True,
        "session_cookie_samesite": "Lax",
        "frame_options": "DENY",
        "content_security_policy": {
            **CONTENT_SECURITY_POLICY,
            "form-action": ["'self'", *_provider_origins(app)],
        },
        "content_security_policy_nonce_in": ["script-src"],
        "permissions_policy": PERMISSIONS_POLICY,
        "referrer_policy": "strict-origin-when-cross-origin",
        "x_content_type_options": True,
    }
    # One Talisman per app: it keeps its options on itself, not on the app.
    app.extensions["talisman"] = FixedTalisman(app, **options)
    # Talisman would set this on every request (in the hook removed above): set it once.
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config["REMEMBER_COOKIE_SECURE"] = https
