"""The self-hosted captcha: its picture, and how an answer is checked and used up."""

from __future__ import annotations

import io

import pytest
from flask import session
from PIL import Image

from inkstone.auth import throttle as captcha
from tests.conftest import csrf_token, field_errors


@pytest.fixture
def text_is(monkeypatch):
    """Make the next pictures show ``text``."""

    def show(text):
        monkeypatch.setattr(captcha, "new_text", lambda: text)

    return show


@pytest.fixture
def request_ctx(app, db):
    """A request of one browser, with its (server-side) session."""
    with app.test_request_context("/login"):
        yield


def test_the_picture_is_a_fresh_png_never_cached(client):
    first = client.get("/captcha.png")
    second = client.get("/captcha.png")
    for response in (first, second):
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.headers["Cache-Control"] == "no-store"
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "PNG"
        assert image.size == (captcha.WIDTH, captcha.HEIGHT)
    assert first.data != second.data


def test_the_answer_is_not_in_the_session_in_clear(client, text_is):
    text_is("HK4MRX")
    client.get("/captcha.png")
    with client.session_transaction() as stored:
        assert "HK4MRX" not in repr(dict(stored)).upper()
        assert set(stored["captcha"]) == {"digest", "at"}


def test_new_texts_use_an_alphabet_without_look_alikes():
    texts = {captcha.new_text() for _ in range(300)}
    assert len(texts) > 250  # random
    assert {len(text) for text in texts} == {5, 6}
    used = set("".join(texts))
    assert used <= set(captcha.ALPHABET)
    assert not used & set("0O1IL2Z5S8B")


@pytest.mark.usefixtures("request_ctx")
def test_answers_ignore_case_and_spaces(text_is):
    text_is("AC3D7")
    captcha.new_challenge()
    assert captcha.solved(" ac3 d7 ")


@pytest.mark.usefixtures("request_ctx")
def test_an_answer_is_checked_once(text_is):
    text_is("AC3D7")
    captcha.new_challenge()
    assert not captcha.solved("WRONG")
    assert not captcha.solved("AC3D7")  # the picture was used up by the wrong answer
    captcha.new_challenge()
    assert captcha.solved("AC3D7")
    assert not captcha.solved("AC3D7")


@pytest.mark.usefixtures("request_ctx")
def test_a_discarded_picture_matches_nothing(text_is):
    text_is("AC3D7")
    captcha.new_challenge()
    captcha.discard()
    assert not captcha.solved("AC3D7")


@pytest.mark.usefixtures("request_ctx")
def test_only_the_latest_picture_counts(text_is):
    text_is("AAAAA")
    captcha.new_challenge()
    text_is("CCCCC")
    captcha.new_challenge()
    assert not captcha.solved("AAAAA")


@pytest.mark.usefixtures("request_ctx")
def test_without_a_picture_nothing_is_right():
    assert "captcha" not in session
    assert not captcha.solved("AC3D7")
    assert not captcha.solved("")
    assert not captcha.solved(None)


@pytest.mark.usefixtures("request_ctx")
def test_an_old_picture_is_refused(text_is):
    text_is("AC3D7")
    captcha.new_challenge()
    session["captcha"]["at"] -= captcha.CAPTCHA_TTL + 1
    assert not captcha.solved("AC3D7")


@pytest.mark.usefixtures("request_ctx")
def test_overlong_answers_are_refused_unhashed(text_is):
    text_is("AC3D7")
    captcha.new_challenge()
    assert not captcha.solved("AC3D7" + " " * captcha.ANSWER_MAX)


def test_the_sign_in_form_refuses_an_overlong_answer(client, make_user):
    make_user(email="reader@example.org")

    def login(**extra):
        data = {"csrf_token": csrf_token(client, "/login"), "email": "reader@example.org"}
        return client.post("/login", data={**data, "password": "wrong password", **extra})

    for _ in range(5):
        login()
    response = login(captcha="X" * 200)
    assert response.status_code == 200
    assert field_errors(response, "captcha") == ["Use at most 16 characters."]
