"""Slow clients against the web server as ``make run`` starts it (deploy/gunicorn.conf.py).

Before this worker, two sockets that sent half a request and then nothing held both of
gunicorn's threads: every other request timed out for as long as they stayed open.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from inkstone.server import worker as server
from tests.server_helpers import web_server
from tests.worker_helpers import file_app

pytestmark = pytest.mark.slow
SLOW = 16


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("server")
    file_app(instance)
    with web_server(instance) as url:
        yield url


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _get(url: str, path: str = "/", timeout: float = 5) -> tuple[int, float]:
    """Return the status of ``GET path`` and how long it took."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", _port(url), timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


def _silent(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line


def _trickled_headers(sock: socket.socket, stop: threading.Event) -> None:
    for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000 + b"\r\n\r\n":
        if stop.wait(1):
            return
        sock.sendall(bytes([byte]))


def _trickled_body(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(
        b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    while not stop.wait(1):
        sock.sendall(b"a")


def _connect_only(sock: socket.socket, stop: threading.Event) -> None:
    """Open the connection and send nothing at all."""


class SlowClients:
    """``SLOW`` sockets held open by ``behaviour``; records when the server closes each."""

    def __init__(self, url: str, behaviour: Callable[[socket.socket, threading.Event], None]):
        self.stop = threading.Event()
        self.closed_after: list[float] = []
        self.started = time.monotonic()
        self.threads = [
            threading.Thread(target=self._run, args=(url, behaviour), daemon=True)
            for _ in range(SLOW)
        ]
        for thread in self.threads:
            thread.start()
        time.sleep(1)  # let them all connect and start

    def _run(self, url: str, behaviour: Callable[[socket.socket, threading.Event], None]) -> None:
        sock = socket.create_connection(("127.0.0.1", _port(url)))
        try:
            behaviour(sock, self.stop)
            sock.settimeout(0.5)
            while not self.stop.is_set():
                try:
                    if sock.recv(4096) == b"":
                        break
                except TimeoutError:
                    continue
        except OSError:  # reset by the server while sending
            pass
        finally:
            if not self.stop.is_set():
                self.closed_after.append(time.monotonic() - self.started)
            sock.close()

    def wait_closed(self, seconds: float) -> None:
        for thread in self.threads:
            thread.join(max(0.0, self.started + seconds - time.monotonic()))

    def end(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(5)


@pytest.mark.parametrize(
    "behaviour",
    [_silent, _trickled_headers, _trickled_body, _connect_only],
    ids=[
        "half-request-then-silence",
        "headers-1-byte-per-second",
        "body-1-byte-per-second",
        "connect-and-nothing",
    ],
)
def test_the_site_answers_beside_16_slow_clients_and_they_are_cut_off(
    site: str, behaviour: Callable[[socket.socket, threading.Event], None]
) -> None:
    clients = SlowClients(site, behaviour)
    try:
        timings = []
        for _ in range(8):
            status, took = _get(site)
            assert status == 200
            timings.append(took)
            time.sleep(0.1)
        assert max(timings) < 1.0, timings
        # Deadline: the head in HEADER_SECONDS (+ the body at the minimum rate), checked once
        # a second, plus the keep-alive wait for a connection that never sent a byte.
        bound = server.HEADER_SECONDS + 100_000 / server.MIN_UPLOAD_RATE + 5 + 3
        clients.wait_closed(bound)
        assert len(clients.closed_after) == SLOW, clients.closed_after
        assert max(clients.closed_after) <= bound
    finally:
        clients.end()
    assert _get(site)[0] == 200


def _raw(url: str, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", _port(url)), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_pipelined_requests_are_all_answered(site: str) -> None:
    request = b"GET /api/v1/tags HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /api/v1/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert _raw(site, request * 2 + last).count(b"HTTP/1.1 200 OK") == 3


def test_a_body_sent_in_pieces_and_chunked_reaches_the_app(site: str) -> None:
    body = b'{"user": {"email": "nobody@example.org", "password": "wrong password 1"}}'
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:10], body[10:])) + b"0\r\n\r\n"
    answer = _raw(
        site,
        b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
    )
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_expect_100_continue_is_answered_before_the_body(site: str) -> None:
    with socket.create_connection(("127.0.0.1", _port(site)), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"{}")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert b"HTTP/1.1 422" in answer


@pytest.mark.parametrize(
    ("path", "extra", "status"),
    [
        ("/api/v1/articles?tag=" + "a" * 9000, "", 414),
        ("/api/v1/tags", "X-Big: " + "a" * 9000 + "\r\n", 431),
    ],
)
def test_oversized_heads_get_json_errors_under_the_api(
    site: str, path: str, extra: str, status: int
) -> None:
    answer = _raw(site, f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}".encode())
    assert b"application/json" in head
    assert json.loads(body)["errors"]["body"]
    assert json.loads(body)["code"] == "request.too_large"


def test_a_long_url_under_8_kb_reaches_the_app(site: str) -> None:
    status, _ = _get(site, "/?utm_campaign=" + "a" * 6000)
    assert status == 200


def test_a_declared_body_larger_than_any_route_takes_is_refused_unread(
    site: str, tmp_path: Path
) -> None:
    answer = _raw(
        site,
        b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 900000000\r\n\r\n{",
    )
    assert answer.startswith(b"HTTP/1.1 413")
