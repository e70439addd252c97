"""Inkstone scaled out: two gunicorn hosts behind nginx, two workers, PostgreSQL and Redis.

Each test does what people do, through nginx (``cluster.address``) or through one host and
then the other (``cluster.hosts``): what one host writes or counts, the other sees at once.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from PIL import Image

from deploy.cluster import Cluster
from tests.cluster.conftest import Account, a_word, api_login, csrf_token

DEMO = {"email": "demo@inkstone.test", "password": "inkstone-demo"}
CAPTCHA_AFTER_FAILURES = 5  # the default of CAPTCHA_AFTER_FAILURES
ACCOUNT_LIMIT = 10  # failed sign-ins per account a minute (RATELIMIT_SIGNIN_ACCOUNT)
ADDRESS_LIMIT = 30  # sign-in attempts per client address a minute (RATELIMIT_SIGNIN)
MiB = 1024 * 1024
Visitor = Callable[[], requests.Session]


def sign_in_form(browser: requests.Session, base: str, email: str, password: str) -> Any:
    """Send the web sign-in form at ``base`` (fetching it first for its CSRF token)."""
    page = browser.get(f"{base}/login", timeout=30)
    assert page.status_code == 200
    return browser.post(
        f"{base}/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )


def create_article(client: requests.Session, base: str, account: Account, **fields: Any) -> Any:
    """Publish an article through the API at ``base``; return it."""
    article = {"title": f"Cluster {a_word()}", "description": "d", "body": "b", **fields}
    answer = client.post(
        f"{base}/api/v1/articles", json={"article": article}, headers=account.headers, timeout=30
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["article"]


# --------------------------------------------------------------------------- sessions, limits


def test_a_web_session_made_through_nginx_works_on_both_hosts(
    cluster: Cluster, visitor: Visitor, register: Callable[..., Account]
) -> None:
    person = register()
    browser = visitor()
    signed_in = sign_in_form(browser, cluster.address, person.email, person.password)
    assert signed_in.status_code == 302
    for host in cluster.hosts.values():
        settings = browser.get(f"{host}/settings", allow_redirects=False, timeout=30)
        assert settings.status_code == 200, f"signed out on {host}"
        assert person.email in settings.text
    # Signing out on one host signs out everywhere.
    hosts = list(cluster.hosts.values())
    home = browser.get(f"{hosts[0]}/settings", timeout=30)
    out = browser.post(
        f"{hosts[0]}/logout", data={"csrf_token": csrf_token(home.text)}, allow_redirects=False
    )
    assert out.status_code == 302
    assert browser.get(f"{hosts[1]}/settings", allow_redirects=False).status_code == 302


def test_failed_sign_ins_on_both_hosts_add_up_to_the_captcha(
    cluster: Cluster, visitor: Visitor, register: Callable[..., Account]
) -> None:
    person = register()
    browser = visitor()
    hosts = list(cluster.hosts.values())
    for attempt in range(CAPTCHA_AFTER_FAILURES):
        host = hosts[attempt % 2]
        failed = sign_in_form(browser, host, person.email, "not the password")
        assert failed.status_code == 200
        assert "Wrong email or password" in failed.text
        shown = 'name="captcha"' in failed.text
        assert shown == (attempt + 1 == CAPTCHA_AFTER_FAILURES), f"attempt {attempt + 1}"
    # The right password, on either host, now needs the captcha too.
    for host in hosts:
        refused = sign_in_form(browser, host, person.email, person.password)
        assert refused.status_code == 200
        assert 'name="captcha"' in refused.text
        assert browser.get(f"{host}/settings", allow_redirects=False).status_code == 302


def test_the_per_account_sign_in_limit_holds_across_hosts(
    cluster: Cluster, visitor: Visitor, register: Callable[..., Account]
) -> None:
    person = register()
    client = visitor()
    hosts = list(cluster.hosts.values())
    for attempt in range(ACCOUNT_LIMIT):
        failed = api_login(client, hosts[attempt % 2], person.email, "not the password")
        assert failed.status_code == 401, f"attempt {attempt + 1}: {failed.status_code}"
    # From anywhere, on either host, even with the right password: wait.
    for host in hosts:
        limited = api_login(visitor(), host, person.email, person.password)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0


def test_each_visitor_behind_nginx_is_limited_by_their_own_address(
    cluster: Cluster, visitor: Visitor
) -> None:
    """TRUSTED_PROXIES=1: the app sees each client's address, not nginx's, and no forgery."""
    noisy, other, forger = visitor(), visitor(), visitor()
    other_address = other.get_adapter("http://").address  # type: ignore[attr-defined]
    noisy_address = noisy.get_adapter("http://").address  # type: ignore[attr-defined]
    for attempt in range(ADDRESS_LIMIT):
        failed = api_login(noisy, cluster.address, f"nobody{attempt}-{a_word()}@example.com", "x")
        assert failed.status_code == 401, f"attempt {attempt + 1}: {failed.status_code}"
    assert api_login(noisy, cluster.address, "someone@example.com", "x").status_code == 429
    # Someone else, elsewhere, is not held up by it...
    assert api_login(other, cluster.address, "someone@example.com", "x").status_code == 401
    # ...and the noisy one cannot pass as them by sending X-Forwarded-For (nginx appends the
    # address it sees, and the app believes only that one).
    forged = noisy.post(
        f"{cluster.address}/api/v1/users/login",
        json={"user": {"email": "someone@example.com", "password": "x"}},
        headers={"X-Forwarded-For": other_address},
        timeout=30,
    )
    assert forged.status_code == 429
    # Nor can a third make themselves the noisy one's victim.
    framed = forger.post(
        f"{cluster.address}/api/v1/users/login",
        json={"user": {"email": "someone@example.com", "password": "x"}},
        headers={"X-Forwarded-For": noisy_address},
        timeout=30,
    )
    assert framed.status_code == 401


# --------------------------------------------------------------------------- shared state


def test_an_edit_through_one_host_is_read_through_the_other_at_once(
    cluster: Cluster, visitor: Visitor, register: Callable[..., Account]
) -> None:
    author = register()
    client, reader = visitor(), visitor()
    web1, web2 = cluster.hosts["web1"], cluster.hosts["web2"]
    first, second = f"first {a_word()}", f"second {a_word()}"
    slug = create_article(client, web1, author, body=first)["slug"]
    # Anonymous reads on web2 (which may now serve them from a cache).
    assert reader.get(f"{web2}/api/v1/articles/{slug}").json()["article"]["body"] == first
    assert first in reader.get(f"{web2}/article/{slug}").text
    updated = client.put(
        f"{web1}/api/v1/articles/{slug}",
        json={"article": {"body": second}},
        headers=author.headers,
        timeout=30,
    )
    assert updated.status_code == 200
    assert reader.get(f"{web2}/api/v1/articles/{slug}").json()["article"]["body"] == second
    page = reader.get(f"{web2}/article/{slug}").text
    assert second in page
    assert first not in page


def test_search_finds_what_was_just_published_on_the_other_host(
    cluster: Cluster, visitor: Visitor, register: Callable[..., Account]
) -> None:
    author = register()
    client = visitor()
    word = a_word()
    article = create_article(
        client, cluster.hosts["web1"], author, title=f"On {word}", body=f"All about {word}."
    )
    found = client.get(f"{cluster.hosts['web2']}/api/v1/search", params={"q": word}, timeout=30)
    assert found.status_code == 200
    assert [hit["slug"] for hit in found.json()["articles"]] == [article["slug"]]
    page = client.get(f"{cluster.address}/search", params={"q": word}, timeout=30)
    assert f"/article/{article['slug']}" in page.text


# --------------------------------------------------------------------------- jobs and files


def _events(response: requests.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield the (event, data) of a Server-Sent Events stream as each arrives."""
    buffer, event = "", ""
    for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
        buffer += chunk
        while "\n" in buffer:
            line, buffer = buffer.split("\n", 1)
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                yield event, json.loads(line[5:])


