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
    init_auth(app)
    init_mail(app)
    init_web(app)
    init_security(app)
    init_http(app)
    init_celery(app)
    register_errors(app)
    register_blueprints(app)
    register_signals()
    register_cli(app)
    return app


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


def init_auth(app: APIFlask) -> None:
    """Bind JWT handling, web sign-in and the rate limiter."""
    from inkstone.auth.signin import init_login
    from inkstone.extensions import jwt, limiter

    jwt.init_app(app)
    init_login(app)
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter.init_app(app)


def init_web(app: APIFlask) -> None:
    """Bind CSRF, languages and time zones, Bootstrap, template filters and assets."""
    from inkstone.web.site import init_web as bind_web

    bind_web(app)


def init_security(app: APIFlask) -> None:
    """Send the security headers (strict CSP with nonces); trust the configured proxies."""
    from inkstone.core.security import init_security as bind_security

    bind_security(app)


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


def register_errors(app: APIFlask) -> None:
    """Answer errors with JSON under ``/api/`` and HTML pages elsewhere."""
    from inkstone.core.errors import register_error_handlers

    register_error_handlers(app)


def register_blueprints(app: APIFlask) -> None:
    """Mount the site and the API (token-authenticated, so exempt from CSRF)."""
    from inkstone.articles.api import bp as articles_api
    from inkstone.articles.feeds import bp as feeds_bp
    from inkstone.articles.views import bp as articles_bp
    from inkstone.auth.account_api import bp as account_api
    from inkstone.auth.account_views import bp as account_bp
    from inkstone.auth.api import bp as auth_api
    from inkstone.auth.recovery_api import bp as recovery_api
    from inkstone.auth.recovery_views import bp as recovery_bp
    from inkstone.auth.users_api import bp as users_api
    from inkstone.auth.views import bp as auth_bp
    from inkstone.core.openapi import API_PREFIX, finish_spec
    from inkstone.core.openapi import bp as openapi_bp
    from inkstone.extensions import csrf
    from inkstone.guestbook.api import bp as guestbook_api
    from inkstone.guestbook.views import bp as guestbook_bp
    from inkstone.jobs.api import bp as jobs_api
    from inkstone.jobs.export_api import bp as export_api
    from inkstone.jobs.export_views import bp as exports_bp
    from inkstone.jobs.import_api import bp as import_api
    from inkstone.jobs.views import bp as jobs_bp
    from inkstone.media.api import bp as media_api
    from inkstone.media.site_views import bp as media_site_bp
    from inkstone.media.views import bp as media_bp
    from inkstone.profiles.api import bp as profiles_api
    from inkstone.web.views import bp as web_bp

    site = (
        web_bp,
        auth_bp,
        account_bp,
        recovery_bp,
        articles_bp,
        guestbook_bp,
        feeds_bp,
        jobs_bp,
        exports_bp,
        media_bp,
        media_site_bp,
    )
    for site_bp in site:
        app.register_blueprint(site_bp)
    app.register_blueprint(openapi_bp, url_prefix=API_PREFIX)
    app.spec_processor(finish_spec)
    apis = (
        auth_api,
        account_api,
        recovery_api,
        users_api,
        profiles_api,
        articles_api,
        guestbook_api,
        jobs_api,
        export_api,
        import_api,
        media_api,
    )
    for api_bp in (openapi_bp, *apis):
        csrf.exempt(api_bp)
    for api_bp in apis:
        app.register_blueprint(api_bp, url_prefix=API_PREFIX)


def register_signals() -> None:
    """Let features above accounts clean up after a deleted account (follows, articles…)."""
    from inkstone.articles.cleanup import connect_cleanup as articles_cleanup
    from inkstone.jobs.cleanup import connect_cleanup as jobs_cleanup
    from inkstone.media.cleanup import connect_cleanup as media_cleanup
    from inkstone.profiles.cleanup import connect_cleanup as profiles_cleanup

    profiles_cleanup()
    articles_cleanup()
    media_cleanup()
    jobs_cleanup()


def register_cli(app: APIFlask) -> None:
    """Add the ``flask users`` and ``flask dev`` command groups."""
    from inkstone.articles.cli import articles_cli
    from inkstone.auth.cli import roles_cli, users_cli
    from inkstone.dev.cli import dev_cli
    from inkstone.i18n.cli import translate_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(roles_cli)
    app.cli.add_command(dev_cli)
    app.cli.add_command(articles_cli)
    app.cli.add_command(translate_cli)
