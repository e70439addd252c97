"""Where a request ends, told from its bytes in any pieces (server.framing)."""

from __future__ import annotations

import pytest

from inkstone.server.framing import MAX_REQUEST_LINE, RequestFraming


def frame(data: bytes, *, step: int = 0, limit: int = 1000) -> RequestFraming:
    framing = RequestFraming(body_limit=limit)
    pieces = [data[i : i + step] for i in range(0, len(data), step)] if step else [data]
    for piece in pieces:
        framing.feed(piece)
    return framing


GET = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
POST = b"POST /api/v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
CHUNKED = (
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nTrailer: x\r\n\r\n"
)


@pytest.mark.parametrize("step", [0, 1, 3, 7])
@pytest.mark.parametrize("request_bytes", [GET, POST, CHUNKED], ids=["get", "length", "chunked"])
def test_a_request_is_complete_exactly_at_its_last_byte(request_bytes: bytes, step: int) -> None:
    assert not frame(request_bytes[:-1], step=step).complete
    whole = frame(request_bytes, step=step)
    assert whole.complete
    assert whole.refusal is None


def test_bare_newlines_end_the_head_too() -> None:
    assert frame(b"GET / HTTP/1.1\nHost: x\n\n").complete


def test_the_body_deadline_follows_the_declared_length() -> None:
    framing = frame(b"POST / HTTP/1.1\r\nContent-Length: 500\r\n\r\n")
    assert framing.head_complete
    assert not framing.complete
    assert framing.body_length == 500


def test_a_declared_body_over_the_limit_is_handed_over_unread() -> None:
    framing = frame(b"POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", limit=1000)
    assert framing.complete
    assert framing.refusal is None  # the app answers 413 without reading it


def test_a_chunked_body_over_the_limit_is_refused() -> None:
    framing = frame(b"POST /api/v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n")
    assert framing.refusal == (413, "request body is larger than the limit of 1000 bytes")
    assert framing.is_api


@pytest.mark.parametrize(
    "malformed",
    [
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_malformed_framing_goes_to_the_parser_at_once(malformed: bytes) -> None:
    framing = frame(malformed)
    assert framing.complete
    assert framing.refusal is None  # gunicorn's parser answers it


def test_a_request_line_too_long_is_refused_before_it_ends() -> None:
    framing = frame(b"GET /api/v1/articles?tag=" + b"a" * MAX_REQUEST_LINE, step=4096)
    assert framing.refusal == (414, "the request line is too long")
    assert framing.is_api


def test_too_many_or_too_large_headers_are_refused() -> None:
    many = b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n"
    assert frame(many).refusal == (431, "the request has too many headers")
    large = b"GET / HTTP/1.1\r\nX: " + b"y" * 9000 + b"\r\n\r\n"
    assert frame(large).refusal == (431, "a request header is too large")
    endless = b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 20000
    assert frame(endless, step=65536).refusal == (431, "the request headers are too large")


def test_expect_100_continue_is_noticed_only_when_a_body_follows() -> None:
    assert frame(
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
    ).wants_continue
    assert not frame(b"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n").wants_continue
