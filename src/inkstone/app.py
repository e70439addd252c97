"""The application factory: a table of contents of init and register steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask

from inkstone.core.config import Settings


def create_app(config: Mapping[str, Any] | None = None) -> APIFlask:
    """Build and return the Inkstone application."""
    settings = Settings.load(config)
    app = APIFlask(
        "inkstone",
        instance_path=settings.INSTANCE_PATH,
        static_folder="web/static",
        title="Inkstone API",
        version="1.0.0",
        spec_path=None,
        docs_path=None,
    )
    init_config(app, settings)
    init_logging(app)
    init_json(app)
    init_database(app)
    init_sessions(app)
    init_mail(app)
    init_web(app)
    init_security(app)
    init_cache(app)
    init_http(app)
    init_celery(app)
    init_openapi(app)
    register_errors(app)
    init_backup(app)
    register_features(app)
    return app


def register_features(app: APIFlask) -> None:
    """Let each feature register itself, lowest layer first (see ``core.features``)."""
    from inkstone import (
        accounts,
        admin,
        articles,
        auth,
        dev,
        feeds,
        guestbook,
        i18n,
        jobs,
        media,
        newsletters,
        notifications,
        profiles,
        search,
        transfers,
    )

    for feature in (
        i18n,
        auth,
        accounts,
        profiles,
        jobs,
        articles,
        feeds,
        guestbook,
        media,
        search,
        transfers,
        notifications,
        newsletters,
        admin,
        dev,
    ):
        feature.init_app(app)


def init_config(app: APIFlask, settings: Settings) -> None:
    """Load typed settings into ``app.config``."""
    from inkstone.core.openapi import OPENAPI_CONFIG

    app.config.from_mapping(settings.flask_config())
    app.config.from_mapping(OPENAPI_CONFIG)
    app.extensions["settings"] = settings


def init_logging(app: APIFlask) -> None:
    """Configure structlog and per-request ids."""
    from inkstone.core.logging import configure_logging, init_request_logging

    configure_logging(level=app.config["LOG_LEVEL"], fmt=app.config["LOG_FORMAT"])
    init_request_logging(app)


def init_json(app: APIFlask) -> None:
    """Use orjson for every JSON response."""
    from inkstone.core.json import OrjsonProvider

    app.json = OrjsonProvider(app)


def init_database(app: APIFlask) -> None:
    """Bind SQLAlchemy and Alembic; tune SQLite connections."""
    from inkstone.core.db import tune_sqlite
    from inkstone.extensions import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", "migrations"))
    with app.app_context():
        tune_sqlite(db.engine)


def init_sessions(app: APIFlask) -> None:
    """Keep web sessions on the server (database, or Redis when configured)."""
    from inkstone.core.session_store import init_sessions as bind_sessions

    bind_sessions(app)


def init_mail(app: APIFlask) -> None:
    """Bind Flask-Mailman (console, file or SMTP backend)."""
    from inkstone.core.mail import init_mail as bind_mail

    bind_mail(app)


def init_web(app: APIFlask) -> None:
    """Bind CSRF, languages and time zones, Bootstrap, template filters and assets."""
    from inkstone.web.site import init_web as bind_web

    bind_web(app)


def init_security(app: APIFlask) -> None:
    """Send the security headers (strict CSP with nonces); trust the configured proxies."""
    from inkstone.core.security import init_security as bind_security

    bind_security(app)


def init_cache(app: APIFlask) -> None:
    """Bind the shared cache; serve anonymous pages and API reads from it (core/cache.py)."""
    from inkstone.core.shared_responses import init_cache as bind_cache

    bind_cache(app)


def init_http(app: APIFlask) -> None:
    """CORS on the API only; `/api/…` as an alias of `/api/v1/…`; NULs refused at the door."""
    from inkstone.core.http import ApiAliasMiddleware, refuse_nul
    from inkstone.extensions import cors

    cors.init_app(
        app,
        resources={r"/api/.*": {"origins": "*"}},  # "/api/*" also matched "/apiary"
        allow_headers=["Authorization", "Content-Type", "X-Requested-With", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        max_age=600,
        always_send=False,  # browsers send Origin on every cross-origin request
    )
    app.wsgi_app = ApiAliasMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(refuse_nul)


def init_celery(app: APIFlask) -> None:
    """Create the Celery app bound to this Flask app."""
    from inkstone.core.celery import init_celery as bind_celery

    bind_celery(app)


def init_openapi(app: APIFlask) -> None:
    """Serve the OpenAPI document; finish it as the API's features leave it."""
    from inkstone.core.openapi import API_PREFIX, finish_spec
    from inkstone.core.openapi import bp as openapi_bp
    from inkstone.extensions import csrf

    csrf.exempt(openapi_bp)
    app.register_blueprint(openapi_bp, url_prefix=API_PREFIX)
    app.spec_processor(finish_spec)


def init_backup(app: APIFlask) -> None:
    """Add ``flask backup create|restore|list`` (core/backup, docs/backup.md)."""
    from inkstone.core.backup import init_backup as bind_backup

    bind_backup(app)


def register_errors(app: APIFlask) -> None:
    """Answer errors with JSON under ``/api/`` and HTML pages elsewhere."""
    from inkstone.core.errors import register_error_handlers

    register_error_handlers(app)
