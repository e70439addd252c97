"""structlog set-up: one line per event, each carrying the request id."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any, TextIO

import structlog
from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
PROBES = frozenset({"/healthz", "/readyz"})
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def configure_logging(*, level: str, fmt: str, stream: TextIO | None = None) -> None:
    """Render Inkstone's own events and every library's log records the same way.

    Our events (one per request, so on the hot path) go straight through structlog's own
    logger; records from the standard library (SQLAlchemy, Alembic, Celery, gunicorn) pass
    through a ``ProcessorFormatter`` with the same processors. Both carry the request id.
    """
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        # plain tracebacks: rich's would print every frame's locals (secrets included)
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Start-up chatter from Alembic's plugin loader is not worth a line per process.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_request_logging(app: Flask) -> None:
    """Bind a request id to every log line and echo it in ``X-Request-ID``."""
    log_requests = app.config.get("LOG_REQUESTS", True)
    log = structlog.get_logger().bind()  # built now, from the configuration just set

    @app.before_request
    def _bind_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_id = request_id
        g.request_started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

    @app.after_request
    def _log_request(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        if log_requests and request_id:
            elapsed_ms = (time.perf_counter() - g.request_started) * 1000
            # Probes come every few seconds from every proxy: not worth a line at info level.
            emit = log.debug if request.path in PROBES else log.info
            emit(
                "request",
                method=request.method,
                path=request.path,
                status=response.status_code,
                duration_ms=round(elapsed_ms, 2),
            )
        return response

    @app.teardown_request
    def _unbind(_exc: BaseException | None) -> None:
        structlog.contextvars.clear_contextvars()
