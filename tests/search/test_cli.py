"""``flask search status`` and ``flask search reindex``: an operator sees and repairs the index."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from inkstone.admin.services import change_status
from inkstone.articles.models import Article
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.extensions import db
from inkstone.jobs.models import Job
from inkstone.search.backends import backend
from inkstone.search.documents import Document, person_document

_STATUS = re.compile(
    r"backend: +(?P<backend>\S+)\n"
    r"articles: +(?P<articles>\d+) indexed of (?P<published>\d+) published\n"
    r"people: +(?P<people>\d+)\n"
    r"size: +[\d.]+ MiB \((?P<size>\d+) bytes\)\n"
    r"last update: +(?P<updated>.+)\n"
)


def status(cli_runner) -> dict[str, str]:
    result = cli_runner.invoke(args=["search", "status"])
    assert result.exit_code == 0, result.output
    match = _STATUS.fullmatch(result.output)
    assert match, result.output
    return match.groupdict()


def reindex(cli_runner, *options: str) -> str:
    result = cli_runner.invoke(args=["search", "reindex", *options])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def found(client, q: str) -> set[str]:
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    return {article["title"] for article in response.json["articles"]}


def people(client, q: str) -> set[str]:
    response = client.get("/api/v1/search/people", query_string={"q": q})
    assert response.status_code == 200
    return {profile["username"] for profile in response.json["profiles"]}


def empty_the_index(app) -> None:
    """Lose every document, as a restored backup or a failed first build would."""
    with app.app_context():
        db.session.execute(text("DELETE FROM search_articles"))
        db.session.execute(text("DELETE FROM search_people"))
        db.session.commit()


@pytest.fixture
def library(make_user, make_article):
    """Two people, two published articles and a draft."""
    ada = make_user("ada", bio="Analytical engines.")
    make_user("grace", bio="Compilers and cobol.")
    make_article(ada, title="Notes on the engine", body="Bernoulli numbers.")
    make_article(ada, title="Looms and cards", body="Punched cards.")
    make_article(ada, title="Unfinished draft", body="Bernoulli again.", published=False)
    return ada


def test_status_shows_backend_counts_size_and_last_update(app, cli_runner, library):
    shown = status(cli_runner)
    with app.app_context():
        expected = backend(db.session.connection()).name
    assert shown["backend"] == expected
    assert expected in ("sqlite-fts5", "postgresql-tsvector")
    assert (shown["articles"], shown["published"], shown["people"]) == ("2", "2", "2")
    assert int(shown["size"]) > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*", shown["updated"])


def test_status_of_an_empty_site_says_never(cli_runner, db):
    shown = status(cli_runner)
    assert (shown["articles"], shown["published"], shown["people"]) == ("0", "0", "0")
    assert shown["updated"] == "never"


@pytest.mark.parametrize(
    "options",
    [(), ("--fresh",), ("--workers", "1"), ("--fresh", "--workers", "1"), ("--workers", "2")],
    ids=["in-place", "fresh", "one-worker", "fresh-one-worker", "two-workers"],
)
def test_reindex_restores_an_emptied_index(app, client, cli_runner, library, options):
    empty_the_index(app)
    assert found(client, "bernoulli") == set()
    assert people(client, "compilers") == set()
    assert status(cli_runner)["articles"] == "0"
    output = reindex(cli_runner, *options)
    assert "Indexed 2 articles and 2 people in" in output
    assert found(client, "bernoulli") == {"Notes on the engine"}  # never the draft
    assert found(client, "cards") == {"Looms and cards"}
    assert found(client, "ada") == {"Notes on the engine", "Looms and cards"}
    assert people(client, "compilers") == {"grace"}
    shown = status(cli_runner)
    assert (shown["articles"], shown["published"], shown["people"]) == ("2", "2", "2")


def test_reindex_prunes_documents_no_longer_public(app, client, cli_runner, library, make_user):
    admin = make_user("root", role=RoleName.ADMIN)
    with app.app_context():
        draft = db.session.scalar(select(Article).where(Article.title == "Unfinished draft"))
        grace = db.session.scalar(select(User).where(User.username == "grace"))
        change_status(user=grace, status=UserStatus.SUSPENDED, actor=db.session.get(User, admin.id))
        db.session.commit()
        # documents a lagging index might still hold: a draft's and a suspended person's
        connection = db.session.connection()
        store = backend(connection)
        stale = Document(draft.id, {"title": draft.title, "description": "", "body": "x",
                                    "tags": "", "author": "ada"})  # fmt: skip
        store.write_articles(connection, store.article_rows([stale]))
        store.put_people(connection, [person_document(grace)])
        db.session.commit()
    before = status(cli_runner)
    assert (before["articles"], before["people"]) == ("3", "3")  # ada, root and grace
    assert found(client, "unfinished") == set()  # hidden from readers all along
    reindex(cli_runner, "--workers", "1")
    after = status(cli_runner)
    assert (after["articles"], after["published"], after["people"]) == ("2", "2", "2")


def test_reindex_if_empty_leaves_a_filled_index_alone(app, client, cli_runner, library):
    with app.app_context():
        db.session.execute(
            text(
                "DELETE FROM search_articles WHERE "
                + ("article_id" if db.engine.dialect.name == "postgresql" else "rowid")
                + " = :id"
            ),
            {"id": db.session.scalar(select(Article.id).where(Article.title == "Looms and cards"))},
        )
        db.session.commit()
    assert reindex(cli_runner, "--if-empty") == ""
    assert found(client, "cards") == set()  # not empty: left as it is
    empty_the_index(app)
    assert "Indexed 2 articles and 2 people" in reindex(cli_runner, "--if-empty", "--workers", "1")
    assert found(client, "cards") == {"Looms and cards"}


def test_reindex_if_empty_does_nothing_without_published_articles(cli_runner, make_user):
    make_user("lonely")
    assert reindex(cli_runner, "--if-empty") == ""
    assert status(cli_runner)["articles"] == "0"


@pytest.mark.parametrize("options", [(), ("--fresh",)], ids=["in-place", "fresh"])
def test_reindex_in_the_background_runs_a_job_to_the_end(app, client, cli_runner, library, options):
    empty_the_index(app)
    output = reindex(cli_runner, "--background", *options)
    match = re.fullmatch(r"Queued job (\d+): follow it in the back office's Jobs\.\n", output)
    assert match, output
    with app.app_context():
        job = db.session.get(Job, int(match.group(1)))
        assert job.kind == "search.reindex"
        assert job.status == "succeeded", (job.status, job.error)
        assert job.progress == 100
        assert job.summary == {"articles": 2, "people": 2}
        assert job.params == {"fresh": bool(options)}
        assert job.owner_id is None
    assert found(client, "bernoulli") == {"Notes on the engine"}
    assert people(client, "compilers") == {"grace"}


@pytest.mark.parametrize(
    "options", [("--workers", "0"), ("--workers", "65"), ("--workers", "x"), ("--nope",)]
)
def test_reindex_refuses_bad_options_with_a_message(cli_runner, options):
    result = cli_runner.invoke(args=["search", "reindex", *options])
    assert result.exit_code == 2
    assert "Error:" in result.output
    assert "Traceback" not in result.output
