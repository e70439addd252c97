"""Server-Sent Events: their frames, and one budget of long-lived streams per web process.

A stream holds one of its gunicorn process's few threads (two by default) for as long as it
is open, so every kind of stream — a job's progress, the navbar bell's unread count — draws
on one semaphore of ``LIVE_STREAMS`` slots per process: together they can never take every
thread, and pages stay served whoever is watching. Past the budget each kind answers in its
own way and its page polls instead.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from flask import Flask, current_app

_SLOTS = "inkstone.live_streams"
_lock = threading.Lock()
# How often a waiting stream looks whether its client has gone.
GONE_CHECK_SECONDS = 1.0
# How long a new stream waits for a slot: the stream of the page just left (the bell's, or
# a job's) notices within GONE_CHECK_SECONDS that its client has gone and frees its own.
HANDOFF_SECONDS = 2.0


def frame(event: str, payload: dict[str, Any]) -> str:
    """Return one SSE event: ``event`` with ``payload`` as one line of JSON."""
    data = current_app.json.dumps(payload)  # one line: orjson never breaks lines
    return f"event: {event}\ndata: {data}\n\n"


def slots(app: Flask | None = None) -> threading.BoundedSemaphore:
    """Return the app's semaphore of open streams (``LIVE_STREAMS`` slots), made on first use."""
    app = app or current_app
    found: threading.BoundedSemaphore | None = app.extensions.get(_SLOTS)
    if found is None:
        with _lock:
            found = app.extensions.get(_SLOTS)
            if found is None:
                found = threading.BoundedSemaphore(int(app.config["LIVE_STREAMS"]))
                app.extensions[_SLOTS] = found
    return found


def openapi_response(description: str, *, events: list[str], data: str) -> Any:
    """Return the OpenAPI description of a ``text/event-stream`` answer.

    Typed ``Any``: APIFlask's ``doc(responses=…)`` types know JSON answers only.
    """
    return {
        "description": description,
        "content": {
            "text/event-stream": {
                "schema": {
                    "type": "object",
                    "description": "One event of the stream.",
                    "required": ["event", "data"],
                    "properties": {
                        "event": {"type": "string", "enum": events},
                        "data": {"type": "string", "description": data},
                    },
                }
            }
        },
    }


def client_gone(environ: Mapping[str, Any]) -> Callable[[], bool]:
    """Return a check telling whether the request's client has closed its connection.

    A server learns it only when a write fails, which for an idle stream is the next
    keep-alive, and a closed tab's stream would hold its slot until then (so the page the
    reader moved to would find none). A closed connection reads as end of file: peek at it
    without taking anything. Without a socket to look at (a test client), never.
    """
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        return lambda: False

    def gone() -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):  # closed meanwhile: gone
            return True

    return gone


class Holding:
    """A stream's frames that give its slot back when the response closes, even unstarted.

    A generator's ``finally`` runs only once it has started: a HEAD request (never iterated)
    or a client gone before the first frame would otherwise keep the slot for ever. WSGI
    servers call ``close()`` on every response body, iterated or not.
    """

    def __init__(self, frames: Iterable[str], held: threading.BoundedSemaphore) -> None:
        self.frames, self.held = frames, held
        self._holding = True
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self.frames
        finally:  # ended, or left mid-way (the server closes what it iterated)
            self.close()

    def close(self) -> None:
        """Close the frames and release the slot, once."""
        with self._lock:
            holding, self._holding = self._holding, False
        try:
            close = getattr(self.frames, "close", None)
            if close is not None:
                close()
        finally:
            if holding:
                self.held.release()
