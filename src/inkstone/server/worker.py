"""gunicorn's gthread worker, hardened against slow clients (``deploy/gunicorn.conf.py``).

Stock gthread hands a connection to one of its two threads as soon as a byte arrives and
reads the request there, blocking, with no deadline: two sockets that send half a request
line and then nothing hold both threads, and the site stops answering for as long as they
stay open. This worker reads requests where gthread already waits on sockets, its main
thread, without blocking (as nginx does in front of a server): a thread gets a connection
only once a whole request — line, headers and body — has arrived, and never reads the
socket itself.

- The head must arrive within ``HEADER_SECONDS`` of the wait's start; a body within that
  plus its length at ``MIN_UPLOAD_RATE``. A client that sends nothing, half a request or a
  trickle is disconnected when its deadline passes.
- Bodies up to the largest any route takes (the app's ``MAX_REQUEST_BODY``) wait in memory,
  or in a temporary file past ``SPOOL_BYTES``; a larger declared body is handed over unread
  for the app to refuse (413). ``Expect: 100-continue`` is answered as the head arrives.
- Connections are closed without lingering: gthread's graceful close waits up to 2 s for
  the client on the main thread, where a trickling client would stall everyone.
- A response whose reader takes nothing for ``SEND_IDLE_SECONDS`` is abandoned.

Only the framing is read here (``core.framing``); gunicorn's parser still reads and checks
each request from the buffered bytes. TLS (unused: embedded mode serves plain HTTP on
loopback, scaled mode sits behind nginx) is served as stock gthread serves it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import tempfile
import time
from typing import Any

import orjson
from gunicorn.http import get_parser
from gunicorn.workers.gthread import TConn, ThreadWorker

from inkstone.server.framing import RequestFraming

HEADER_SECONDS = float(os.environ.get("GUNICORN_HEADER_TIMEOUT", "10"))
MIN_UPLOAD_RATE = int(os.environ.get("GUNICORN_MIN_UPLOAD_RATE", str(64 * 1024)))  # bytes/s
SEND_IDLE_SECONDS = float(os.environ.get("GUNICORN_SEND_TIMEOUT", "60"))
SPOOL_BYTES = 1024 * 1024
DEFAULT_BODY_LIMIT = 1024 * 1024
READ_STEP = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
REASONS = {413: "Content Too Large", 414: "URI Too Long", 431: "Request Header Fields Too Large"}


class _BufferedSource:
    """What a thread's request parser reads: the collected request, then end of input."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.chunks: list[bytes] = []
        self.spool: Any = None

    def load(self, chunks: list[bytes], spool: Any) -> None:
        """Serve ``chunks``, then what ``spool`` holds."""
        self.chunks, self.spool = chunks, spool

    def leftover(self) -> bytes:
        """Take what the parser has not read (bytes of a pipelined next request)."""
        rest = b"".join(self.chunks)
        self.chunks = []
        if self.spool is not None:
            rest += self.spool.read()
            self.spool.close()
            self.spool = None
        return rest

    def recv(self, size: int) -> bytes:
        if self.chunks:
            return self.chunks.pop(0)
        if self.spool is not None:
            data: bytes = self.spool.read(max(size, READ_STEP))
            if data:
                return data
            self.spool.close()
            self.spool = None
        # The request ends here: a thread never waits on the client. (Only a declared body
        # too large to take ends early; the app refuses it and the connection is closed.)
        return b""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


class _Connection(TConn):  # type: ignore[misc]  # gunicorn is untyped
    """A gthread connection that collects each request before a thread parses it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.source = _BufferedSource(self.sock)
        self.framing: RequestFraming | None = None
        self.deadline = 0.0
        self.received: list[bytes] = []
        self.spool: Any = None

    def init(self) -> None:
        if self.cfg.is_ssl:
            super().init()
            return
        self.initialized = True
        self.sock.setblocking(True)
        if self.parser is None:  # type: ignore[has-type]  # set by TConn.__init__
            self.parser = get_parser(self.cfg, self.source, self.client)

    def start(self, ahead: bytes, body_limit: int) -> None:
        """Begin collecting a request; ``ahead`` holds its first bytes if already read."""
        self.framing = RequestFraming(body_limit=body_limit)
        self.deadline = time.monotonic() + HEADER_SECONDS
        self.received, self.spool = [], None
        if ahead:
            self.take(ahead)

    def take(self, data: bytes) -> None:
        """Keep ``data``; once the head is in, give the body time by its length."""
        framing = self.framing
        assert framing is not None
        had_head = framing.head_complete
        framing.feed(data)
        if self.spool is None and framing.received > SPOOL_BYTES:
            self.spool = tempfile.TemporaryFile()  # noqa: SIM115  # closed by hand_over's reader
            self.spool.writelines(self.received)
            self.received = []
        if self.spool is not None:
            self.spool.write(data)
        else:
            self.received.append(data)
        if framing.head_complete and not had_head:
            self.deadline += (framing.body_length or 0) / MIN_UPLOAD_RATE

    def hand_over(self) -> None:
        """Give the collected request to the parser; a thread reads it next."""
        if self.spool is not None:
            self.spool.seek(0)
        self.source.load(self.received, self.spool)
        self.received, self.spool, self.framing = [], None, None
        self.data_ready = True

    def close(self, graceful: bool = False) -> None:
        if self.spool is not None:
            self.spool.close()
        self.source.leftover()
        if graceful:
            _close_without_waiting(self.sock)
        else:
            super().close()


def _close_without_waiting(sock: socket.socket) -> None:
    """Send FIN, drop what the client already sent (so no RST cuts the response), close."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.setblocking(False)
        for _ in range(16):
            if not sock.recv(READ_STEP):
                break
    except OSError:
        pass
    finally:
        sock.close()


