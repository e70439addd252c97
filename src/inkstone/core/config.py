"""Typed settings, read once from the environment, validated at start-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, get_type_hints

from inkstone.core.db import server_options, sqlite_options
from inkstone.core.providers import Provider, ProviderConfigError, signin_providers

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "please-change-me"})
ENVIRONMENTS = ("development", "testing", "production")
SESSION_BACKENDS = ("sqlalchemy", "redis")
MAIL_BACKENDS = ("console", "file", "smtp", "locmem")
# Timeouts of the Redis clients a request waits on (rate limits, sign-in failure counts; the
# sessions' too, core/session_store.py): a Redis that stops answering costs a request about
# a second, then a 503 with Retry-After, instead of holding its thread (redis-py's own
# default is 5 s each). Redis answers in well under a millisecond when it is there.
REDIS_TIMEOUTS: dict[str, float] = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
CACHE_TYPES = ("redis", "filesystem", "simple", "null")


class ConfigError(RuntimeError):
    """Raised when the settings cannot be used to start the application."""


def _to_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


@dataclass(frozen=True)
class Settings:
    """Every setting Inkstone reads from the environment, with its embedded default."""

    ENV: str = "development"
    SECRET_KEY: str = ""
    INSTANCE_PATH: str = field(default_factory=lambda: str(Path.cwd() / "instance"))
    DATABASE_URL: str = ""
    REDIS_URL: str = ""
    CELERY_BROKER_URL: str = ""
    CELERY_RESULT_BACKEND: str = ""
    CELERY_TASK_ALWAYS_EAGER: bool = False
    JWT_EXPIRES_SECONDS: int = 7 * 24 * 3600
    MAX_CONTENT_LENGTH: int = 1024 * 1024
    LOG_LEVEL: str = "INFO"
    LOG_FORMAT: str = "console"
    LOG_REQUESTS: bool = True
    RATELIMIT_ENABLED: bool = True
    RATELIMIT_STORAGE_URI: str = ""
    # Sign-in attempts per client IP, and per account (the email tried) from anywhere.
    RATELIMIT_SIGNIN: str = "30/minute;300/hour"
    RATELIMIT_SIGNIN_ACCOUNT: str = "10/minute;100/day"
    RATELIMIT_REGISTER: str = "30/hour"
    # Password-reset requests and confirmation-mail resends, per IP.
    RATELIMIT_RESET: str = "5/hour"
    RATELIMIT_MAIL: str = "5/hour"
    RATELIMIT_GUESTBOOK: str = "5/minute;50/day"
    # Newsletter subscriptions: per client IP (the form and the API), and per address.
    RATELIMIT_NEWSLETTER: str = "10/minute;30/hour"
    RATELIMIT_NEWSLETTER_ADDRESS: str = "5/hour;20/day"
    # How many subscribers one newsletter task run mails over one SMTP connection.
    NEWSLETTER_BATCH: int = 100
    # Reports of content to the moderators, per signed-in account.
    RATELIMIT_REPORT: str = "10/minute;50/day"
    # Failed sign-ins for one account (in the last hour) after which the web form asks for a
    # captcha as well.
    CAPTCHA_AFTER_FAILURES: int = 5
    # Sign-ups from one client IP (in the last hour, any channel) after which the sign-up form
    # asks for a captcha as well.
    CAPTCHA_AFTER_SIGNUPS: int = 3
    # "Trust this browser": how long a browser that passed two-factor is not asked again.
    TRUST_BROWSER_DAYS: int = 30
    # Passkeys (WebAuthn): the relying party id, a registrable domain such as example.org
    # ("" takes the request's host name; browsers refuse IP addresses, so use localhost
    # rather than 127.0.0.1 on a laptop).
    WEBAUTHN_RP_ID: str = ""
    # Whether accounts must confirm their email address before they publish, comment or sign
    # the guestbook (off: RealWorld clients have no confirmation step).
    REQUIRE_EMAIL_CONFIRMATION: bool = False
    # Mail: "console" prints messages, "file" writes them under instance/mail, "smtp" sends
    # them to MAIL_URL (smtp://user:password@host:587?tls=true, smtps://… for implicit TLS).
    MAIL_BACKEND: str = ""
    MAIL_URL: str = ""
    MAIL_FROM: str = "Inkstone <no-reply@localhost>"
    # Send mail from a job worker task (the request never waits on the mail server, and a
    # reset request for a registered address takes as long as one for an unknown address).
    MAIL_IN_WORKER: bool = True
    # The site's public address, for links in mail sent outside a request (workers, CLI).
    SITE_URL: str = "http://127.0.0.1:5000"
    # Web sessions: "sqlalchemy" (the database) or "redis" (REDIS_URL); default follows REDIS_URL.
    SESSION_BACKEND: str = ""
    SITE_NAME: str = "Inkstone"
    # How long a process uses the site settings it read before asking whether they changed
    # (the back office saves them in the database; see core/site.py).
    SITE_SETTINGS_TTL: float = 2.0
    # "https" when the site is served over HTTPS: HSTS and Secure cookies follow.
    PREFERRED_URL_SCHEME: str = "http"
    # How many proxies in front (nginx: 1) whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES: int = 0
    REMEMBER_DAYS: int = 30
    # How long one Server-Sent Events stream of a job's progress stays open; the browser then
    # reconnects (a bound keeps a sync worker from being held by one watcher for ever).
    JOB_EVENTS_MAX_SECONDS: int = 60
    # How long one stream of the navbar bell's unread count stays open; the browser reconnects.
    NOTIFICATION_STREAM_SECONDS: int = 60
    # How many live streams (job progress and the bell together, core/streams.py) one web
    # process keeps open at once: each holds a thread and gunicorn runs 2 per process. Past
    # it, pages poll instead.
    LIVE_STREAMS: int = 1
    # Job result files (exports, uploaded imports) are deleted this many days after the job
    # finished (jobs.retention.purge_results, daily by celery beat).
    JOB_RESULT_RETENTION_DAYS: int = 7
    # How often (seconds) celery beat looks for jobs whose worker died (killed, out of memory,
    # a lost machine) and queues them again (jobs.retention.recover): a dead worker's export
    # waits at most this long, plus WORKER_GONE_AFTER (45 s) when that worker ran on another
    # machine. Each look is one query for running jobs.
    JOB_RECOVER_SECONDS: float = 15.0
    # The TrueType font (.ttf/.ttc, Latin and Chinese) embedded in PDF exports; default: the
    # first Debian CJK font installed (fonts-wqy-microhei…), else one the viewer supplies.
    PDF_FONT_PATH: str = ""
    # The largest file an import (POST /api/v1/imports) accepts; other bodies keep
    # MAX_CONTENT_LENGTH.
    IMPORT_MAX_BYTES: int = 20 * 1024 * 1024
    # Uploads (media): the largest image and attachment, each user's total, and the most
    # pixels an image may have (a small file can declare a huge, memory-eating image).
    MAX_IMAGE_BYTES: int = 5 * 1024 * 1024
    MAX_ATTACHMENT_BYTES: int = 20 * 1024 * 1024
    UPLOAD_QUOTA_BYTES: int = 200 * 1024 * 1024
    # 25 megapixels (a 24 MP camera's photos): decoded, one is 75 MB (RGB) to 100 MB (RGBA),
    # which an upload and its thumbnails each need once.
    MAX_IMAGE_PIXELS: int = 25_000_000
    # Scaled mode: the internal nginx location (e.g. /protected-media/) aliased to
    # instance/uploads; /media/<name> then answers with X-Accel-Redirect and nginx sends it.
    MEDIA_ACCEL_REDIRECT: str = ""
    # The shared cache (core/cache.py): "redis" (REDIS_URL), "filesystem" (instance/cache,
    # shared by the web process and the worker), "simple" (this process only) or "null" (off).
    # Default: redis when REDIS_URL is set, else filesystem.
    CACHE_TYPE: str = ""
    # How long a stored response may live at most (version keys make it stale sooner).
    CACHE_TIMEOUT: int = 300
    # Log a request answered from the shared cache at info level (else debug: the line costs
    # more than the answer; behind nginx its access log has every request).
    LOG_CACHE_HITS: bool = False
    SQL_ECHO: bool = False
    DEMO_PASSWORD: str = "inkstone-demo"
    # Third-party sign-in, read from OIDC_<NAME>_ISSUER / _CLIENT_ID / _CLIENT_SECRET /
    # _DISPLAY_NAME and GITHUB_CLIENT_ID / _CLIENT_SECRET (see signin_providers()).
    SIGNIN_PROVIDERS: tuple[Provider, ...] = ()

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Read settings from the environment (``INKSTONE_*`` or bare names), then ``overrides``."""
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "SIGNIN_PROVIDERS":  # read from several variables, below
                continue
            raw = os.environ.get(f"INKSTONE_{f.name}", os.environ.get(f.name))
            if raw is None:
                continue
            values[f.name] = _coerce(f.name, hints[f.name], raw)
        for key, value in (overrides or {}).items():
            if key in hints:
                values[key] = _coerce(key, hints[key], value) if isinstance(value, str) else value
        if "SIGNIN_PROVIDERS" not in values:
            try:
                values["SIGNIN_PROVIDERS"] = signin_providers({**os.environ, **(overrides or {})})
            except ProviderConfigError as half_set:
                raise ConfigError(str(half_set)) from half_set
        settings = cls(**values)
        return settings._finish()

    def _finish(self) -> Settings:
        if self.ENV not in ENVIRONMENTS:
            raise ConfigError(f"ENV must be one of {ENVIRONMENTS}, got {self.ENV!r}")
        instance = Path(self.INSTANCE_PATH)
        changes: dict[str, Any] = {}
        secret = self.SECRET_KEY
        if secret in PLACEHOLDER_SECRETS or len(secret) < 16:
            if self.ENV == "production":
                raise ConfigError(
                    "SECRET_KEY is missing or a placeholder; set a random value of at least "
                    "16 characters (python -c 'import secrets; print(secrets.token_hex(32))')"
                )
            changes["SECRET_KEY"] = (
                secrets.token_hex(32) if self.ENV == "testing" else _development_secret(instance)
            )
        if not self.DATABASE_URL:
            changes["DATABASE_URL"] = f"sqlite:///{instance / 'inkstone.db'}"
        if not self.CELERY_BROKER_URL:
            changes["CELERY_BROKER_URL"] = (
                self.REDIS_URL or f"sqla+sqlite:///{instance / 'celery-broker.db'}"
            )
        if not self.CELERY_RESULT_BACKEND:
            changes["CELERY_RESULT_BACKEND"] = (
                self.REDIS_URL or f"db+sqlite:///{instance / 'celery-results.db'}"
            )
        if not self.RATELIMIT_STORAGE_URI:
            changes["RATELIMIT_STORAGE_URI"] = self.REDIS_URL or "memory://"
        if not self.SESSION_BACKEND:
            changes["SESSION_BACKEND"] = "redis" if self.REDIS_URL else "sqlalchemy"
        elif self.SESSION_BACKEND not in SESSION_BACKENDS:
            raise ConfigError(f"SESSION_BACKEND must be one of {SESSION_BACKENDS}")
        if self.SESSION_BACKEND == "redis" and not self.REDIS_URL:
            raise ConfigError("SESSION_BACKEND=redis needs REDIS_URL")
        if not self.CACHE_TYPE:
            changes["CACHE_TYPE"] = "redis" if self.REDIS_URL else "filesystem"
        elif self.CACHE_TYPE not in CACHE_TYPES:
            raise ConfigError(f"CACHE_TYPE must be one of {CACHE_TYPES}")
        if self.CACHE_TYPE == "redis" and not self.REDIS_URL:
            raise ConfigError("CACHE_TYPE=redis needs REDIS_URL")
        if not self.MAIL_BACKEND:
            changes["MAIL_BACKEND"] = (
                "smtp" if self.MAIL_URL else ("locmem" if self.ENV == "testing" else "console")
            )
        elif self.MAIL_BACKEND not in MAIL_BACKENDS:
            raise ConfigError(f"MAIL_BACKEND must be one of {MAIL_BACKENDS}")
        return _replace(self, changes)

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the database is an embedded SQLite file."""
        return self.DATABASE_URL.startswith("sqlite")

    def flask_config(self) -> dict[str, Any]:
        """Map the settings onto the Flask and extension config keys."""
        data = asdict(self)
        data["SIGNIN_PROVIDERS"] = self.SIGNIN_PROVIDERS  # the dataclasses, not dicts
        data.update(
            TESTING=self.ENV == "testing",
            SQLALCHEMY_DATABASE_URI=_normalise_db_url(self.DATABASE_URL),
            SQLALCHEMY_ENGINE_OPTIONS=(
                sqlite_options() if self.is_sqlite else server_options(self.DATABASE_URL)
            ),
            SQLALCHEMY_ECHO=self.SQL_ECHO,
            RATELIMIT_STORAGE_OPTIONS=(
                dict(REDIS_TIMEOUTS) if self.RATELIMIT_STORAGE_URI.startswith("redis") else {}
            ),
            SQLALCHEMY_RECORD_QUERIES=False,
            JWT_SECRET_KEY=self.SECRET_KEY,
            JWT_ACCESS_TOKEN_EXPIRES=self.JWT_EXPIRES_SECONDS,
            JWT_ALGORITHM="HS256",
            JWT_DECODE_ALGORITHMS=["HS256"],
            JSON_SORT_KEYS=False,
            # The largest body any route accepts (an import or an upload, multipart framing
            # included): the web server reads bodies up to it before the app runs.
            MAX_REQUEST_BODY=max(
                self.MAX_CONTENT_LENGTH,
                self.IMPORT_MAX_BYTES,
                self.MAX_ATTACHMENT_BYTES,
                self.MAX_IMAGE_BYTES,
            )
            + 64 * 1024,
            # the web site: cookies, CSRF, languages, Bootstrap from this server
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            REMEMBER_COOKIE_DURATION=timedelta(days=self.REMEMBER_DAYS),
            REMEMBER_COOKIE_HTTPONLY=True,
            REMEMBER_COOKIE_SAMESITE="Lax",
            # Server-side sessions (Flask-Session): the cookie holds only a random id. The
            # browser forgets it when it closes; "remember me" is Flask-Login's own cookie.
            SESSION_PERMANENT=False,
            PERMANENT_SESSION_LIFETIME=timedelta(days=self.REMEMBER_DAYS),
            SESSION_REFRESH_EACH_REQUEST=False,
            SESSION_KEY_PREFIX="session:",
            WTF_CSRF_TIME_LIMIT=None,  # valid for the session: a long edit must still save
            WTF_CSRF_SSL_STRICT=True,
            BABEL_DEFAULT_LOCALE="en",
            BABEL_DEFAULT_TIMEZONE="UTC",
            BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent.parent / "i18n/translations"),
            BABEL_DOMAIN="messages",
            BOOTSTRAP_SERVE_LOCAL=True,
        )
        # Flask-Caching reads CACHE_TYPE as its class name: the kind stays in settings.
        data.update(
            cache_config(
                kind=self.CACHE_TYPE,
                redis_url=self.REDIS_URL,
                instance_path=self.INSTANCE_PATH,
                timeout=self.CACHE_TIMEOUT,
            )
        )
        return data


def cache_config(*, kind: str, redis_url: str, instance_path: str, timeout: int) -> dict[str, Any]:
    """Return Flask-Caching's settings for a cache ``kind``: redis, filesystem, simple, null."""
    config: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": timeout,
        "CACHE_KEY_PREFIX": "inkstone:",
    }
    if kind == "redis":
        config.update(
            CACHE_TYPE="RedisCache",
            CACHE_REDIS_URL=redis_url,
            # A Redis that is down must cost a request a moment, not a hang: a miss.
            CACHE_OPTIONS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        )
    elif kind == "filesystem":
        config.update(
            CACHE_TYPE="FileSystemCache",
            CACHE_DIR=str(Path(instance_path) / "cache"),
            CACHE_THRESHOLD=5000,
        )
    elif kind == "simple":
        config.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=5000)
    else:
        config.update(CACHE_TYPE="NullCache", CACHE_NO_NULL_WARNING=True)
    return config


def _coerce(name: str, hint: Any, raw: str) -> Any:
    try:
        if hint is bool:
            return _to_bool(raw)
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from exc
    return raw


def _replace(settings: Settings, changes: dict[str, Any]) -> Settings:
    return replace(settings, **changes)


def _development_secret(instance: Path) -> str:
    """Return the secret kept in ``instance/secret_key``, creating it on first use."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the PostgreSQL driver; accept the common spellings of the URL.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