def test_job_progress_streams_through_nginx_as_it_happens(
    cluster: Cluster, visitor: Visitor
) -> None:
    client = visitor()
    token = api_login(client, cluster.address, **DEMO).json()["user"]["token"]
    headers = {"Authorization": f"Token {token}"}
    # Every published article as a PDF: seconds of work for a worker.
    asked = client.post(
        f"{cluster.address}/api/v1/exports",
        json={"export": {"format": "pdf", "scope": "all"}},
        headers=headers,
        timeout=30,
    )
    assert asked.status_code == 202
    job_id = asked.json()["job"]["id"]
    seen: list[tuple[str, str]] = []
    unfinished_when_first_seen = None
    with client.get(
        f"{cluster.address}/api/v1/jobs/{job_id}/events", headers=headers, stream=True, timeout=60
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        for event, data in _events(stream):
            seen.append((event, data["job"]["status"]))
            if unfinished_when_first_seen is None:
                # Read the job now through the other door: a buffered stream would show its
                # first event only once the job had finished.
                now = client.get(f"{cluster.address}/api/v1/jobs/{job_id}", headers=headers)
                unfinished_when_first_seen = now.json()["job"]["status"] in ("queued", "running")
            if event == "end":
                break
    assert seen[0][1] in ("queued", "running")
    assert unfinished_when_first_seen, seen
    assert seen[-1] == ("end", "succeeded")


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, format="PNG")
    return out.getvalue()


