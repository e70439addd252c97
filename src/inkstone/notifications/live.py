"""Live delivery: wake the open streams of the people whose notifications changed.

``announce`` runs after the commit that made (or read) notifications, in whichever process did
it: a web thread or a Celery worker. It only says "look again": each stream re-reads the count
from the database, which stays the one truth (a lost wake-up costs a delay, never a wrong count).

- In this process, each open stream waits on a ``threading.Event`` that ``announce`` sets.
- With ``REDIS_URL``, ``announce`` also publishes on ``inkstone:notifications:<user id>`` and
  every stream SUBSCRIBEs to its user's channel, so any web process wakes at once whatever
  process made the notification. One pub/sub connection per open stream: streams are few per
  process (each holds a thread, and the jobs' stream cap bounds them), so a listener thread
  fanning out would save little and add a thread to keep alive across forks and outages.
- Without Redis (embedded: the worker is another process), or while Redis is unreachable, a
  stream re-reads the count every few seconds instead (``stream.POLL_SECONDS``).

A Redis outage never reaches a page or a stream: failures are logged, Redis is left alone
for ``REDIS_BACKOFF_SECONDS`` (so an outage costs one connect timeout per process, not one per
announce), and streams fall back to polling.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from flask import current_app, has_app_context

from inkstone.core.config import REDIS_TIMEOUTS

log = structlog.get_logger(__name__)

CHANNEL_PREFIX = "inkstone:notifications:"
REDIS_BACKOFF_SECONDS = 5.0
_CLIENT = "inkstone.notifications.redis"

_waiters: dict[int, set[threading.Event]] = {}
_waiters_lock = threading.Lock()
_redis_down_until = 0.0


def channel(user_id: int) -> str:
    """Return the Redis channel a user's streams listen on."""
    return f"{CHANNEL_PREFIX}{user_id}"


def announce(user_ids: Iterable[int]) -> None:
    """Tell every open tab of ``user_ids`` that their notifications changed (after commit).

    Never raises: a notification is already stored, and a tab that misses this wake-up
    catches up at its next read.
    """
    try:
        ids = sorted({int(user_id) for user_id in user_ids})
        if not ids:
            return
        _wake_here(ids)
        if has_app_context() and current_app.config.get("REDIS_URL"):
            _publish(ids)
    except Exception:  # a wake-up is best effort: the caller has committed
        log.warning("notifications.announce_failed", exc_info=True)


def _wake_here(user_ids: list[int]) -> None:
    with _waiters_lock:
        events = [event for user_id in user_ids for event in _waiters.get(user_id, ())]
    for event in events:
        event.set()


def _redis_usable() -> bool:
    return time.monotonic() >= _redis_down_until


def _redis_failed() -> None:
    global _redis_down_until  # one back-off per process, shared by its threads
    _redis_down_until = time.monotonic() + REDIS_BACKOFF_SECONDS


def _redis() -> Any:
    """Return this app's Redis client (made on first use; redis-py clients are thread-safe)."""
    client = current_app.extensions.get(_CLIENT)
    if client is None:
        from redis import Redis

        # The app's timeouts: a Redis that hangs costs a second, not redis-py's five.
        client = Redis.from_url(current_app.config["REDIS_URL"], **REDIS_TIMEOUTS)
        current_app.extensions[_CLIENT] = client
    return client


def _publish(user_ids: list[int]) -> None:
    if not _redis_usable():
        return
    from redis.exceptions import RedisError

    try:
        pipeline = _redis().pipeline(transaction=False)
        for user_id in user_ids:
            pipeline.publish(channel(user_id), b"1")
        pipeline.execute()
    except RedisError:
        _redis_failed()
        log.warning("notifications.redis_publish_failed", exc_info=True)


class Listener:
    """What one stream waits on: its user's wake-ups, from this process and through Redis."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.event = threading.Event()
        self.pubsub: Any = None

    @property
    def live(self) -> bool:
        """Tell whether wake-ups from other processes arrive (else the stream must poll)."""
        return self.pubsub is not None

    def subscribe(self) -> None:
        """Listen on the user's Redis channel, when Redis is configured and answering."""
        if not current_app.config.get("REDIS_URL") or not _redis_usable():
            return
        from redis.exceptions import RedisError

        pubsub = _redis().pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(channel(self.user_id))
        except RedisError:
            _redis_failed()
            log.warning("notifications.redis_subscribe_failed", exc_info=True)
            pubsub.close()
            return
        self.pubsub = pubsub

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a wake-up; tell whether one came."""
        timeout = max(timeout, 0.0)
        if self.pubsub is None:
            woken = self.event.wait(timeout)
            self.event.clear()
            return woken
        if self.event.is_set():  # announced here while Redis was failing
            self.event.clear()
            return True
        from redis.exceptions import RedisError

        try:
            message = self.pubsub.get_message(timeout=timeout)
        except RedisError:
            _redis_failed()
            log.warning("notifications.redis_listen_failed", exc_info=True)
            self.close()
            return True  # read the count now: what was published meanwhile may be lost
        # Drain what else came meanwhile: one re-read answers them all.
        while message is not None and self._next() is not None:
            pass
        self.event.clear()
        return message is not None

    def _next(self) -> Any:
        try:
            return self.pubsub.get_message(timeout=0.0)
        except Exception:  # the next wait notices the broken connection
            return None

    def close(self) -> None:
        """Stop listening on Redis (the connection goes back to the client's pool)."""
        pubsub, self.pubsub = self.pubsub, None
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:  # closing a broken connection may fail too
                log.debug("notifications.redis_close_failed", exc_info=True)


@contextmanager
def listening(user_id: int) -> Iterator[Listener]:
    """Yield a ``Listener`` for ``user_id``'s wake-ups, registered while the block runs."""
    listener = Listener(user_id)
    with _waiters_lock:
        _waiters.setdefault(user_id, set()).add(listener.event)
    try:
        listener.subscribe()
        yield listener
    finally:
        listener.close()
        with _waiters_lock:
            events = _waiters.get(user_id)
            if events is not None:
                events.discard(listener.event)
                if not events:
                    del _waiters[user_id]
