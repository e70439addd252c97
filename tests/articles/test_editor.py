"""The editor: write, preview, save a draft, publish, edit; who may; what is refused."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from inkstone.articles.models import Article
from inkstone.auth.models import RoleName
from inkstone.extensions import db
from tests.conftest import count_rows, csrf_token, field_errors, page_text, redirect_target

EDITOR_JS = Path(__file__).resolve().parents[2] / "src/inkstone/web/static/js/editor.js"


def _buttons(response):
    """Return the ``action`` values of the editor's submit buttons, in order."""
    return re.findall(r'<button type="submit" name="action" value="(\w+)"', page_text(response))


def _article(**fields):
    return {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to *believe*.",
        "tags": "dragons, training",
        **fields,
    }


def _submit(client, action, path="/editor", **fields):
    data = {"csrf_token": csrf_token(client, path), "action": action, **_article(**fields)}
    return client.post(path, data=data)


def _stored(app, slug):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        if article is not None:
            _ = article.tags
        return article


@pytest.fixture
def author(make_user, client, sign_in):
    user = make_user(username="writer")
    sign_in(client, user)
    return user


# --------------------------------------------------------------------------- the page


def test_the_editor_asks_a_visitor_to_sign_in(client):
    location = urlsplit(redirect_target(client.get("/editor")))
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/editor"]


def test_the_editor_has_labelled_fields_buttons_and_its_script(client, author):
    response = client.get("/editor")
    assert response.status_code == 200
    page = page_text(response)
    for name in ("title", "description", "body", "tags"):
        assert re.search(rf'<label class="form-label" for="{name}">', page), name
    assert 'name="tags"' in page
    assert "data-tag-input" in page
    assert _buttons(response) == ["draft", "preview", "schedule", "publish"]  # Enter saves a draft
    assert re.search(
        r'<script nonce="[^"]+" src="/static/js/editor\.js\?v=\w+" type="module"></script>', page
    )
    assert re.search(r'<link rel="stylesheet" href="/static/css/editor\.css\?v=\w+">', page)
    assert 'data-preview-url="/editor/preview"' in page


def test_a_reader_without_the_write_permission_cannot_open_the_editor(client, make_user, sign_in):
    sign_in(client, make_user(role=RoleName.READER))
    assert client.get("/editor").status_code == 403


# --------------------------------------------------------------------------- saving


def test_publish_creates_the_article_and_shows_it(client, app, author):
    response = _submit(client, "publish")
    assert redirect_target(response) == "/article/how-to-train-your-dragon"
    stored = _stored(app, "how-to-train-your-dragon")
    assert stored.published is True
    assert stored.author_id == author.id
    assert sorted(t.name for t in stored.tags) == ["dragons", "training"]
    page = client.get("/article/how-to-train-your-dragon")
    assert "Your article is published." in page_text(page)
    assert "<em>believe</em>" in page.get_data(as_text=True)
    assert "How to train your dragon" in page_text(client.get("/"))


def test_save_draft_then_publish_from_the_editor(client, app, author, make_user, sign_in):
    response = _submit(client, "draft", tags="wip")
    assert redirect_target(response) == "/article/how-to-train-your-dragon"
    assert _stored(app, "how-to-train-your-dragon").published is False
    assert "Only you can see it." in page_text(client.get("/article/how-to-train-your-dragon"))
    assert "How to train your dragon" not in page_text(client.get("/"))
    edit = client.get("/editor/how-to-train-your-dragon")
    assert _buttons(edit) == ["draft", "preview", "schedule", "publish"]
    assert 'value="wip"' in edit.get_data(as_text=True)
    # saving the draft again keeps it a draft
    _submit(client, "draft", "/editor/how-to-train-your-dragon", body="Still writing")
    stored = _stored(app, "how-to-train-your-dragon")
    assert stored.published is False
    assert stored.body == "Still writing"
    response = _submit(client, "publish", "/editor/how-to-train-your-dragon")
    assert redirect_target(response) == "/article/how-to-train-your-dragon"
    assert _stored(app, "how-to-train-your-dragon").published is True
    assert "How to train your dragon" in page_text(client.get("/"))


def test_update_a_published_article_with_a_new_title(client, app, author, make_article):
    make_article(author, title="Old title", tag_list=["a", "b"])
    edit = client.get("/editor/old-title")
    assert _buttons(edit) == ["update", "preview"]
    page = edit.get_data(as_text=True)
    assert 'value="Old title"' in page
    assert 'value="a, b"' in page
    response = _submit(client, "update", "/editor/old-title", title="New title", tags="c")
    assert redirect_target(response) == "/article/new-title"
    stored = _stored(app, "new-title")
    assert stored.published is True
    assert [t.name for t in stored.tags] == ["c"]
    assert "Your article is updated." in page_text(client.get("/article/new-title"))


