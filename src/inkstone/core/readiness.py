"""What ``/readyz`` asks: can this process reach the database, Redis and the job broker?

Each check is bounded by a short timeout, so a probe of a site whose Redis hangs answers
503 in about a second instead of hanging the probe (and the proxy's patience) with it.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from inkstone.core.config import REDIS_TIMEOUTS
from inkstone.core.errors import is_outage
from inkstone.extensions import db

OK = "ok"
UNREACHABLE = "unreachable"
NOT_CONFIGURED = "not configured"
TIMEOUT_SECONDS = REDIS_TIMEOUTS["socket_timeout"]  # the broker's, on other transports


def readiness(app: Flask) -> dict[str, str]:
    """Return the state of the database, Redis and broker: ok, unreachable, not configured."""
    return {"database": _database(), "redis": _redis(app), "broker": _broker(app)}


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        if not is_outage(exc):
            raise
        db.session.rollback()
        return UNREACHABLE
    return OK


def _redis(app: Flask) -> str:
    url = app.config.get("REDIS_URL")
    if not url:
        return NOT_CONFIGURED
    return _ping_redis(url)


def _ping_redis(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, **REDIS_TIMEOUTS)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        return UNREACHABLE
    finally:
        client.close()
    return OK


def _broker(app: Flask) -> str:
    url: str = app.config["CELERY_BROKER_URL"]
    if url.startswith(("redis://", "rediss://")):
        return _ping_redis(url)
    from kombu.connection import Connection

    # Other transports (the embedded SQLite broker, RabbitMQ): connect once, no retries.
    with Connection(url, connect_timeout=TIMEOUT_SECONDS) as connection:  # type: ignore[no-untyped-call]  # kombu is untyped
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=TIMEOUT_SECONDS)
        except Exception as exc:
            if not is_outage(exc) and not isinstance(exc, OSError):
                raise
            return UNREACHABLE
    return OK
