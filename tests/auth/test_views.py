"""Account pages: sign in, sign up, sign out and settings, as a browser uses them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import func, select

from inkstone.auth.models import User, UserStatus
from inkstone.auth.passwords import verify_password
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_token, field_errors, page_text, redirect_target

WRONG_LOGIN = "Wrong email or password."
NEW_PASSWORD = "a much longer new password"


def _login(client, email, password=DEFAULT_PASSWORD, next_=None, **extra):
    url = "/login" + (f"?next={quote(next_, safe='')}" if next_ is not None else "")
    data = {"csrf_token": csrf_token(client, "/login"), "email": email, "password": password}
    return client.post(url, data={**data, **extra})


def _register(client, username="newcomer", email="newcomer@example.org", next_=None, **extra):
    url = "/register" + (f"?next={quote(next_, safe='')}" if next_ is not None else "")
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "username": username,
        "email": email,
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
    }
    return client.post(url, data={**data, **extra})


def _settings_form(user, **changes):
    """Return the settings form as the page fills it for ``user``, with ``changes``."""
    return {
        "image": user.image or "",
        "username": user.username,
        "bio": user.bio,
        "email": user.email,
        "locale": user.locale or "",
        "timezone": user.timezone or "",
        "new_password": "",
        "confirm_password": "",
        "current_password": "",
        **changes,
    }


def _save_settings(client, user, **changes):
    data = {"csrf_token": csrf_token(client, "/settings"), **_settings_form(user, **changes)}
    return client.post("/settings", data=data)


def _reload(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        _ = user.roles
        db.session.expunge(user)
        return user


def _is_signed_in(client):
    return client.get("/settings").status_code == 200


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize(
    ("path", "heading", "other_link"),
    [("/login", "Sign in", 'href="/register"'), ("/register", "Sign up", 'href="/login"')],
)
def test_sign_in_and_sign_up_pages_render_labelled_forms(client, path, heading, other_link):
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<title>{heading} · Inkstone</title>" in page
    assert f'<h1 class="h2 text-center mb-1">{heading}</h1>' in page
    assert other_link in page
    assert 'type="email"' in page
    assert 'autocomplete="email"' in page
    for control in re.findall(r'<input[^>]*type="(?:email|password|text)"[^>]*>', page):
        control_id = re.search(r'id="([^"]+)"', control).group(1)
        assert f'<label class="form-label" for="{control_id}">' in page
        assert "required" in control
        assert "maxlength=" in control or 'name="confirm"' in control


def test_register_page_asks_for_a_new_password_and_login_for_the_current_one(client):
    assert 'autocomplete="new-password"' in client.get("/register").get_data(as_text=True)
    login_page = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="current-password"' in login_page
    assert 'name="remember"' in login_page
    assert "Remember me" in login_page


def test_links_between_sign_in_and_sign_up_keep_a_safe_next(client):
    page = client.get("/login?next=/editor").get_data(as_text=True)
    assert 'href="/register?next=/editor"' in page
    assert 'action="/login?next=/editor"' in page
    page = client.get("/register?next=//evil.example").get_data(as_text=True)
    assert 'action="/register"' in page
    assert 'href="/login"' in page


def test_settings_page_renders_every_setting(client, make_user, sign_in):
    user = make_user(bio="I write about tea", locale="zh_CN", timezone="Asia/Shanghai")
    sign_in(client, user)
    response = client.get("/settings")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("image", "username", "bio", "email", "locale", "timezone"):
        assert f'for="{name}"' in page
        assert f'name="{name}"' in page
    for name in ("new_password", "confirm_password", "current_password"):
        assert f'for="{name}"' in page
    assert 'type="url"' in page
    assert "I write about tea</textarea>" in page
    assert re.search(r'<option[^>]*selected[^>]*value="zh_CN">简体中文</option>', page)
    assert re.search(r'<option[^>]*selected[^>]*value="Asia/Shanghai"', page)
    assert '<option value="">' in page  # "follow my browser" / "use my browser's time zone"
    assert 'action="/logout"' in page


# --------------------------------------------------------------------------- register


def test_register_signs_the_new_user_in(app, client):
    response = _register(client, username="Newcomer", email="NewComer@Example.org")
    assert redirect_target(response) == "/"
    home = client.get("/")
    page = page_text(home)
    assert "Welcome to Inkstone, Newcomer!" in page
    assert "Newcomer" in page
    assert "Sign out" in page
    assert _is_signed_in(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "Newcomer"))
        assert user is not None
        assert user.email == "newcomer@example.org"
        # Until the mailed link is followed (tests/auth/test_recovery.py).
        assert user.status == UserStatus.UNVERIFIED
        assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_register_accepts_a_chinese_username(app, client):
    assert redirect_target(_register(client, username="小明", email="xiaoming@example.org")) == "/"
    assert "小明" in page_text(client.get("/settings"))


def test_register_follows_a_safe_next(client):
    assert redirect_target(_register(client, next_="/editor")) == "/editor"


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [
        ("TAKEN", "fresh@example.org", "username"),
        ("fresh", "Taken@Example.org", "email"),
    ],
)
def test_register_shows_a_taken_username_or_email_on_its_field(
    app, client, make_user, username, email, field
):
    make_user(username="taken", email="taken@example.org")
    response = _register(client, username=username, email=email)
    assert response.status_code == 200
    message = {
        "username": "This username is taken. Please choose another one.",
        "email": "An account with this email address already exists.",
    }[field]
    assert field_errors(response, field) == [message]
    assert not _is_signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"confirm": "something else"}, "confirm", "The two passwords differ."),
        ({"password": "short", "confirm": "short"}, "password", "Use between 8 and 128"),
        ({"username": "no spaces"}, "username", "Use only letters, digits"),
        ({"username": "x" * 41}, "username", "Use at most 40 characters."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"email": ""}, "email", "Enter your email address."),
    ],
)
def test_register_explains_invalid_input(app, client, changes, field, message):
    response = _register(client, **changes)
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors
    assert errors[0].startswith(message)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_register_without_a_csrf_token_is_refused(app, client):
    data = {"username": "x", "email": "x@example.org", "password": "p" * 10, "confirm": "p" * 10}
    assert client.post("/register", data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


# --------------------------------------------------------------------------- sign in


def test_login_signs_in_and_goes_home(app, client, make_user):
    user = make_user(email="reader@example.org")
    response = _login(client, " Reader@Example.org ")
    assert redirect_target(response) == "/"
    page = page_text(client.get("/"))
    assert f"Welcome back, {user.username}!" in page
    assert _is_signed_in(client)
    assert _reload(app, user.id).last_login_at is not None


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_user):
    make_user(email="reader@example.org")
    unknown = _login(client, "nobody@example.org")
    wrong = _login(client, "reader@example.org", password="not the password")
    for response in (unknown, wrong):
        assert response.status_code == 200
        assert WRONG_LOGIN in page_text(response)
        assert 'class="alert alert-danger"' in response.get_data(as_text=True)
    assert not _is_signed_in(client)


def test_a_failed_login_keeps_the_email_but_never_echoes_the_password(client, make_user):
    response = _login(client, "someone@example.org", password="secret-attempt")
    page = response.get_data(as_text=True)
    assert 'value="someone@example.org"' in page
    assert "secret-attempt" not in page


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.DELETED])
def test_a_suspended_or_deleted_user_cannot_sign_in(client, make_user, status):
    make_user(email="banned@example.org", status=status.value)
    response = _login(client, "banned@example.org")
    assert response.status_code == 200
    assert WRONG_LOGIN in page_text(response)
    assert not _is_signed_in(client)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "/\r\nLocation: https://evil.example",
        "/\tevil",
    ],
)
def test_next_never_leads_off_site(client, make_user, target):
    make_user(email="reader@example.org")
    response = _login(client, "reader@example.org", next_=target)
    assert redirect_target(response) == "/"


def test_next_within_the_site_is_followed(client, make_user):
    make_user(email="reader@example.org")
    assert redirect_target(_login(client, "reader@example.org", next_="/editor")) == "/editor"


def test_a_signed_in_user_visiting_sign_in_or_sign_up_goes_home(client, make_user, sign_in):
    sign_in(client, make_user())
    assert redirect_target(client.get("/login")) == "/"
    assert redirect_target(client.get("/register")) == "/"
    assert redirect_target(client.get("/login?next=/editor")) == "/editor"


def test_remember_me_sets_a_cookie_for_thirty_days(client, make_user):
    make_user(email="reader@example.org")
    _login(client, "reader@example.org")
    assert client.get_cookie("remember_token") is None
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    _login(client, "reader@example.org", remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only
    lifetime = cookie.expires - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30)


def test_login_without_a_csrf_token_is_refused(client, make_user):
    make_user(email="reader@example.org")
    data = {"email": "reader@example.org", "password": DEFAULT_PASSWORD}
    assert client.post("/login", data=data).status_code == 400
    assert not _is_signed_in(client)


# --------------------------------------------------------------------------- sign out


def test_logout_is_post_only(client, make_user, sign_in):
    sign_in(client, make_user())
    assert client.get("/logout").status_code == 405
    assert _is_signed_in(client)


def test_logout_without_a_csrf_token_is_refused_and_keeps_you_signed_in(client, make_user, sign_in):
    sign_in(client, make_user())
    response = client.post("/logout")
    assert response.status_code == 400
    assert "This form has expired" in page_text(response)
    assert _is_signed_in(client)


def test_logout_signs_out(client, make_user):
    user = make_user(email="reader@example.org")
    _login(client, "reader@example.org", remember="y")
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert redirect_target(response) == "/"
    page = page_text(client.get("/"))
    assert "You have signed out." in page
    assert user.username not in page
    assert client.get_cookie("remember_token") is None
    assert not _is_signed_in(client)


# --------------------------------------------------------------------------- settings


def test_settings_needs_a_signed_in_user(client):
    response = client.get("/settings")
    location = redirect_target(response)
    assert urlsplit(location).path == "/login"
    assert parse_qs(urlsplit(location).query)["next"] == ["/settings"]
    assert "Please sign in to see this page." in page_text(client.get(location))


def test_settings_save_the_profile(app, client, make_user, sign_in):
    user = make_user(username="before")
    sign_in(client, user)
    response = _save_settings(
        client,
        user,
        username="after",
        bio="I write about tea.",
        image="https://img.example.org/me.png",
    )
    assert redirect_target(response) == "/settings"
    page = page_text(client.get("/settings"))
    assert "Your settings were saved." in page
    assert 'value="after"' in page
    assert 'src="https://img.example.org/me.png"' in page
    saved = _reload(app, user.id)
    assert (saved.username, saved.bio, saved.image) == (
        "after",
        "I write about tea.",
        "https://img.example.org/me.png",
    )


def test_settings_clear_the_avatar_and_bio(app, client, make_user, sign_in):
    user = make_user(bio="old bio", image="https://img.example.org/old.png")
    sign_in(client, user)
    _save_settings(client, user, bio="", image="")
    saved = _reload(app, user.id)
    assert (saved.bio, saved.image) == ("", None)


@pytest.mark.parametrize(
    "image",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://example.org/a.png", "/x.png"],
)
def test_settings_accept_only_http_avatar_addresses(app, client, make_user, sign_in, image):
    user = make_user()
    sign_in(client, user)
    response = _save_settings(client, user, image=image)
    assert response.status_code == 200
    assert field_errors(response, "image") == [
        "Enter an address starting with http:// or https://."
    ]
    assert _reload(app, user.id).image is None


def test_settings_change_the_email_with_the_current_password(app, client, make_user, sign_in):
    user = make_user(email="old@example.org")
    sign_in(client, user)
    response = _save_settings(
        client, user, email="New@Example.org", current_password=DEFAULT_PASSWORD
    )
    assert redirect_target(response) == "/settings"
    # The new address waits for its confirmation link (tests/auth/test_recovery.py).
    saved = _reload(app, user.id)
    assert (saved.email, saved.pending_email) == ("old@example.org", "new@example.org")


def test_settings_refuse_an_email_change_without_the_current_password(
    app, client, make_user, sign_in
):
    user = make_user(email="old@example.org")
    sign_in(client, user)
    response = _save_settings(client, user, email="new@example.org")
    assert response.status_code == 200
    assert field_errors(response, "current_password") == [
        "Enter your current password to change your email address or password."
    ]
    assert _reload(app, user.id).email == "old@example.org"


def test_settings_refuse_a_password_change_with_a_wrong_current_password(
    app, client, make_user, sign_in
):
    user = make_user()
    sign_in(client, user)
    response = _save_settings(
        client,
        user,
        bio="changed too",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
        current_password="not my password",
    )
    assert response.status_code == 200
    assert field_errors(response, "current_password") == ["That is not your current password."]
    saved = _reload(app, user.id)
    assert verify_password(saved.password_hash, DEFAULT_PASSWORD)
    assert saved.bio == ""


def test_settings_change_the_password(app, client, make_user, sign_in):
    user = make_user(email="reader@example.org")
    sign_in(client, user)
    response = _save_settings(
        client,
        user,
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
        current_password=DEFAULT_PASSWORD,
    )
    assert redirect_target(response) == "/settings"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert WRONG_LOGIN in page_text(_login(client, "reader@example.org"))
    assert redirect_target(_login(client, "reader@example.org", password=NEW_PASSWORD)) == "/"


def test_settings_check_the_new_password_twice(app, client, make_user, sign_in):
    user = make_user()
    sign_in(client, user)
    response = _save_settings(
        client,
        user,
        new_password=NEW_PASSWORD,
        confirm_password="something else",
        current_password=DEFAULT_PASSWORD,
    )
    assert field_errors(response, "confirm_password") == ["The two passwords differ."]
    assert verify_password(_reload(app, user.id).password_hash, DEFAULT_PASSWORD)


def test_settings_show_a_taken_username_on_its_field(app, client, make_user, sign_in):
    make_user(username="taken")
    user = make_user(username="mine")
    sign_in(client, user)
    response = _save_settings(client, user, username="TAKEN")
    assert response.status_code == 200
    assert field_errors(response, "username") == [
        "This username is taken. Please choose another one."
    ]
    # The navigation bar still shows the name that is saved.
    assert 'href="/profile/mine"' in response.get_data(as_text=True)
    assert _reload(app, user.id).username == "mine"


def test_the_language_setting_wins_over_cookie_and_browser(app, client, make_user, sign_in):
    user = make_user()
    sign_in(client, user)
    client.set_cookie("locale", "en")
    headers = {"Accept-Language": "en-US,en;q=0.9"}
    assert '<html lang="en"' in client.get("/", headers=headers).get_data(as_text=True)
    response = _save_settings(client, user, locale="zh_CN")
    assert redirect_target(response) == "/settings"
    assert '<html lang="zh-CN"' in client.get("/settings", headers=headers).get_data(as_text=True)
    assert _reload(app, user.id).locale == "zh_CN"
    # Back to "follow my browser": the cookie and Accept-Language decide again.
    _save_settings(client, _reload(app, user.id), locale="")
    assert '<html lang="en"' in client.get("/", headers=headers).get_data(as_text=True)
    assert _reload(app, user.id).locale is None


def test_any_valid_time_zone_name_is_accepted_and_shown(app, client, make_user, sign_in):
    user = make_user()
    sign_in(client, user)
    assert 'value="PRC"' not in client.get("/settings").get_data(as_text=True)
    assert redirect_target(_save_settings(client, user, timezone="PRC")) == "/settings"
    assert _reload(app, user.id).timezone == "PRC"
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="PRC"', page)


def test_the_time_zone_setting_is_saved(app, client, make_user, sign_in):
    user = make_user()
    sign_in(client, user)
    assert redirect_target(_save_settings(client, user, timezone="Asia/Shanghai")) == "/settings"
    assert _reload(app, user.id).timezone == "Asia/Shanghai"
    _save_settings(client, _reload(app, user.id), timezone="")
    assert _reload(app, user.id).timezone is None


@pytest.mark.parametrize(("field", "value"), [("timezone", "Mars/Olympus"), ("locale", "xx")])
def test_settings_refuse_an_unknown_language_or_time_zone(
    app, client, make_user, sign_in, field, value
):
    user = make_user()
    sign_in(client, user)
    response = _save_settings(client, user, **{field: value})
    assert response.status_code == 200
    assert field_errors(response, field)
    saved = _reload(app, user.id)
    assert (saved.locale, saved.timezone) == (None, None)


def test_settings_cannot_set_role_or_status(app, client, make_user, sign_in):
    user = make_user(status=UserStatus.UNVERIFIED.value)
    sign_in(client, user)
    data = {
        "csrf_token": csrf_token(client, "/settings"),
        **_settings_form(user, bio="hello"),
        "role": "admin",
        "roles": "admin",
        "status": "active",
        "articles_count": "999",
    }
    assert redirect_target(client.post("/settings", data=data)) == "/settings"
    saved = _reload(app, user.id)
    assert saved.bio == "hello"
    assert saved.status == UserStatus.UNVERIFIED
    assert saved.role_names == {"author"}
    assert saved.articles_count == 0


def test_settings_without_a_csrf_token_are_refused(app, client, make_user, sign_in):
    user = make_user()
    sign_in(client, user)
    assert client.post("/settings", data=_settings_form(user, bio="x")).status_code == 400
    assert _reload(app, user.id).bio == ""


# --------------------------------------------------------------------------- rate limits


@pytest.fixture
def limited_app(make_limited_app):
    """An app with small sign-in and sign-up limits (these tests only read)."""
    return make_limited_app(RATELIMIT_SIGNIN="3/minute", RATELIMIT_REGISTER="2/hour")


def test_sign_in_attempts_are_limited_with_a_429_page(limited_app):
    client = limited_app.test_client()
    data = {
        "csrf_token": csrf_token(client, "/login"),
        "email": "nobody@example.org",
        "password": "wrong password",
    }
    for _ in range(3):
        assert WRONG_LOGIN in page_text(client.post("/login", data=data))
    response = client.post("/login", data=data)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many requests" in page_text(response)
    assert int(response.headers["Retry-After"]) > 0
    # Reading the form is not limited.
    for _ in range(5):
        assert client.get("/login").status_code == 200


def test_sign_up_attempts_are_limited(limited_app):
    client = limited_app.test_client()
    data = {"csrf_token": csrf_token(client, "/register"), "username": "bad name"}
    for _ in range(2):  # invalid forms count too, and write nothing
        assert client.post("/register", data=data).status_code == 200
    assert client.post("/register", data=data).status_code == 429