def _refusal(status: int, message: str, *, api: bool) -> bytes:
    """Return a whole response refusing a request, JSON for the API, HTML elsewhere."""
    if api:
        # Every status refused here is a size limit: the API's stable code for it.
        body = orjson.dumps({"errors": {"body": [message]}, "code": "request.too_large"})
        kind = b"application/json"
    else:
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{message}</p>".encode()
        kind = b"text/html; charset=utf-8"
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Bad Request')}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
    ).encode()
    return head + b"Content-Type: " + kind + b"\r\n\r\n" + body


class GuardedThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn is untyped
    """gthread whose threads get only whole requests, with deadlines for slow clients."""

    def init_process(self) -> None:
        self.collecting: dict[int, _Connection] = {}
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        config = getattr(self.wsgi, "config", None) or {}
        # The app's largest accepted body (Inkstone's settings say), else Flask's limit.
        limit = config.get("MAX_REQUEST_BODY") or config.get("MAX_CONTENT_LENGTH")
        self.body_limit = int(limit or DEFAULT_BODY_LIMIT)

    def accept(self, listener: socket.socket) -> None:
        """Accept a connection as a ``_Connection`` and start collecting its request."""
        try:
            client_sock, client_addr = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        self.nr_conns += 1
        conn = _Connection(self.cfg, client_sock, client_addr, listener.getsockname())
        self.enqueue_req(conn)

    def enqueue_req(self, conn: TConn) -> None:
        """Hand ``conn`` to a thread once a whole request is here; collect it until then.

        Every way to a thread passes here: a new connection, a kept-alive one that became
        readable, one whose next request was read ahead with the last.
        """
        if not isinstance(conn, _Connection) or self.cfg.is_ssl:
            super().enqueue_req(conn)
            return
        if conn.framing is None:
            ahead = b""
            if conn.parser is not None:
                ahead = conn.parser.unreader.take_buffered() + conn.source.leftover()
            conn.start(ahead, self.body_limit)
        if not self._dispatch_if_complete(conn):
            conn.sock.setblocking(False)
            self.collecting[conn.sock.fileno()] = conn
            self.poller.register(conn.sock, selectors.EVENT_READ, self._on_request_bytes)

    def _dispatch_if_complete(self, conn: _Connection) -> bool:
        framing = conn.framing
        assert framing is not None
        if not framing.complete:
            return False
        if framing.refusal is not None:
            status, message = framing.refusal
            # A few hundred bytes: they fit the socket's buffer, or the client is not
            # reading and loses them (the main thread never waits on a client).
            with contextlib.suppress(OSError):
                conn.sock.setblocking(False)
                conn.sock.send(_refusal(status, message, api=framing.is_api))
            self.nr_conns -= 1
            conn.close()
            return True
        conn.hand_over()
        super().enqueue_req(conn)
        return True

    def _on_request_bytes(self, sock: socket.socket) -> None:
        conn = self.collecting.get(sock.fileno())
        if conn is None:
            return
        try:
            data = sock.recv(READ_STEP)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._stop_collecting(conn)
            self.nr_conns -= 1
            conn.close()
            return
        conn.take(data)
        framing = conn.framing
        assert framing is not None
        if framing.wants_continue and framing.head_complete and not framing.complete:
            framing.wants_continue = False
            with contextlib.suppress(OSError):
                sock.send(CONTINUE)
        if framing.complete:
            self._stop_collecting(conn)
            self._dispatch_if_complete(conn)

    def _stop_collecting(self, conn: _Connection) -> None:
        self.collecting.pop(conn.sock.fileno(), None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def murder_pending(self) -> None:
        """Close connections whose request missed its deadline (and gthread's own)."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.collecting.values() if c.deadline <= now]:
            self._stop_collecting(conn)
            self.nr_conns -= 1
            conn.close()

    def finish_request(self, conn: TConn, fs: Any) -> None:
        """As gthread does; bytes read past the request count as read ahead for the next."""
        if isinstance(conn, _Connection) and conn.parser is not None:
            rest = conn.source.leftover()
            if rest:
                unreader = conn.parser.unreader
                unreader.unread(unreader.take_buffered() + rest)
        super().finish_request(conn, fs)

    def handle_request(self, req: Any, conn: TConn) -> Any:
        conn.sock.settimeout(SEND_IDLE_SECONDS)
        return super().handle_request(req, conn)