def test_an_upload_through_one_host_is_thumbnailed_and_served_through_the_other(
    cluster: Cluster, visitor: Visitor, register: Callable[..., Account]
) -> None:
    owner = register()
    client = visitor()
    web1, web2 = cluster.hosts["web1"], cluster.hosts["web2"]
    sent = client.post(
        f"{web1}/api/v1/uploads",
        files={"file": ("photo.png", _png(800, 600), "image/png")},
        headers=owner.headers,
        timeout=30,
    )
    assert sent.status_code == 201, sent.text
    upload_id = sent.json()["upload"]["id"]
    thumbnails: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while not thumbnails and time.monotonic() < deadline:
        read = client.get(f"{web2}/api/v1/uploads/{upload_id}", headers=owner.headers)
        thumbnails = read.json()["upload"]["thumbnails"]
        time.sleep(0.2)
    assert set(thumbnails) >= {"96", "400"}, "no worker made the thumbnails"
    small = thumbnails["96"]
    # web2 hands the file to nginx (X-Accel-Redirect) rather than sending it itself...
    direct = client.get(f"{web2}{small}", timeout=30)
    assert direct.status_code == 200
    assert direct.headers["X-Accel-Redirect"] == "/protected-media/" + small.rsplit("/", 1)[1]
    # ...and nginx sends it from the shared instance folder.
    served = client.get(f"{cluster.address}{small}", timeout=30)
    assert served.status_code == 200
    assert served.headers["Content-Type"].startswith("image/")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    assert max(Image.open(io.BytesIO(served.content)).size) == 96
    # The internal location is not reachable from outside.
    assert (
        client.get(f"{cluster.address}/protected-media/{small.rsplit('/', 1)[1]}").status_code
        == 404
    )


def test_nginx_takes_the_bodies_the_app_takes_and_lets_the_app_refuse_larger(
    cluster: Cluster, visitor: Visitor, register: Callable[..., Account]
) -> None:
    owner = register()
    client = visitor()
    largest = 20 * MiB  # MAX_ATTACHMENT_BYTES
    accepted = client.post(
        f"{cluster.address}/api/v1/uploads",
        files={"file": ("notes.txt", b"a" * largest, "text/plain")},
        headers=owner.headers,
        timeout=60,
    )
    assert accepted.status_code == 201, accepted.text[:300]
    assert accepted.json()["upload"]["size"] == largest
    refused = client.post(
        f"{cluster.address}/api/v1/uploads",
        files={"file": ("notes.txt", b"b" * (largest + MiB // 2), "text/plain")},
        headers=owner.headers,
        timeout=60,
    )
    # The app's answer (JSON naming the limit), not nginx's page.
    assert refused.status_code == 413
    assert refused.headers["Content-Type"].startswith("application/json")
    assert "20 MB" in json.dumps(refused.json())


def test_nginx_serves_the_static_files_with_a_long_cache_for_fingerprinted_urls(
    cluster: Cluster, visitor: Visitor
) -> None:
    client = visitor()
    home = client.get(cluster.address, timeout=30)
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]+)"', home.text)
    assert css, "the page links no fingerprinted stylesheet"
    sheet = client.get(f"{cluster.address}{css.group(1)}", timeout=30)
    assert sheet.status_code == 200
    assert sheet.headers["Content-Type"].startswith("text/css")
    assert sheet.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    source = Path(__file__).resolve().parents[2] / "src/inkstone/web/static/css/site.css"
    assert sheet.content == source.read_bytes()
    plain = client.get(f"{cluster.address}/static/css/site.css", timeout=30)
    assert "immutable" not in plain.headers["Cache-Control"]
    assert client.get(f"{cluster.address}/static/css/nothing-here.css").status_code == 404


# --------------------------------------------------------------------------- health, mail


def test_readyz_through_nginx_reports_database_redis_and_broker(
    cluster: Cluster, visitor: Visitor
) -> None:
    ready = visitor().get(f"{cluster.address}/readyz", timeout=30)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    assert (body["database"], body["redis"], body["broker"]) == ("ok", "ok", "ok")


def _mail_to(folder: Path, address: str, timeout: float = 30) -> email.message.EmailMessage:
    """Wait for the message a worker writes for ``address`` (MAIL_BACKEND=file); return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*")) if folder.exists() else []:
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not raw.strip():
                    continue
                message = email.message_from_bytes(raw, policy=email.policy.default)
                if address in str(message.get("To", "")):
                    return message  # type: ignore[return-value]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address} in {folder}")


def test_links_in_mail_point_at_the_site_address_whichever_host_was_asked(
    cluster: Cluster, visitor: Visitor
) -> None:
    name = f"m{a_word()}"
    address = f"{name}@example.com"
    signed_up = visitor().post(
        f"{cluster.hosts['web2']}/api/v1/users",  # asked of web2 directly, by its own address
        json={"user": {"username": name, "email": address, "password": f"Ink-{a_word()}-9z"}},
        timeout=30,
    )
    assert signed_up.status_code == 201
    message = _mail_to(cluster.instance / "mail", address)
    body = message.get_body(("plain",))
    assert body is not None
    links = re.findall(r"https?://\S+", body.get_content())
    assert links, "the confirmation mail has no link"
    for link in links:
        assert link.startswith(f"{cluster.address}/"), link
