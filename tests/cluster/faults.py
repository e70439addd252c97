"""What the fault tests share: asking while something is broken, counting what came back.

Used by ``test_faults.py``: people who use the site (an author, a signed-in reader, two
visitors with a form open) and one round of everything they do; each answer with its status,
Retry-After and time taken; and which gunicorn host served a request, read from its log.
"""

from __future__ import annotations

import collections
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import requests

from deploy.cluster import Cluster
from tests.cluster.conftest import Account

Visitor = Callable[[], requests.Session]
Register = Callable[..., Account]
OUTAGE_SECONDS = 10.0
# Not a performance figure: an answer slower than this during an outage is a request held on
# a dead service (kombu retrying for ever, a socket without a timeout).
ANSWER_WITHIN = 5.0
JOB_TIMEOUT = 60.0  # recovery (JOB_RECOVER_SECONDS, 15 s) or the outbox (20 s), then the run
FINISHED = ("succeeded", "failed", "cancelled")


def figure(text: str) -> None:
    """Print one measured figure for the issue note."""
    print(f"FIGURE {text}")


def csrf_token(page: str) -> str:
    """Return the CSRF token of the form on ``page``."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Answer(NamedTuple):
    """One request during a fault: what it asked, what came back, when and how fast."""

    label: str
    status: int | str  # an HTTP status, or the name of the connection error
    retry_after: str | None
    began: float
    seconds: float
    request_id: str | None = None
    body: str = ""


def ask(label: str, call: Callable[..., requests.Response], url: str, **options: Any) -> Answer:
    """Make one request (never following redirects); a connection error is an answer too."""
    began = time.monotonic()
    try:
        response = call(url, allow_redirects=False, timeout=10, **options)
    except requests.RequestException as error:
        return Answer(label, type(error).__name__, None, began, time.monotonic() - began)
    headers = response.headers
    return Answer(
        label,
        response.status_code,
        headers.get("Retry-After"),
        began,
        time.monotonic() - began,
        headers.get("X-Request-ID"),
        response.text,
    )


def tally(answers: Iterable[Answer]) -> dict[str, dict[int | str, int]]:
    """Count the statuses of each kind of request."""
    counts: dict[str, collections.Counter[int | str]] = {}
    for answer in answers:
        counts.setdefault(answer.label, collections.Counter())[answer.status] += 1
    return {label: dict(counter) for label, counter in counts.items()}


def check(answers: list[Answer], expected: dict[str, set[int]]) -> None:
    """No 500, no hang; each kind of request got only what it should; every 503 says when."""
    assert answers
    for answer in answers:
        assert answer.status in expected[answer.label], answer._replace(body=answer.body[:300])
        assert answer.seconds < ANSWER_WITHIN, answer._replace(body="")
        if answer.status == 503:
            assert answer.retry_after == "5", answer._replace(body="")


def served_by(cluster: Cluster, request_ids: Iterable[str | None]) -> dict[str, str]:
    """Return which host (web1, web2) logged each of ``request_ids``.

    nginx gives every request an id (X-Request-ID), the app logs it with the request and
    sends it back: the logs tell where each request went, with no header naming the host.
    """
    wanted, found = {i for i in request_ids if i}, {}
    for host in cluster.hosts:
        for line in (cluster.logs / f"{host}.log").read_text(errors="replace").splitlines():
            if '"request_id"' in line:
                try:
                    request_id = json.loads(line).get("request_id")
                except ValueError:
                    continue
                if request_id in wanted:
                    found[request_id] = host
    return found


def export(cluster: Cluster, client: requests.Session, person: Account) -> int:
    """Ask for a CSV export of ``person``'s articles through nginx; return its job id."""
    asked = client.post(
        f"{cluster.address}/api/v1/exports",
        json={"export": {"format": "csv"}},
        headers=person.headers,
        timeout=30,
    )
    assert asked.status_code == 202, asked.text
    return int(asked.json()["job"]["id"])


