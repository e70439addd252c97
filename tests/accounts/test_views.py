"""Settings pages: where you are signed in, signing sessions out, the security log, deletion."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from inkstone.accounts import deletion
from inkstone.articles.models import PUBLISHED_ARTICLES, Article
from inkstone.auth import services as accounts
from inkstone.auth.audit import Event, list_events
from inkstone.auth.models import RoleName, User, UserSession, UserStatus
from inkstone.core.db import counters
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_token, field_errors, page_text, redirect_target

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
EMAIL = "writer@example.org"


@pytest.fixture
def browser(app, client):
    """Return a function giving a new browser (test client) with a User-Agent of its own."""

    def open_browser(user_agent):
        other = app.test_client()
        other.environ_base["HTTP_USER_AGENT"] = user_agent
        return other

    return open_browser


def _login(client, email=EMAIL, password=DEFAULT_PASSWORD, **extra):
    data = {"csrf_token": csrf_token(client, "/login"), "email": email, "password": password}
    response = client.post("/login", data={**data, **extra})
    assert response.status_code == 302, page_text(response)
    return response


def _signed_in(client):
    return client.get("/settings").status_code == 200


def _post(client, path, page="/settings/sessions", **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def _session_ids(app, user):
    with app.app_context():
        query = select(UserSession.id).where(UserSession.user_id == user.id)
        return set(db.session.scalars(query))


def _events(app, user, event):
    with app.app_context():
        return list_events(user=db.session.get(User, user.id), event=event)


def _two_browsers(app, browser, make_user, remember_second=False):
    """Sign the same user in on Firefox (first) and Chrome (second); return the pair and ids."""
    user = make_user(email=EMAIL)
    first, second = browser(FIREFOX_WINDOWS), browser(CHROME_MAC)
    _login(first)
    before = _session_ids(app, user)
    _login(second, **({"remember": "y"} if remember_second else {}))
    [second_id] = _session_ids(app, user) - before
    return user, first, second, second_id


def _forget_session_cookie(app, client):
    """Close the browser: the session cookie goes, a remember-me cookie stays."""
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])


# --------------------------------------------------------------------------- navigation


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/settings", "Profile"),
        ("/settings/sessions", "Sessions"),
        ("/settings/security", "Security log"),
        ("/settings/delete", "Delete account"),
    ],
)
def test_every_settings_page_has_the_tabs_with_the_current_one_marked(
    client, make_user, sign_in, path, current
):
    sign_in(client, make_user())
    page = page_text(client.get(path))
    nav = page[page.index('<nav class="mb-4" aria-label="Settings">') :]
    nav = nav[: nav.index("</nav>")]
    for href in ("/settings", "/settings/sessions", "/settings/security", "/settings/delete"):
        assert f'href="{href}"' in nav
    [marked] = re.findall(
        r'<a class="nav-link active"[^>]*aria-current="page">(.*?)</a>', nav, re.S
    )
    assert current in marked


@pytest.mark.parametrize("path", ["/settings/sessions", "/settings/security", "/settings/delete"])
def test_settings_pages_send_a_visitor_to_sign_in(client, path):
    assert redirect_target(client.get(path)).startswith("/login?next=")


# --------------------------------------------------------------------------- sessions


def test_sessions_page_lists_each_browser_with_this_device_first(app, browser, make_user):
    _user, first, _second, second_id = _two_browsers(app, browser, make_user, remember_second=True)
    page = page_text(first.get("/settings/sessions"))
    firefox, chrome = page.index("Firefox on Windows"), page.index("Chrome on macOS")
    assert firefox < chrome
    this_device = page[firefox:chrome]
    assert "This device" in this_device
    assert "Active now" in this_device
    assert "Remembered" not in this_device
    other = page[chrome:]
    assert "This device" not in other
    assert "Remembered" in other
    assert "127.0.0.1" in other
    assert "Last seen" in other
    assert f'action="/settings/sessions/{second_id}/end"' in other
    assert "Sign out everywhere else" in page


def test_signing_out_another_session_signs_that_browser_out_only(app, browser, make_user):
    user, first, second, second_id = _two_browsers(app, browser, make_user)
    response = _post(first, f"/settings/sessions/{second_id}/end")
    assert redirect_target(response) == "/settings/sessions"
    assert "That session was signed out." in page_text(first.get("/settings/sessions"))
    assert _signed_in(first)
    assert redirect_target(second.get("/settings")).startswith("/login")
    assert second_id not in _session_ids(app, user)
    [event] = _events(app, user, Event.SESSION_ENDED)
    assert event.detail["session"] == str(second_id)


def test_an_ended_sessions_remember_me_cookie_no_longer_signs_in(app, browser, make_user):
    _user, first, second, second_id = _two_browsers(app, browser, make_user, remember_second=True)
    assert second.get_cookie("remember_token") is not None
    _post(first, f"/settings/sessions/{second_id}/end")
    _forget_session_cookie(app, second)
    assert second.get_cookie("remember_token") is not None  # the browser still sends it
    assert redirect_target(second.get("/settings")).startswith("/login")
    assert "Sign in" in page_text(second.get("/"))


def test_a_remember_me_cookie_of_a_live_session_still_signs_in(app, browser, make_user):
    _user, _first, second, _second_id = _two_browsers(app, browser, make_user, remember_second=True)
    _forget_session_cookie(app, second)
    assert _signed_in(second)


def test_signing_out_this_session_from_the_list_signs_you_out(app, browser, make_user):
    user = make_user(email=EMAIL)
    only = browser(FIREFOX_WINDOWS)
    _login(only)
    [session_id] = _session_ids(app, user)
    response = _post(only, f"/settings/sessions/{session_id}/end")
    assert redirect_target(response) == "/"
    assert not _signed_in(only)


@pytest.mark.parametrize(
    "session_id", ["987654321", "9223372036854775808", "99999999999999999999999"]
)
def test_ending_an_unknown_session_is_not_found(client, make_user, sign_in, session_id):
    sign_in(client, make_user())
    response = _post(client, f"/settings/sessions/{session_id}/end")
    assert response.status_code == 404


def test_ending_another_users_session_is_not_found_and_leaves_it(app, browser, make_user, sign_in):
    victim = make_user(email=EMAIL)
    their_browser = browser(CHROME_MAC)
    _login(their_browser)
    [their_session] = _session_ids(app, victim)
    attacker = browser(FIREFOX_WINDOWS)
    sign_in(attacker, make_user())
    assert _post(attacker, f"/settings/sessions/{their_session}/end").status_code == 404
    assert _signed_in(their_browser)
    assert f"/settings/sessions/{their_session}/end" not in page_text(
        attacker.get("/settings/sessions")
    )


def test_ending_a_session_needs_a_csrf_token(app, browser, make_user):
    _user, first, second, second_id = _two_browsers(app, browser, make_user)
    assert first.post(f"/settings/sessions/{second_id}/end").status_code == 400
    assert first.get(f"/settings/sessions/{second_id}/end").status_code == 405
    assert _signed_in(second)


def test_sign_out_everywhere_else_keeps_this_browser_only(app, browser, make_user, auth_headers):
    user = make_user(email=EMAIL)
    first, second = browser(FIREFOX_WINDOWS), browser(CHROME_MAC)
    _login(first, remember="y")
    _login(second)
    headers = auth_headers(user)
    assert first.get("/api/v1/user", headers=headers).status_code == 200

    response = _post(first, "/settings/sessions/end-others")
    assert redirect_target(response) == "/settings/sessions"
    page = page_text(first.get("/settings/sessions"))
    assert "You were signed out everywhere else." in page
    assert "Chrome on macOS" not in page
    assert "Firefox on Windows" in page
    assert not _signed_in(second)
    assert first.get("/api/v1/user", headers=headers).status_code == 401
    # This browser was remembered, and still is: under its new session.
    _forget_session_cookie(app, first)
    assert _signed_in(first)
    assert len(_session_ids(app, user)) == 1
    [event] = _events(app, user, Event.SESSIONS_ENDED)
    assert event.detail == {"kept_current": True}


def test_sign_out_everywhere_signs_out_every_browser_and_token(
    app, browser, make_user, auth_headers
):
    user, first, second, _second_id = _two_browsers(app, browser, make_user, remember_second=True)
    headers = auth_headers(user)
    response = _post(first, "/settings/sessions/end-all")
    assert redirect_target(response) == "/login"
    assert "You were signed out everywhere" in page_text(first.get("/login"))
    assert not _signed_in(first)
    assert not _signed_in(second)
    _forget_session_cookie(app, second)
    assert not _signed_in(second)
    answer = first.get("/api/v1/user", headers=headers)
    assert answer.status_code == 401
    assert answer.get_json()["errors"] == {"token": ["token has been revoked"]}
    assert _session_ids(app, user) == set()
    [event] = _events(app, user, Event.SESSIONS_ENDED)
    assert event.detail == {"kept_current": False}


# --------------------------------------------------------------------------- security log


def test_security_log_tells_what_happened_with_ip_and_device(app, browser, make_user):
    user = make_user(email=EMAIL)
    admin = make_user(username="boss", role=RoleName.ADMIN)
    first = browser(FIREFOX_WINDOWS)
    data = {"csrf_token": csrf_token(first, "/login"), "email": EMAIL, "password": "wrong"}
    assert first.post("/login", data=data).status_code == 200
    _login(first)
    with app.app_context():
        accounts.set_roles(
            user=db.session.get(User, user.id),
            roles=[RoleName.MODERATOR],
            actor=db.session.get(User, admin.id),
        )
        db.session.commit()
    page = page_text(first.get("/settings/security"))
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]  # after the header row
    assert "Roles changed: author → moderator (by boss)" in rows[0]
    assert "Signed in" in rows[1]
    assert "Failed sign-in attempt" in rows[2]
    for row in rows[1:3]:
        assert "127.0.0.1" in row
        assert "Firefox on Windows" in row


def test_security_log_shows_only_your_own_events(client, app, make_user, sign_in):
    other = make_user(email="other@example.org")
    with app.app_context():
        accounts.set_status(user=db.session.get(User, other.id), status=UserStatus.SUSPENDED)
        db.session.commit()
    sign_in(client, make_user())
    page = page_text(client.get("/settings/security"))
    assert "Account status changed" not in page
    assert page.count("Account created") == 1  # yours, not theirs


def test_security_log_pages_go_back_in_time(client, app, make_user, sign_in):
    user = make_user()
    with app.app_context():
        fresh = db.session.get(User, user.id)
        for _ in range(51):
            accounts.set_status(user=fresh, status=UserStatus.SUSPENDED)
            accounts.set_status(user=fresh, status=UserStatus.ACTIVE)
        db.session.commit()
    sign_in(client, user)
    first = page_text(client.get("/settings/security"))
    assert 'href="/settings/security?page=2"' in first
    second = page_text(client.get("/settings/security?page=2"))
    assert 'href="/settings/security?page=1"' in second
    assert 'href="/settings/security?page=3"' in second
    for bad in ("4", "0", "-1", "x", "9" * 20):
        assert client.get(f"/settings/security?page={bad}").status_code == 404


# --------------------------------------------------------------------------- deletion


def _delete(client, password=DEFAULT_PASSWORD, content="keep"):
    data = {
        "csrf_token": csrf_token(client, "/settings/delete"),
        "password": password,
        "content": content,
    }
    return client.post("/settings/delete", data=data)


def test_delete_page_asks_for_the_password_and_what_becomes_of_the_writing(
    client, make_user, sign_in
):
    sign_in(client, make_user())
    page = page_text(client.get("/settings/delete"))
    assert 'type="password"' in page
    radios = re.findall(r'<input[^>]*name="content"[^>]*>', page)
    assert len(radios) == 2
    assert 'value="keep"' in radios[0]
    assert "checked" in radios[0]  # keeping the writing is what happens unless you choose
    assert 'value="remove"' in radios[1]
    assert "Delete my articles and comments too" in page


def test_a_wrong_password_deletes_nothing(app, client, make_user, sign_in):
    user = make_user()
    sign_in(client, user)
    response = _delete(client, password="not my password")
    assert response.status_code == 200
    assert field_errors(response, "password") == ["That is not your password."]
    assert _signed_in(client)
    with app.app_context():
        assert db.session.get(User, user.id).status == UserStatus.ACTIVE


def test_deletion_needs_a_csrf_token(app, client, make_user, sign_in):
    user = make_user()
    sign_in(client, user)
    response = client.post("/settings/delete", data={"password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).status == UserStatus.ACTIVE


def test_deleting_and_keeping_content_shows_it_under_deleted_user(
    app, client, browser, make_user, make_article
):
    user = make_user(username="leaving", email=EMAIL)
    article = make_article(user, title="Still worth reading")
    reader = make_user(email="reader@example.org")
    theirs = make_article(reader, title="A reply")
    first = browser(FIREFOX_WINDOWS)
    _login(first)
    comment = first.post(
        f"/article/{theirs.slug}/comments",
        data={"csrf_token": csrf_token(first, f"/article/{theirs.slug}"), "body": "I agree"},
    )
    assert comment.status_code == 302

    response = _delete(first)
    assert redirect_target(response) == "/"
    home = page_text(first.get("/"))
    assert "Your account was deleted." in home
    assert not _signed_in(first)

    for path in ("/", f"/article/{article.slug}", f"/article/{theirs.slug}"):
        page = page_text(client.get(path))
        assert "deleted user" in page
        assert "leaving" not in page
        assert f"deleted-{user.id}" not in page
    page = page_text(client.get(f"/article/{article.slug}"))
    assert "Still worth reading" in page
    banner = page[page.index('<header class="article-banner') :]
    banner = banner[: banner.index("</header>")]
    assert "deleted user" in banner
    assert "Follow" not in banner  # nobody to follow
    assert "/profile/" not in banner
    assert client.get("/profile/leaving").status_code == 404
    assert client.get(f"/profile/deleted-{user.id}").status_code == 404


def test_feeds_and_the_sitemap_name_no_deleted_author(
    app, client, browser, make_user, make_article
):
    user = make_user(username="leaving", email=EMAIL)
    article = make_article(user, title="Syndicated")
    first = browser(FIREFOX_WINDOWS)
    _login(first)
    assert client.get("/sitemap.xml").get_data(as_text=True).count("/profile/leaving") == 1
    _delete(first)
    atom = client.get("/feed.atom").get_data(as_text=True)
    entry = atom[atom.index("<entry>") :]
    assert article.slug in entry
    assert "<name>deleted user</name>" in entry
    assert "/profile/" not in entry
    assert "<dc:creator>deleted user</dc:creator>" in client.get("/feed.rss").get_data(as_text=True)
    assert "/profile/" not in client.get("/sitemap.xml").get_data(as_text=True)
    assert client.get(f"/profile/deleted-{user.id}/feed.atom").status_code == 404
    assert client.get("/profile/leaving/feed.atom").status_code == 404


def test_deleting_with_content_removes_the_articles(app, client, browser, make_user, make_article):
    user = make_user(email=EMAIL)
    article = make_article(user)
    with app.app_context():
        published = counters.read(PUBLISHED_ARTICLES)
    first = browser(FIREFOX_WINDOWS)
    _login(first)
    assert redirect_target(_delete(first, content="remove")) == "/"
    assert client.get(f"/article/{article.slug}").status_code == 404
    with app.app_context():
        assert db.session.get(Article, article.id) is None
        assert counters.read(PUBLISHED_ARTICLES) == published - 1


def test_deletion_signs_out_every_browser(app, browser, make_user):
    _user, first, second, _second_id = _two_browsers(app, browser, make_user, remember_second=True)
    assert redirect_target(_delete(first)) == "/"
    assert not _signed_in(second)
    _forget_session_cookie(app, second)
    assert not _signed_in(second)


def test_a_deleted_accounts_name_and_email_can_be_registered_again(app, client, browser, make_user):
    make_user(username="phoenix", email=EMAIL)
    first = browser(FIREFOX_WINDOWS)
    _login(first)
    _delete(first)
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "username": "phoenix",
        "email": EMAIL,
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
    }
    assert redirect_target(client.post("/register", data=data)) == "/"
    with app.app_context():
        again = db.session.scalar(select(User).where(User.email == EMAIL))
        assert again is not None
        assert again.username == "phoenix"


def test_a_deleted_users_guestbook_message_links_to_no_profile(client, browser, make_user):
    make_user(username="leaving", email=EMAIL)
    first = browser(FIREFOX_WINDOWS)
    _login(first)
    data = {"csrf_token": csrf_token(first, "/guestbook"), "name": "Lea", "body": "Bye all"}
    assert first.post("/guestbook", data=data).status_code == 302
    assert "/profile/leaving" in page_text(client.get("/guestbook"))
    _delete(first)
    page = page_text(client.get("/guestbook"))
    assert "Bye all" in page
    assert "Lea" in page
    assert "/profile/" not in page
    assert "@deleted-" not in page


def test_security_log_names_the_admin_who_acted_but_not_their_address(
    client, make_user, sign_in, auth_headers
):
    admin = make_user(username="boss", role=RoleName.ADMIN)
    user = make_user(username="worker")
    response = client.put(
        "/api/v1/users/worker/roles",
        json={"roles": ["moderator"]},
        headers=auth_headers(admin),
        environ_base={"REMOTE_ADDR": "10.9.8.7", "HTTP_USER_AGENT": "AdminTool/1.0"},
    )
    assert response.status_code == 200
    sign_in(client, user)
    text = page_text(client.get("/settings/security"))
    assert "Roles changed: author → moderator (by boss)" in text
    assert "10.9.8.7" not in text
    assert "AdminTool" not in text


def test_security_log_calls_an_admin_whose_account_went_deleted_user(
    app, client, make_user, sign_in
):
    admin = make_user(username="boss", role=RoleName.ADMIN)
    user = make_user(username="worker")
    with app.app_context():
        accounts.set_roles(
            user=db.session.get(User, user.id),
            roles=[RoleName.MODERATOR],
            actor=db.session.get(User, admin.id),
        )
        deletion.delete_account(user=db.session.get(User, admin.id), remove_content=False)
        db.session.commit()
    sign_in(client, user)
    text = page_text(client.get("/settings/security"))
    assert "Roles changed: author → moderator (by deleted user)" in text
    assert "boss" not in text
    assert f"deleted-{admin.id}" not in text
