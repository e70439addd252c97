"""``flask articles render``: stored HTML brought up to the current renderer, in batches."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from inkstone.articles import markdown, services
from inkstone.articles.models import Article
from inkstone.extensions import db


def _stored(app):
    """Return ``{title: (body_html, body_html_version, updated_at)}`` of every article."""
    with app.app_context():
        rows = db.session.execute(
            select(Article.title, Article.body_html, Article.body_html_version, Article.updated_at)
        )
        return {title: (html, version, updated) for title, html, version, updated in rows}


def _make_stale(app, *titles, html="<p>old</p>", version=0):
    with app.app_context():
        db.session.execute(
            update(Article)
            .where(Article.title.in_(titles))
            .values(body_html=html, body_html_version=version, updated_at=Article.updated_at)
        )
        db.session.commit()


@pytest.fixture
def shelf(app, make_user, make_article):
    """Five articles (one a draft) with **bold** bodies, all freshly rendered."""
    author = make_user()
    for n in range(5):
        make_article(author, title=f"Shelf {n}", body=f"**bold {n}**", published=n != 4)
    return author


def test_render_stores_html_only_where_it_is_missing_or_stale(app, cli_runner, shelf):
    _make_stale(app, "Shelf 0", html=None)
    _make_stale(app, "Shelf 1", "Shelf 4")  # an older renderer's HTML (Shelf 4 is a draft)
    before = _stored(app)

    result = cli_runner.invoke(args=["articles", "render"])

    assert result.exit_code == 0, result.output
    assert f"Rendered 3 articles (renderer version {markdown.RENDER_VERSION})." in result.output
    after = _stored(app)
    for n in range(5):
        html, version, updated = after[f"Shelf {n}"]
        assert html == f"<p><strong>bold {n}</strong></p>\n"
        assert version == markdown.RENDER_VERSION
        assert updated == before[f"Shelf {n}"][2]  # rendering is not an edit

    again = cli_runner.invoke(args=["articles", "render"])
    assert again.exit_code == 0, again.output
    assert "Rendered 0 articles" in again.output


def test_render_all_renders_every_article(app, cli_runner, shelf):
    result = cli_runner.invoke(args=["articles", "render", "--all"])
    assert result.exit_code == 0, result.output
    assert "Rendered 5 articles" in result.output


def test_a_new_renderer_version_makes_every_article_stale(app, cli_runner, shelf, monkeypatch):
    monkeypatch.setattr(markdown, "RENDER_VERSION", markdown.RENDER_VERSION + 1)
    result = cli_runner.invoke(args=["articles", "render", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Rendered 5 articles" in result.output
    assert {version for _, version, _ in _stored(app).values()} == {markdown.RENDER_VERSION}


def test_render_says_one_article_in_the_singular(app, cli_runner, shelf):
    _make_stale(app, "Shelf 2")
    result = cli_runner.invoke(args=["articles", "render"])
    assert "Rendered 1 article (" in result.output


@pytest.mark.parametrize("size", ["0", "-1", "many"])
def test_render_refuses_a_bad_batch_size(cli_runner, size):
    result = cli_runner.invoke(args=["articles", "render", "--batch-size", size])
    assert result.exit_code == 2
    assert "--batch-size" in result.output


@pytest.mark.usefixtures("app_ctx")
def test_the_service_works_in_batches_of_plain_rows(shelf, count_queries):
    db.session.execute(
        update(Article).values(body_html=None, body_html_version=0, updated_at=Article.updated_at)
    )
    batches: list[int] = []
    with count_queries() as log:
        total = services.render_stale_bodies(batch_size=2, after_batch=batches.append)
    assert total == 5
    assert batches == [2, 2, 1]
    reads = [sql for sql in log if sql.startswith("SELECT")]
    assert len(reads) == 3  # one read per batch; the short last batch ends the walk
    assert all("LIMIT" in sql for sql in reads)
    stale = select(Article.id).where(Article.body_html_version != markdown.RENDER_VERSION)
    assert db.session.scalars(stale).all() == []
