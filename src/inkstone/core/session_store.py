"""Server-side web sessions (Flask-Session): the database in embedded mode, Redis when scaled.

The browser's cookie holds only a random session id; the data stays on the server, so a
session can be ended from anywhere (sign-out everywhere, an admin's suspension).

Flask-Session's own SQLAlchemy backend is not used as is: it declares its model on the
application's metadata at start-up (a second app in one process fails), creates its table from
the factory instead of a migration, and commits the request's ORM session in the middle of a
request. The store below is the same Flask-Session interface over a migrated table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from flask import Flask, Request
from flask_babel.speaklater import LazyString
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from sqlalchemy import LargeBinary, String, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, utcnow
from inkstone.extensions import db


class WebSession(Base):
    """The stored data of one web session, keyed by the id in the browser's cookie."""

    __tablename__ = "web_sessions"

    session_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<WebSession expires {self.expires_at:%Y-%m-%d %H:%M}>"


class DatabaseSessionInterface(ServerSideSessionInterface):  # type: ignore[misc]  # untyped base
    """Flask-Session's server-side interface, stored in the ``web_sessions`` table."""

    # Expired rows are skipped on read and removed hourly by ``inkstone.auth.purge_sessions``
    # (Celery beat) or at once by ``flask session_cleanup``.
    ttl = False

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        """Open the session; remember whether it is stored already (UPDATE, not INSERT)."""
        session = super().open_session(app, request)
        found = request.cookies.get(app.config["SESSION_COOKIE_NAME"]) == session.sid
        session.stored_sid = session.sid if found else None
        return session

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        row = db.session.execute(
            select(WebSession.data, WebSession.expires_at).where(WebSession.session_id == store_id)
        ).first()
        if row is None or row.expires_at <= utcnow():
            return None
        data: dict[str, Any] = self.serializer.decode(row.data)
        return data

    def regenerate(self, session: ServerSideSession) -> None:
        """Move ``session`` to a new id; the old row goes when the request commits.

        Flask-Session's own version deletes through ``_delete_session``, which commits: in
        the middle of a sign-in that would commit the request's work early (and make the
        ORM load the user again).
        """
        if session:
            old = self._get_store_id(session.sid)
            db.session.execute(delete(WebSession).where(WebSession.session_id == old))
            session.sid = self._generate_sid(self.sid_length)
            session.modified = True

    def _delete_session(self, store_id: str) -> None:
        db.session.execute(delete(WebSession).where(WebSession.session_id == store_id))
        db.session.commit()

    def _upsert_session(
        self, session_lifetime: timedelta, session: ServerSideSession, store_id: str
    ) -> None:
        data = self.serializer.encode(session)
        expires_at = utcnow() + session_lifetime
        if getattr(session, "stored_sid", None) == session.sid:
            db.session.execute(
                update(WebSession)
                .where(WebSession.session_id == store_id)
                .values(data=data, expires_at=expires_at)
            )
        else:
            db.session.execute(
                insert(WebSession).values(session_id=store_id, data=data, expires_at=expires_at)
            )
        session.stored_sid = session.sid
        db.session.commit()

    def _delete_expired_sessions(self) -> None:
        db.session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
        db.session.commit()


def init_sessions(app: Flask) -> None:
    """Keep web sessions on the server: in the database, or in Redis when configured."""
    config = app.config
    common: dict[str, Any] = {
        "key_prefix": config["SESSION_KEY_PREFIX"],
        "use_signer": False,
        "permanent": config["SESSION_PERMANENT"],
        "sid_length": 32,
        "serialization_format": "msgpack",
    }
    interface: Any
    if config["SESSION_BACKEND"] == "redis":
        from flask_session.redis import RedisSessionInterface
        from redis import Redis

        from inkstone.core.config import REDIS_TIMEOUTS

        # A Redis that hangs costs a request a second (then 503), not redis-py's default wait.
        client = Redis.from_url(config["REDIS_URL"], **REDIS_TIMEOUTS)
        interface = RedisSessionInterface(app, client=client, **common)
    else:
        interface = DatabaseSessionInterface(app, cleanup_n_requests=None, **common)
    # Flash messages may be lazy translations: store them as the text they say now.
    interface.serializer.encoder = msgspec.msgpack.Encoder(enc_hook=_as_text)
    app.session_interface = interface


def _as_text(value: Any) -> str:
    if isinstance(value, LazyString):
        return str(value)
    raise NotImplementedError(f"cannot keep a {type(value).__name__} in a session")