def finished_job(cluster: Cluster, client: requests.Session, person: Account, job_id: int) -> str:
    """Poll the job through nginx until it has finished; return its status."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        url = f"{cluster.address}/api/v1/jobs/{job_id}"
        status = str(client.get(url, headers=person.headers, timeout=30).json()["job"]["status"])
        if status in FINISHED:
            return status
        assert time.monotonic() < deadline, f"job {job_id} still {status}"
        time.sleep(0.25)


class People(NamedTuple):
    """Who uses the site while a service is away, each with what they had before."""

    author: Account
    api: requests.Session
    reader: requests.Session  # signed in on the web before the outage
    signing_in: tuple[requests.Session, str]  # a sign-in form open (its CSRF token)
    signing_up: tuple[requests.Session, str]  # a sign-up form open
    anonymous: requests.Session
    slugs: list[str]  # the author's articles


def people(cluster: Cluster, visitor: Visitor, register: Register, articles: int = 1) -> People:
    """Register an author with articles, sign a reader in, open the forms of two others."""
    author, api, reader = register("fault"), visitor(), visitor()
    slugs = []
    for n in range(articles):
        article = {"title": f"Kept {n} {secrets.token_hex(4)}", "description": "d", "body": "b"}
        written = api.post(
            f"{cluster.address}/api/v1/articles",
            json={"article": article},
            headers=author.headers,
            timeout=30,
        )
        assert written.status_code == 201, written.text
        slugs.append(written.json()["article"]["slug"])
    page = reader.get(f"{cluster.address}/login", timeout=30)
    form = {"csrf_token": csrf_token(page.text), "email": author.email}
    signed_in = reader.post(
        f"{cluster.address}/login", data={**form, "password": author.password}, timeout=30
    )
    assert signed_in.status_code == 200, signed_in.text[:300]
    forms = []
    for path in ("/login", "/register"):
        browser = visitor()
        forms.append((browser, csrf_token(browser.get(cluster.address + path, timeout=30).text)))
    return People(author, api, reader, forms[0], forms[1], visitor(), slugs)


ROUND_SECONDS = 0.5  # people try again about every half second during an outage


def round_of_requests(cluster: Cluster, who: People) -> list[Answer]:
    """Everything people do, once: read, sign in, sign up, use the API with a token.

    Takes at least ``ROUND_SECONDS``: 20 rounds in an outage keep each visitor under its
    per-address sign-in and sign-up limits (30), which would rightly answer 429 instead.
    """
    started = time.monotonic()
    site, author = cluster.address, who.author
    password = f"Ink-{secrets.token_urlsafe(10)}-9z"
    web_name, api_name = f"w{secrets.token_hex(5)}", f"a{secrets.token_hex(5)}"
    web_newcomer = {"username": web_name, "email": f"{web_name}@example.com", "password": password}
    newcomer = {"username": api_name, "email": f"{api_name}@example.com", "password": password}
    signing_in, in_token = who.signing_in
    signing_up, up_token = who.signing_up
    credentials = {"email": author.email, "password": author.password}
    sign_in_form = {"csrf_token": in_token, **credentials}
    sign_up_form = {"csrf_token": up_token, **web_newcomer, "confirm": password}
    who.anonymous.cookies.clear()  # a visitor who never signed in
    answers = [
        ask("anonymous home", who.anonymous.get, f"{site}/"),
        ask("anonymous article", who.anonymous.get, f"{site}/article/{who.slugs[0]}"),
        ask("API article list", who.anonymous.get, f"{site}/api/v1/articles"),
        ask("signed-in page", who.reader.get, f"{site}/settings"),
        ask("web sign-in", signing_in.post, f"{site}/login", data=sign_in_form),
        ask("web sign-up", signing_up.post, f"{site}/register", data=sign_up_form),
        ask("API sign-in", who.api.post, f"{site}/api/v1/users/login", json={"user": credentials}),
        ask("API sign-up", who.api.post, f"{site}/api/v1/users", json={"user": newcomer}),
        ask("API as a token holder", who.api.get, f"{site}/api/v1/user", headers=author.headers),
    ]  # fmt: skip
    time.sleep(max(0.0, started + ROUND_SECONDS - time.monotonic()))
    return answers


def write(cluster: Cluster, who: People, title: str, label: str = "API new article") -> Answer:
    """Publish an article titled ``title`` through the API."""
    article = {"title": title, "description": "d", "body": "b"}
    url = f"{cluster.address}/api/v1/articles"
    return ask(label, who.api.post, url, json={"article": article}, headers=who.author.headers)
