"""A running worker says it is alive every few seconds, so pages can tell when none is."""

from __future__ import annotations

import socket
import threading
from typing import Any

import structlog
from celery.signals import worker_ready, worker_shutdown

from inkstone.jobs import services
from inkstone.jobs.liveness import HEARTBEAT_EVERY

log = structlog.get_logger(__name__)
_stop = threading.Event()


def _beat_forever(app: Any, hostname: str) -> None:
    while not _stop.is_set():
        try:
            with app.app_context():
                services.beat(hostname=hostname)
        except Exception:  # a busy database must not kill the worker's heartbeat
            log.warning("heartbeat.failed", hostname=hostname, exc_info=True)
        _stop.wait(HEARTBEAT_EVERY.total_seconds())


def start_heartbeat(sender: Any = None, **_: Any) -> None:
    """Start the heartbeat thread when a worker is ready to take tasks."""
    flask_app = sender.app.flask_app  # set by core.celery.init_celery
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _stop.clear()
    threading.Thread(
        target=_beat_forever, args=(flask_app, hostname), name="heartbeat", daemon=True
    ).start()


def stop_heartbeat(**_: Any) -> None:
    """Stop the heartbeat thread when the worker shuts down."""
    _stop.set()


# The worker imports this module (Celery ``include``); the web app never starts a heartbeat.
worker_ready.connect(start_heartbeat, weak=False)
worker_shutdown.connect(stop_heartbeat, weak=False)
