"""Where an HTTP/1.x request ends, told from its bytes as they arrive (``server.worker``).

Only what delimits a request is read: the end of the header block, ``Content-Length``,
``Transfer-Encoding: chunked`` and its chunk sizes, ``Expect: 100-continue``. Anything
malformed is declared complete at once, so that gunicorn's parser, which checks the request
in full, answers it with its own error. Requests too large to take are refused here, with
the status a client expects (414, 431, 413).
"""

from __future__ import annotations

MAX_REQUEST_LINE = 8190  # gunicorn's largest limit_request_line (deploy/gunicorn.conf.py)
MAX_HEAD = 64 * 1024
MAX_FIELDS = 100  # gunicorn's limit_request_fields default
MAX_FIELD = 8190  # gunicorn's limit_request_field_size default
MAX_CHUNK_LINE = 1024


class RequestFraming:
    """Follow one request's bytes: ``complete`` once all of it is here, or ``refusal``."""

    def __init__(self, *, body_limit: int) -> None:
        self.body_limit = body_limit
        self.received = 0
        self.head_complete = False
        self.complete = False
        self.refusal: tuple[int, str] | None = None
        self.target = b""
        self.body_length: int | None = None  # declared, or the limit for a chunked body
        self.wants_continue = False
        self._head = bytearray()
        self._body_left = 0
        self._chunks: _ChunkedFraming | None = None

    def feed(self, data: bytes) -> None:
        """Take the next bytes of the request (bytes past its end are ignored)."""
        self.received += len(data)
        if self.complete:
            return
        if not self.head_complete:
            data = self._feed_head(data)
            if self.complete or not self.head_complete:
                return
        if self._chunks is not None:
            self._chunks.feed(data)
            if self._chunks.too_large:
                self._refuse(
                    413, f"request body is larger than the limit of {self.body_limit} bytes"
                )
            elif self._chunks.done or self._chunks.malformed:
                self.complete = True
        else:
            self._body_left -= len(data)
            if self._body_left <= 0:
                self.complete = True

    def _refuse(self, status: int, message: str) -> None:
        self.refusal = (status, message)
        self.complete = True

    def _feed_head(self, data: bytes) -> bytes:
        """Collect the header block; return the bytes after it once it is complete."""
        start = max(0, len(self._head) - 3)
        self._head += data
        if b"\n" not in self._head.lstrip(b"\r\n"):
            line = self._head.lstrip(b"\r\n")
            if len(line) > MAX_REQUEST_LINE:
                self.target = bytes(line[:MAX_REQUEST_LINE]).partition(b" ")[2]
                self._refuse(414, "the request line is too long")
            return b""
        end = _head_end(self._head, start)
        if end is None:
            if len(self._head) > MAX_HEAD:
                self._refuse(431, "the request headers are too large")
            return b""
        head, rest = bytes(self._head[: end[0]]), bytes(self._head[end[1] :])
        self._head = bytearray()
        self.head_complete = True
        self._read_head(head)
        return rest

    def _read_head(self, head: bytes) -> None:
        lines = head.lstrip(b"\r\n").split(b"\n")
        request_line = lines[0].rstrip(b"\r")
        self.target = request_line.partition(b" ")[2].rpartition(b" ")[0]
        if len(request_line) > MAX_REQUEST_LINE:
            self._refuse(414, "the request line is too long")
            return
        if len(lines) - 1 > MAX_FIELDS:
            self._refuse(431, "the request has too many headers")
            return
        if any(len(line) > MAX_FIELD for line in lines[1:]):
            self._refuse(431, "a request header is too large")
            return
        lengths: set[bytes] = set()
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            if name == b"content-length":
                lengths.add(value)
            elif name == b"transfer-encoding":
                chunked = chunked or value.lower().endswith(b"chunked")
                if not value.lower().endswith(b"chunked"):
                    self.complete = True  # the parser refuses it
            elif name == b"expect" and value.lower() == b"100-continue":
                self.wants_continue = True
        if self.complete:
            return
        if chunked:
            if lengths:
                self.complete = True  # both framings: the parser refuses it
                return
            self.body_length = self.body_limit
            self._chunks = _ChunkedFraming(limit=self.body_limit)
            return
        if not lengths:
            self.wants_continue = False
            self.complete = True
            return
        value = lengths.pop()
        if lengths or not value.isdigit():
            self.complete = True  # conflicting or not a number: the parser refuses it
            return
        self.body_length = int(value)
        if self.body_length == 0 or (self.body_limit and self.body_length > self.body_limit):
            # Nothing to wait for, or more than any route takes: the app answers (413)
            # without reading it.
            self.wants_continue = False
            self.complete = True
            return
        self._body_left = self.body_length

    @property
    def is_api(self) -> bool:
        """Tell whether the request is for the JSON API (its errors are JSON)."""
        path = self.target.split(b"?", 1)[0]
        return path == b"/api" or path.startswith(b"/api/")


def _head_end(buffer: bytearray, start: int) -> tuple[int, int] | None:
    """Return where the header block ends and its body starts, or ``None`` if not yet."""
    crlf = buffer.find(b"\r\n\r\n", start)
    lf = buffer.find(b"\n\n", start)
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf, crlf + 4
    if lf >= 0:
        return lf, lf + 2
    return None


class _ChunkedFraming:
    """Follow chunked transfer coding: size lines, data, the last chunk, trailers."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.done = False
        self.malformed = False
        self.too_large = False
        self._line = bytearray()
        self._skip = 0  # data (and its CRLF) still to pass over
        self._trailers = False

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not (self.done or self.malformed or self.too_large):
            if self._skip:
                step = min(self._skip, len(view))
                self._skip -= step
                view = view[step:]
                continue
            newline = bytes(view).find(b"\n")
            if newline < 0:
                self._line += view
                view = view[len(view) :]
                if len(self._line) > MAX_CHUNK_LINE:
                    self.malformed = True
                continue
            self._line += view[:newline]
            view = view[newline + 1 :]
            line, self._line = bytes(self._line).rstrip(b"\r"), bytearray()
            self._on_line(line)

    def _on_line(self, line: bytes) -> None:
        if self._trailers:
            if not line:
                self.done = True
            return
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            self.malformed = True
            return
        if size == 0:
            self._trailers = True
            return
        self.total += size
        if self.limit and self.total > self.limit:
            self.too_large = True
            return
        self._skip = size + 2