def test_someone_else_cannot_edit_an_article(client, app, author, make_user, make_article, sign_in):
    other = make_user(username="other")
    make_article(other, title="Not yours")
    assert client.get("/editor/not-yours").status_code == 403
    response = _submit(client, "update", "/editor/not-yours", title="Hijacked")
    assert response.status_code == 403
    assert _stored(app, "not-yours").title == "Not yours"
    # another's draft does not exist for this author
    make_article(other, title="Their draft", published=False)
    assert client.get("/editor/their-draft").status_code == 404


def test_editing_an_unknown_article_is_not_found(client, author):
    assert client.get("/editor/nothing-here").status_code == 404


def test_saving_without_a_csrf_token_is_refused(client, app, author):
    response = client.post("/editor", data={"action": "publish", **_article()})
    assert response.status_code == 400
    with app.app_context():
        assert count_rows(Article) == 0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"title": "   "}, "title", "Give the article a title."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters."),
        ({"description": "d" * 501}, "description", "Use at most 500 characters."),
        ({"body": ""}, "body", "Write something first."),
        ({"tags": ", ".join(f"t{i}" for i in range(11))}, "tags", "Use at most 10 tags."),
        ({"tags": "ok, " + "y" * 41}, "tags", "A tag can be at most 40 characters long"),
    ],
)
def test_invalid_input_is_shown_on_the_field(client, app, author, fields, name, message):
    response = _submit(client, "publish", **fields)
    assert response.status_code == 422
    errors = field_errors(response, name)
    assert errors
    assert errors[0].startswith(message), errors
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert "Please correct the marked fields." in page_text(response)
    with app.app_context():
        assert count_rows(Article) == 0


def test_ten_tags_duplicates_and_spaces_are_fine(client, app, author):
    tags = ", ".join(f"t{i}" for i in range(10)) + ", T0,  , t1 "
    assert _submit(client, "publish", tags=tags).status_code == 302
    assert len(_stored(app, "how-to-train-your-dragon").tags) == 10


def test_the_editor_keeps_what_was_typed_when_it_refuses(client, author):
    response = _submit(client, "publish", title="", body="Keep **me**", tags="x, y")
    page = response.get_data(as_text=True)
    assert "Keep **me**" in page
    assert 'value="x, y"' in page


# --------------------------------------------------------------------------- preview


def test_the_preview_button_renders_the_body_without_saving(client, app, author):
    body = "**Bold** <script>alert(1)</script> <img src=x onerror=alert(2)>"
    response = _submit(client, "preview", title="", body=body)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    pane = page[page.index('id="preview-pane"') :]
    pane = pane[: pane.index("</section>")]
    assert "<strong>Bold</strong>" in pane
    assert "<script" not in pane
    assert "onerror" not in pane
    assert "alert(1)" not in pane
    assert "Give the article a title." not in page  # a preview is not a save
    with app.app_context():
        assert count_rows(Article) == 0


def _preview(client, body, *, token=True):
    headers = {"X-CSRFToken": csrf_token(client, "/editor")} if token else {}
    return client.post("/editor/preview", data={"body": body}, headers=headers)


def test_the_preview_endpoint_returns_sanitised_html(client, author):
    response = _preview(
        client, "# Hi\n\n<script>alert(1)</script>[x](javascript:alert(1)) <b onclick=x>b</b>"
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<h1>Hi</h1>" in page
    assert "<b>b</b>" in page
    assert "<script" not in page
    assert "onclick" not in page
    assert 'href="javascript:' not in page


def test_the_preview_endpoint_needs_a_csrf_token_and_a_signed_in_user(client, make_user, sign_in):
    token = csrf_token(client)
    visitor = client.post("/editor/preview", data={"body": "x"}, headers={"X-CSRFToken": token})
    assert visitor.status_code == 401
    sign_in(client, make_user())
    assert _preview(client, "x", token=False).status_code == 400


def test_the_preview_endpoint_refuses_a_body_over_the_limit(client, author):
    assert _preview(client, "x" * 100_001).status_code == 413
    assert _preview(client, "").get_data(as_text=True) == ""


# --------------------------------------------------------------------------- editor.js


def test_editor_js_is_a_small_module_without_dependencies():
    source = EDITOR_JS.read_text(encoding="utf-8")
    assert "import " not in source
    assert "require(" not in source
    assert "X-CSRFToken" in source
    assert "/editor/preview" not in source  # URL from the page
    assert 'input.type = "hidden"' in source  # the real field keeps the comma-separated value
    assert len(source.splitlines()) < 300


def test_a_save_without_a_known_button_keeps_a_draft(client, app, author):
    response = _submit(client, "")
    assert redirect_target(response) == "/article/how-to-train-your-dragon"
    assert _stored(app, "how-to-train-your-dragon").published is False
