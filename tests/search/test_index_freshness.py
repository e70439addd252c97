"""The index follows every write at once, and nothing out of public view is ever found.

Each change is made as a user makes it (the API, the back office's services) and searched
in the very next request, on the API and on the page.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from inkstone.accounts.deletion import delete_account
from inkstone.admin.services import change_status, reinstate
from inkstone.articles import services as article_services
from inkstone.articles.models import Article
from inkstone.articles.moderation import hide_article, restore_article
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.auth.services import update_user
from inkstone.extensions import db
from inkstone.search.backends import backend
from inkstone.search.documents import Document, person_document


def api_titles(client, q: str, headers=None, **filters: str) -> set[str]:
    response = client.get("/api/v1/search", query_string={"q": q, **filters}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["articlesCount"] == len(response.json["articles"])
    return {article["title"] for article in response.json["articles"]}


_RESULT = re.compile(r'<li class="search-result[^"]*">\s*<h2[^>]*><a href="/article/([^"]+)"')
_PERSON = re.compile(r'<a class="fw-semibold" href="/profile/([^"]+)"')


def page_slugs(client, q: str, **filters: str) -> set[str]:
    """Return the slugs of the articles the search page lists for ``q``."""
    response = client.get("/search", query_string={"q": q, **filters})
    assert response.status_code == 200
    return set(_RESULT.findall(response.get_data(as_text=True)))


def page_people(client, path: str, q: str) -> set[str]:
    """Return the usernames a search page (``/search`` or ``/search/people``) lists."""
    response = client.get(path, query_string={"q": q})
    assert response.status_code == 200
    return set(_PERSON.findall(response.get_data(as_text=True)))


def people(client, q: str) -> set[str]:
    response = client.get("/api/v1/search/people", query_string={"q": q})
    assert response.status_code == 200
    return {profile["username"] for profile in response.json["profiles"]}


def index_rows(app, table: str = "search_articles") -> int:
    with app.app_context():
        return int(db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)


def post(client, headers, **fields):
    article = {"title": "Untitled", "description": "", "body": "Body.", **fields}
    response = client.post("/api/v1/articles", json={"article": article}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["article"]["slug"]


def put(client, headers, slug, **fields):
    response = client.put(f"/api/v1/articles/{slug}", json={"article": fields}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["article"]["slug"]


@pytest.fixture
def author(make_user):
    return make_user("penwright", bio="Writes about quokkas.")


@pytest.fixture
def headers(author, auth_headers):
    return auth_headers(author)


# --------------------------------------------------------------------------- articles


def test_a_published_article_is_found_in_the_very_next_request(client, headers):
    assert api_titles(client, "marmalade") == set()
    slug = post(client, headers, title="Marmalade at dawn", tagList=["breakfast"])
    assert api_titles(client, "marmalade") == {"Marmalade at dawn"}
    assert page_slugs(client, "marmalade") == {slug}
    assert api_titles(client, "breakfast") == {"Marmalade at dawn"}


def test_a_draft_is_found_once_it_is_published(client, headers):
    slug = post(client, headers, title="Quiet draft", body="Tangerine thoughts.", published=False)
    assert api_titles(client, "tangerine", headers) == set()  # not even by its author
    put(client, headers, slug, published=True)
    assert api_titles(client, "tangerine") == {"Quiet draft"}


@pytest.mark.parametrize(
    ("field", "old", "new", "old_word", "new_word"),
    [
        ("title", "Walrus anatomy", "Narwhal anatomy", "walrus", "narwhal"),
        ("description", "About walruses", "About narwhals", "walrus", "narwhal"),
        ("body", "The walrus sleeps.", "The narwhal sings.", "walrus", "narwhal"),
        ("tagList", ["walrus"], ["narwhal"], "walrus", "narwhal"),
    ],
)
def test_an_edit_is_found_by_its_new_words_and_not_its_old(
    client, headers, field, old, new, old_word, new_word
):
    slug = post(client, headers, **{"title": "Sea mammals", field: old})
    assert api_titles(client, old_word) != set()
    slug = put(client, headers, slug, **{field: new})  # a new title gives a new slug
    assert api_titles(client, new_word) != set()
    assert api_titles(client, old_word) == set()
    assert page_slugs(client, old_word) == set()
    assert page_slugs(client, new_word) == {slug}


def test_an_edited_title_changes_what_the_result_shows(client, headers):
    slug = post(client, headers, title="Badger habits", body="Setts.")
    put(client, headers, slug, title="Otter habits")
    (article,) = client.get("/api/v1/search?q=habits").json["articles"]
    assert article["title"] == "Otter habits"


def test_an_unpublished_or_deleted_article_is_gone_at_once(client, headers):
    first = post(client, headers, title="Gone soon", body="Persimmon.")
    second = post(client, headers, title="Deleted soon", body="Persimmon.")
    assert api_titles(client, "persimmon") == {"Gone soon", "Deleted soon"}
    put(client, headers, first, published=False)
    assert api_titles(client, "persimmon") == {"Deleted soon"}
    assert client.delete(f"/api/v1/articles/{second}", headers=headers).status_code == 204
    assert api_titles(client, "persimmon") == set()
    assert page_slugs(client, "persimmon") == set()
    put(client, headers, first, published=True)  # published again: back
    assert api_titles(client, "persimmon") == {"Gone soon"}


def test_a_hidden_article_is_gone_and_a_restored_one_is_back(
    app, client, author, make_user, make_article
):
    moderator = make_user("moderator", role=RoleName.MODERATOR)
    article = make_article(author, title="Contested claims", body="Pomegranate.")
    assert api_titles(client, "pomegranate") == {"Contested claims"}
    with app.app_context():
        hide_article(
            article=db.session.get(Article, article.id),
            actor=db.session.get(User, moderator.id),
            reason="Spam",
        )
        db.session.commit()
    assert api_titles(client, "pomegranate") == set()
    with app.app_context():
        restore_article(
            article=db.session.get(Article, article.id), actor=db.session.get(User, moderator.id)
        )
        db.session.commit()
    assert api_titles(client, "pomegranate") == {"Contested claims"}


# --------------------------------------------------------------------------- people


def test_a_renamed_author_s_articles_are_found_by_the_new_name_only(
    client, author, headers, make_article
):
    make_article(author, title="Field notes", body="Lichens.")
    make_article(author, title="More field notes", body="Mosses.")
    assert api_titles(client, "penwright") == {"Field notes", "More field notes"}
    response = client.put("/api/v1/user", json={"user": {"username": "inkwell"}}, headers=headers)
    assert response.status_code == 200, response.json
    assert api_titles(client, "inkwell") == {"Field notes", "More field notes"}
    assert api_titles(client, "penwright") == set()
    assert api_titles(client, "notes", author="inkwell") == {"Field notes", "More field notes"}
    assert api_titles(client, "notes", author="penwright") == set()
    assert people(client, "inkwell") == {"inkwell"}
    assert people(client, "penwright") == set()


def test_a_bio_change_is_followed_by_people_search(client, author, headers):
    assert people(client, "quokkas") == {"penwright"}
    response = client.put(
        "/api/v1/user", json={"user": {"bio": "Now I study axolotls."}}, headers=headers
    )
    assert response.status_code == 200
    assert people(client, "axolotl") == {"penwright"}
    assert people(client, "quokkas") == set()


def test_a_newly_registered_person_is_found_at_once(client):
    user = {
        "username": "freshface",
        "email": "fresh@example.org",
        "password": "a long passphrase 12",
    }
    assert client.post("/api/v1/users", json={"user": user}).status_code == 201
    assert people(client, "freshface") == {"freshface"}


def test_a_suspended_person_is_gone_and_back_when_reinstated(app, client, author, make_user):
    admin = make_user("chief", role=RoleName.ADMIN)
    assert people(client, "quokkas") == {"penwright"}
    with app.app_context():
        change_status(
            user=db.session.get(User, author.id),
            status=UserStatus.SUSPENDED,
            actor=db.session.get(User, admin.id),
        )
        db.session.commit()
    assert people(client, "quokkas") == set()
    assert people(client, "penwright") == set()
    assert page_people(client, "/search/people", "penwright") == set()
    with app.app_context():
        reinstate(user=db.session.get(User, author.id), actor=db.session.get(User, admin.id))
        db.session.commit()
    assert people(client, "quokkas") == {"penwright"}


def test_a_deleted_account_s_kept_articles_no_longer_carry_the_name(
    app, client, author, make_article
):
    make_article(author, title="Kept essay", body="Cormorants.")
    with app.app_context():
        delete_account(user=db.session.get(User, author.id), remove_content=False)
        db.session.commit()
    assert people(client, "penwright") == set()
    assert api_titles(client, "penwright") == set()
    assert api_titles(client, "cormorants") == {"Kept essay"}  # the content stays public


def test_a_deleted_account_s_removed_articles_are_gone(app, client, author, make_article):
    make_article(author, title="Removed essay", body="Pelicans.")
    with app.app_context():
        delete_account(user=db.session.get(User, author.id), remove_content=True)
        db.session.commit()
    assert api_titles(client, "pelicans") == set()


# --------------------------------------------------------------------------- rolled back


def test_a_rolled_back_publish_leaves_nothing_indexed(app, client, author):
    before = index_rows(app)
    with app.app_context():
        article_services.create_article(
            author=db.session.get(User, author.id),
            title="Never happened",
            description="",
            body="Rambutan.",
            tag_list=["ghost"],
            published=True,
        )
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # a later commit in the same context delivers nothing either
    assert index_rows(app) == before
    assert api_titles(client, "rambutan") == set()
    assert api_titles(client, "ghost") == set()


def test_a_rolled_back_edit_leaves_the_old_words_indexed(app, client, author, make_article):
    article = make_article(author, title="Stable title", body="Durian.")
    with app.app_context():
        article_services.update_article(
            article=db.session.get(Article, article.id),
            actor=db.session.get(User, author.id),
            changes={"title": "Changed title", "body": "Lychee."},
        )
        db.session.flush()
        db.session.rollback()
    assert api_titles(client, "durian") == {"Stable title"}
    assert api_titles(client, "lychee") == set()


def test_a_rolled_back_bio_change_leaves_people_search_as_it_was(app, client, author):
    with app.app_context():
        user = db.session.get(User, author.id)
        update_user(user=user, changes={"bio": "Secretly loves wombats."})
        db.session.flush()
        db.session.rollback()
    assert people(client, "wombats") == set()
    assert people(client, "quokkas") == {"penwright"}


# --------------------------------------------------------------------------- never a leak

SECRET = {"title": "Secret zeppelin plans", "body": "Quince marmot.", "tagList": ["ultraviolet"]}
# Every way an article is out of public view: never published, or taken out of it.
HOW = ["a draft", "unpublished by its author", "hidden by a moderator", "deleted"]


def _out_of_view(app, client, headers, moderator, how: str) -> str:
    """Write the secret article and take it out of view ``how``; return its slug."""
    if how == "a draft":
        return post(client, headers, **SECRET, published=False)
    slug = post(client, headers, **SECRET)
    assert api_titles(client, "zeppelin") == {SECRET["title"]}
    if how == "unpublished by its author":
        put(client, headers, slug, published=False)
    elif how == "hidden by a moderator":
        with app.app_context():
            article = db.session.scalar(db.select(Article).where(Article.slug == slug))
            actor = db.session.get(User, moderator.id)
            hide_article(article=article, actor=actor, reason="Off topic")
            db.session.commit()
    else:
        assert client.delete(f"/api/v1/articles/{slug}", headers=headers).status_code == 204
    return slug


def _stale_document(app, article_id: int) -> None:
    """Write the article's words into the index again, as a lagging index might hold them."""
    with app.app_context():
        connection = db.session.connection()
        store = backend(connection)
        document = Document(
            article_id,
            {
                "title": "Secret zeppelin plans",
                "description": "",
                "body": "Quince marmot.",
                "tags": "ultraviolet",
                "author": "penwright",
            },
        )
        store.write_articles(connection, store.article_rows([document]))
        db.session.commit()


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("stale", [False, True], ids=["index-current", "index-stale"])
def test_an_article_out_of_public_view_is_never_found(
    app, client, author, headers, make_user, make_article, how, stale
):
    moderator = make_user("warden", role=RoleName.MODERATOR)
    make_article(author, title="Harmless other post", body="Nothing to see.")
    slug = _out_of_view(app, client, headers, moderator, how)
    if stale:
        with app.app_context():
            found = db.session.scalar(db.select(Article.id).where(Article.slug == slug))
        _stale_document(app, found if found is not None else 10**9)
    queries = ("zeppelin", "secret zeppelin", '"zeppelin plans"', "quince", "marmot", "zeppel*")
    for q in (*queries, "ultraviolet"):
        assert api_titles(client, q) == set(), q
        assert api_titles(client, q, headers) == set(), q  # not even to its author
        assert page_slugs(client, q) == set(), q
    assert api_titles(client, "penwright") == {"Harmless other post"}
    assert api_titles(client, "post", author="penwright") == {"Harmless other post"}
    assert api_titles(client, "zeppelin", tag="ultraviolet") == set()
    assert slug not in page_slugs(client, "penwright")
    assert page_slugs(client, "zeppelin", tag="ultraviolet", author="penwright") == set()


def test_a_suspended_person_in_a_stale_index_is_never_found(app, client, author, make_user):
    admin = make_user("chief", role=RoleName.ADMIN)
    with app.app_context():
        user = db.session.get(User, author.id)
        change_status(user=user, status=UserStatus.SUSPENDED, actor=db.session.get(User, admin.id))
        db.session.commit()
        connection = db.session.connection()
        backend(connection).put_people(connection, [person_document(user)])
        db.session.commit()
    assert people(client, "penwright") == set()
    assert people(client, "quokkas") == set()
    assert page_people(client, "/search", "penwright") == set()
    assert page_people(client, "/search/people", "quokkas") == set()
