"""The cluster these tests run against: one per session, started fresh, stopped at the end.

PostgreSQL, Redis, two gunicorn hosts, two Celery workers, one beat and nginx on loopback
(``deploy.cluster``), in a new temporary state folder on a free block of ports. With
``INKSTONE_CLUSTER_ROOT`` set, the tests use the cluster of that state folder instead (started
if needed, left running: CI starts one for these tests and the RealWorld collection).

The tests here run only when asked for by path (``pytest tests/cluster``, ``make
test-cluster``) or with ``INKSTONE_CLUSTER_TESTS=1``: a plain ``pytest`` (``make test``) does
not start a cluster. Without nginx, PostgreSQL or Redis installed they skip, and fail under
``INKSTONE_REQUIRE_SERVICES=1``.

Every test is a visitor from its own loopback address (``visitor()``: 127.0.1.x, …), as
people on different machines are: per-address rate limits of one test never reach another.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import secrets
import shutil
import socket
import string
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests
from requests.adapters import HTTPAdapter

from deploy.cluster import Cluster, ClusterError, packages
from tests.conftest import require_service

HERE = Path(__file__).resolve().parent
PORTS_PER_CLUSTER = 6
_addresses = itertools.count(1)


def _asked_for(config: pytest.Config) -> bool:
    """Tell whether this run names tests/cluster (or a file in it), or asks for it by env."""
    if os.environ.get("INKSTONE_CLUSTER_TESTS") == "1":
        return True
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave the cluster tests out of a run that did not ask for them."""
    if collection_path.name.startswith("test_") and not _asked_for(config):
        return True
    return None


def _ephemeral_ports() -> range:
    """Return the ports the kernel hands to outgoing connections (32768-60999 by default)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)


def _free_port_block(count: int) -> int:
    """Return a port p with p … p+count-1 all free on 127.0.0.1, below the ephemeral range.

    Not inside it: while PostgreSQL or Redis is stopped, any of the many client connections
    made meanwhile may be given its port as its own end, and the restart could not listen.
    """
    top = min(_ephemeral_ports().start, 60000) - count
    for _ in range(200):
        base = random.randrange(10000, top)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return base
    raise RuntimeError("no free block of ports")


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """The running cluster (started once per session)."""
    gaps = packages.missing()
    require_service("the cluster", not gaps, f"{', '.join(gaps)} not installed")
    attached = os.environ.get("INKSTONE_CLUSTER_ROOT")
    if attached:
        running = Cluster(root=Path(attached))
        running.start()
        yield running
        return
    # In /tmp itself: PostgreSQL's own user must reach its folder (pytest's are private).
    root = Path(tempfile.mkdtemp(prefix="inkstone-cluster-"))
    started = Cluster(root=root, port=_free_port_block(PORTS_PER_CLUSTER))
    try:
        try:
            started.start()
        except ClusterError as error:
            pytest.fail(f"the cluster did not start: {error}", pytrace=False)
        yield started
    finally:
        started.stop()
        if request.session.testsfailed:
            print(f"\ncluster logs kept in {started.logs}")
        else:
            shutil.rmtree(root, ignore_errors=True)


class _FromAddress(HTTPAdapter):
    """Connections made from one loopback address (the whole of 127/8 is this machine)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def new_address() -> str:
    """Return a loopback address no other visitor of this session has used."""
    n = next(_addresses)
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


@pytest.fixture
def visitor() -> Iterator[Callable[[], requests.Session]]:
    """Make HTTP clients, each connecting from a loopback address of its own."""
    made: list[requests.Session] = []

    def make() -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # loopback: never through a proxy the environment names
        adapter = _FromAddress(new_address())
        session.mount("http://", adapter)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()


class Account(NamedTuple):
    """A person registered through the API, with their token."""

    username: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The API's authorization header for this person."""
        return {"Authorization": f"Token {self.token}"}


@pytest.fixture
def register(cluster: Cluster, visitor: Callable[[], requests.Session]) -> Callable[..., Account]:
    """Register a new person through nginx (from a fresh address); return their account."""

    def make(prefix: str = "c") -> Account:
        name = f"{prefix}{secrets.token_hex(5)}"
        password = f"Ink-{secrets.token_urlsafe(12)}-9z"
        email = f"{name}@example.com"
        answer = visitor().post(
            f"{cluster.address}/api/v1/users",
            json={"user": {"username": name, "email": email, "password": password}},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        return Account(name, email, password, answer.json()["user"]["token"])

    return make


# --------------------------------------------------------------------------- helpers


def csrf_token(page: str) -> str:
    """Return the CSRF token of the form on ``page``."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def api_login(client: requests.Session, base: str, email: str, password: str) -> Any:
    """POST the API's sign-in at ``base``."""
    return client.post(
        f"{base}/api/v1/users/login",
        json={"user": {"email": email, "password": password}},
        timeout=30,
    )


def a_word() -> str:
    """Return a made-up word no article contains yet."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
