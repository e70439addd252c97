"""Importing articles from a CSV export or a zip of Markdown files: the job and its report."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.extensions import db as _db
from inkstone.jobs import services as jobs_services
from inkstone.jobs.models import Job
from inkstone.transfers import imports

URL = "/api/v1/imports"
HEADER = "slug,title,description,body,tags,published,created_at,updated_at,author"


def _csv(*rows: str) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode()


def _zip(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return buffer.getvalue()


def _upload(
    client: FlaskClient, headers: dict[str, str], content: bytes, name: str = "articles.csv"
) -> Any:
    return client.post(
        URL,
        data={"file": (io.BytesIO(content), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def _summary(app: Flask, job_id: str) -> dict[str, Any]:
    with app.app_context():
        job = _db.session.get(Job, int(job_id))
        assert job is not None
        assert job.status == "succeeded", job.error
        assert job.summary is not None
        return job.summary


def _articles(app: Flask, user: User) -> dict[str, Article]:
    with app.app_context():
        found = _db.session.scalars(select(Article).where(Article.author_id == user.id))
        articles = {article.title: article for article in found}
        for article in articles.values():
            _ = article.tags
            _db.session.expunge(article)
        return articles


@pytest.fixture
def importer(
    make_user: Callable[..., User], auth_headers: Callable[..., dict[str, str]]
) -> tuple[User, dict[str, str]]:
    user = make_user()
    return user, auth_headers(user)


CSV_ROWS = _csv(
    'old-slug,春眠不觉晓,孟浩然的诗,"春眠不觉晓，\n处处闻啼鸟。","诗, 唐",true,'
    "2020-03-04T05:06:07.000Z,2020-03-05T00:00:00.000Z,someone-else",
    "x,,no title,Body,,true,2021-01-01T00:00:00.000Z,2021-01-01T00:00:00.000Z,a",
    "y," + "T" * 201 + ",too long,Body,,true,,,a",
    "z,A draft,,Draft body,,false,,,a",
)


def test_csv_import_creates_good_rows_as_the_user_and_reports_bad_ones(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    response = _upload(client, headers, CSV_ROWS)
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert job["kind"] == "import.csv"
    assert job["status"] == "succeeded"

    summary = _summary(app, job["id"])
    assert summary["created"] == 2
    assert summary["skipped"] == 0
    assert summary["failed"] == 2
    # The poem spans lines 2 and 3: the next records start on lines 4 and 5.
    assert [error["line"] for error in summary["errors"]] == [4, 5]
    assert "title" in summary["errors"][0]["reason"]
    assert "200" in summary["errors"][1]["reason"]
    # The owner reads the same report through the jobs API.
    read = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).get_json()["job"]
    assert read["summary"] == summary

    articles = _articles(app, user)
    assert set(articles) == {"春眠不觉晓", "A draft"}
    poem = articles["春眠不觉晓"]
    assert poem.body == "春眠不觉晓，\n处处闻啼鸟。"
    assert poem.description == "孟浩然的诗"
    assert sorted(tag.name for tag in poem.tags) == ["唐", "诗"]
    assert poem.published is True
    assert poem.slug != "old-slug"
    assert poem.created_at == datetime(2020, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert articles["A draft"].published is False


def test_importing_the_same_file_again_creates_nothing(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    _upload(client, headers, CSV_ROWS)
    again = _upload(client, headers, CSV_ROWS).get_json()["job"]
    summary = _summary(app, again["id"])
    assert (summary["created"], summary["skipped"], summary["failed"]) == (0, 2, 2)
    assert len(_articles(app, user)) == 2


def test_the_upload_is_not_kept_once_imported(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    _user, headers = importer
    job = _upload(client, headers, CSV_ROWS).get_json()["job"]
    assert not (Path(app.instance_path) / "jobs" / job["id"] / "upload.csv").exists()


def test_zip_import_reads_front_matter(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    archive = _zip(
        {
            "posts/": "",
            "posts/one.md": "---\ntitle: First\ndescription: The first\n"
            "tags: [alpha, beta]\ndate: 2019-05-06\n---\n\n# Hello\n\nWorld\n",
            "posts/two.md": "---\ntitle: Second\ntags: gamma, delta\npublished: false\n---\nBody 2",
            "posts/broken.md": "---\ntitle: [unclosed\n---\nBody",
            "posts/untitled.md": "---\ndescription: no title\n---\nBody",
            "posts/notes.txt": "not markdown",
            "__MACOSX/posts/._one.md": "resource fork",
            "posts/.hidden.md": "---\ntitle: Hidden\n---\nBody",
        }
    )
    response = _upload(client, headers, archive, name="posts.zip")
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert job["kind"] == "import.zip"

    summary = _summary(app, job["id"])
    assert (summary["created"], summary["failed"]) == (2, 2)
    reasons = {error["line"]: error["reason"] for error in summary["errors"]}
    assert set(reasons) == {"posts/broken.md", "posts/untitled.md"}
    assert "YAML" in reasons["posts/broken.md"]
    assert "title" in reasons["posts/untitled.md"]

    articles = _articles(app, user)
    assert set(articles) == {"First", "Second"}
    first, second = articles["First"], articles["Second"]
    assert first.body == "# Hello\n\nWorld"
    assert first.description == "The first"
    assert sorted(tag.name for tag in first.tags) == ["alpha", "beta"]
    assert first.created_at == datetime(2019, 5, 6, tzinfo=UTC)
    assert first.published is True
    assert sorted(tag.name for tag in second.tags) == ["delta", "gamma"]
    assert second.published is False

    again = _upload(client, headers, archive, name="posts.zip").get_json()["job"]
    assert _summary(app, again["id"])["skipped"] == 2


def test_zip_members_with_unsafe_names_are_refused_one_by_one(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    archive = _zip(
        {
            "../evil.md": "---\ntitle: Evil\n---\nBody",
            "/abs.md": "---\ntitle: Absolute\n---\nBody",
            "docs/../../up.md": "---\ntitle: Up\n---\nBody",
            "fine.md": "---\ntitle: Fine\n---\nBody",
        }
    )
    job = _upload(client, headers, archive, name="x.zip").get_json()["job"]
    summary = _summary(app, job["id"])
    assert summary["created"] == 1
    assert {error["line"] for error in summary["errors"]} == {
        "../evil.md",
        "/abs.md",
        "docs/../../up.md",
    }
    assert all("unsafe" in error["reason"] for error in summary["errors"])
    assert set(_articles(app, user)) == {"Fine"}


def test_a_member_that_inflates_past_the_cap_is_refused(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    bomb = "---\ntitle: Bomb\n---\n" + "a" * (3 * 1024 * 1024)
    archive = _zip({"bomb.md": bomb, "ok.md": "---\ntitle: Small\n---\nBody"})
    assert len(archive) < 64 * 1024
    job = _upload(client, headers, archive, name="x.zip").get_json()["job"]
    summary = _summary(app, job["id"])
    assert summary["created"] == 1
    assert summary["errors"] == [{"line": "bomb.md", "reason": "too large once unpacked"}]
    assert set(_articles(app, user)) == {"Small"}


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "articles.csv"),
        (b"title,body\r\nHello,World\r\n", "articles.csv"),
        (b"\xff\xfe" + HEADER.encode("utf-16-le"), "articles.csv"),
        (b"PK\x03\x04 not really a zip", "articles.zip"),
        (b"", "empty.csv"),
    ],
)
def test_a_file_that_is_neither_csv_nor_zip_is_refused(
    app: Flask,
    client: FlaskClient,
    importer: tuple[User, dict[str, str]],
    content: bytes,
    name: str,
) -> None:
    _user, headers = importer
    response = _upload(client, headers, content, name=name)
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]
    with app.app_context():
        assert _db.session.scalar(select(Job).where(Job.kind.like("import%"))) is None


def test_a_file_over_the_import_limit_is_refused_with_413(
    app: Flask,
    client: FlaskClient,
    importer: tuple[User, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _user, headers = importer
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 2000)
    response = _upload(client, headers, _csv("a,Title,,Body,,true,,,a" + "x" * 3000))
    assert response.status_code == 413
    assert "2000" in response.get_json()["errors"]["file"][0]


def test_a_file_larger_than_other_bodies_may_be_is_accepted(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    _user, headers = importer
    text = "b" * 60_000
    rows = [f"s,Title {n},,{text},,true,,,a" for n in range(25)]
    content = _csv(*rows)
    assert len(content) > app.config["MAX_CONTENT_LENGTH"]
    # Encoded here: the test client would spool a body this large to an unclosed temp file.
    boundary = "inkstone-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        URL,
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 202
    assert _summary(app, response.get_json()["job"]["id"])["created"] == 25


def test_an_import_needs_a_token(client: FlaskClient) -> None:
    response = client.post(
        URL, data={"file": (io.BytesIO(CSV_ROWS), "a.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 401


def test_an_import_needs_a_file(client: FlaskClient, importer: tuple[User, dict[str, str]]) -> None:
    _user, headers = importer
    response = client.post(
        URL, data={"other": "x"}, headers=headers, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]
    as_json = client.post(URL, json={"file": "x"}, headers=headers)
    assert as_json.status_code == 422


def test_a_long_import_reports_progress_and_stops_when_cancelled(
    app: Flask,
    client: FlaskClient,
    importer: tuple[User, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, headers = importer
    reported: list[tuple[int, str]] = []

    def cancel_at_second_report(*, job: Job, percent: int, message: str = "") -> bool:
        reported.append((percent, message))
        if len(reported) < 2:
            return True
        # The id without loading the row: the harness shares one connection, and a load here
        # would open a savepoint that the task's rollback would undo the cancel with.
        identity = inspect(job).identity
        assert identity is not None
        job_id = identity[0]
        with app.app_context():  # as the cancel request would, in a session of its own
            jobs_services.cancel_job(job=_db.session.get_one(Job, job_id))
            _db.session.commit()
        return False

    rows = [f"s,Title {n},,Body {n},,true,,,a" for n in range(100)]
    with monkeypatch.context() as patch:
        # A batch (and a report) after every row, instead of every 50 ms and every second.
        patch.setattr(imports, "BATCH_SECONDS", 0)
        patch.setattr(imports, "PROGRESS_SECONDS", 0)
        patch.setattr(jobs_services, "report_progress", cancel_at_second_report)
        job = _upload(client, headers, _csv(*rows)).get_json()["job"]

    assert [message for _, message in reported] == ["Rows read: 1", "Rows read: 2"]
    assert all(0 < percent <= 99 for percent, _ in reported)
    assert job["status"] == "cancelled"
    # What was done before the cancel stays; importing the file again does the rest.
    assert len(_articles(app, user)) == 2
    again = _upload(client, headers, _csv(*rows)).get_json()["job"]
    assert again["progress"] == 100
    # The last progress report gives way to what the import did.
    assert again["message"] == "Imported: 98 created, 2 skipped, 0 failed"
    summary = _summary(app, again["id"])
    assert (summary["created"], summary["skipped"]) == (98, 2)


def test_hostile_front_matter_fails_its_member_only(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    archive = _zip(
        {
            "deep.md": "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody",
            "list.md": "---\n- just\n- a list\n---\nBody",
            "aliases.md": "---\na: &a [x, x, x]\ntitle: *a\n---\nBody",
            "ancient.md": "---\ntitle: Ancient\ndate: 0001-01-01T00:00:00+05:00\n---\nBody",
            "no-front-matter.md": "# Just Markdown",
            "latin1.md": "---\ntitle: Caf\xe9\n---\n".encode("latin-1"),
            "ok.md": "---\ntitle: 42\n---\nThe answer",
        }
    )
    job = _upload(client, headers, archive, name="x.zip").get_json()["job"]
    summary = _summary(app, job["id"])
    assert (summary["created"], summary["failed"]) == (1, 6)
    reasons = {error["line"]: error["reason"] for error in summary["errors"]}
    assert reasons["deep.md"] == "the front matter is nested too deeply"
    assert reasons["aliases.md"] == "title must be text"
    assert reasons["ancient.md"] == "date is out of range"
    assert reasons["latin1.md"] == "not UTF-8 text"
    assert set(_articles(app, user)) == {"42"}


def test_an_impossible_date_fails_its_member_only(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    archive = _zip(
        {
            "month.md": "---\ntitle: Month 13\ndate: 2024-13-45\n---\nBody",
            "tagged.md": "---\ntitle: Dated tag\ntags: [2024-02-30]\n---\nBody",
            "titled.md": "---\ntitle: 2024-02-30\n---\nBody",
            "zone.md": "---\ntitle: Zone\ndate: 2024-01-02 03:04:05 +99\n---\nBody",
            "tagged-date.md": "---\ntitle: Explicit\ndate: !!timestamp 2024-02-30\n---\nBody",
            "good.md": "---\ntitle: Good\ndate: 2024-02-29t10:00:00.5-05:00\n---\nBody",
        }
    )
    job = _upload(client, headers, archive, name="x.zip").get_json()["job"]
    summary = _summary(app, job["id"])
    assert (summary["created"], summary["failed"]) == (3, 3)
    reasons = {error["line"]: error["reason"] for error in summary["errors"]}
    assert reasons["month.md"] == "date '2024-13-45' is not a real date (month must be in 1..12)"
    assert reasons["zone.md"].startswith("date '2024-01-02 03:04:05 +99' is not a real date")
    assert reasons["tagged-date.md"] == (
        "the front matter is not valid YAML"
        " (line 3: '2024-02-30' cannot be read (day is out of range for month))"
    )
    articles = _articles(app, user)
    # Dates that are not the article's date are text, as numbers are.
    assert set(articles) == {"Dated tag", "2024-02-30", "Good"}
    assert [tag.name for tag in articles["Dated tag"].tags] == ["2024-02-30"]
    assert articles["Good"].created_at == datetime(2024, 2, 29, 15, 0, 0, 500_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        ("title: [unclosed", "the front matter is not valid YAML (line 3: "),
        ("title: !!python/object/apply:os.system [ls]", "could not determine a constructor"),
        ("title: !!int abc", "'abc' cannot be read"),
        ("title: !!float abc", "'abc' cannot be read"),
        ("title: " + "9" * 5000, "cannot be read (Exceeds the limit (4300 digits)"),
        ("title: 0x" + "f" * 5000, "title is too large a number"),
        ("title: {a: 1}", "title must be text"),
        ("title: T\ndescription: [a, b]", "description must be text"),
        ("title: T\ntags: {a: 1}", "tags must be a list or a comma-separated string"),
        ("title: T\ntags: [[a]]", "tags must be a list or a comma-separated string"),
        ("title: T\ndate: {a: 1}", "date is not an ISO 8601 date or timestamp"),
        ("title: T\ndate: soon", "date is not an ISO 8601 date or timestamp"),
        ("title: T\npublished: maybe", "published must be true or false"),
        ("? [a]\n: b", "found unhashable key"),
        ("<<: 1", "expected a mapping or list of mappings for merging"),
        (
            "title: x\x07y",
            "the front matter is not valid YAML (special characters are not allowed)",
        ),
        ("title:\tT\n\t- y", "the front matter is not valid YAML (line "),
        ("title: *nowhere", "found undefined alias"),
        ("title: " + "{a: " * 3000 + "}" * 3000, "the front matter is nested too deeply"),
        ("just text", "the front matter is not a mapping of names to values"),
    ],
)
def test_hostile_yaml_is_a_row_error_with_its_reason(
    app: Flask,
    client: FlaskClient,
    importer: tuple[User, dict[str, str]],
    front_matter: str,
    reason: str,
) -> None:
    user, headers = importer
    archive = _zip(
        {
            "hostile.md": f"---\n{front_matter}\n---\nBody",
            "good.md": "---\ntitle: Good\n---\nBody",
        }
    )
    job = _upload(client, headers, archive, name="x.zip").get_json()["job"]
    summary = _summary(app, job["id"])
    assert (summary["created"], summary["failed"]) == (1, 1)
    [error] = summary["errors"]
    assert error["line"] == "hostile.md"
    assert reason in error["reason"]
    assert set(_articles(app, user)) == {"Good"}


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
def test_a_damaged_member_fails_alone_whatever_its_compression(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]], compression: int
) -> None:
    user, headers = importer
    good = "---\ntitle: Good\n---\n" + "Body " * 200
    archive = bytearray(_zip({"a-damaged.md": good, "b-good.md": good}, compression))
    # Garble the first member's data (its local header is 30 bytes plus its name).
    start = 30 + len("a-damaged.md") + 8
    archive[start : start + 16] = b"\xff" * 16
    job = _upload(client, headers, bytes(archive), name="x.zip").get_json()["job"]
    summary = _summary(app, job["id"])
    assert summary["created"] == 1
    assert summary["errors"] == [
        {"line": "a-damaged.md", "reason": "could not be unpacked (damaged or encrypted)"}
    ]
    assert set(_articles(app, user)) == {"Good"}


# --------------------------------------------------------------------------- formulas in a CSV

FORMULA_TITLES = [
    '=HYPERLINK("http://evil.example","Click")',
    "+SUM(1,2)",
    "-1",
    "@cmd",
    "'Tis a title that starts with a quote",
    "''two quotes",
]


def _exported_csv(app: Flask, client: FlaskClient, headers: dict[str, str]) -> bytes:
    response = client.post("/api/v1/exports", json={"export": {"format": "csv"}}, headers=headers)
    assert response.status_code == 202
    with app.app_context():
        job = _db.session.get(Job, int(response.get_json()["job"]["id"]))
        assert job is not None
        assert job.result_path is not None, job.error
        return (Path(app.instance_path) / "jobs" / job.result_path).read_bytes()


def test_an_exported_csv_with_formula_like_text_imports_back_exactly(
    app: Flask,
    client: FlaskClient,
    importer: tuple[User, dict[str, str]],
    make_user: Callable[..., User],
    auth_headers: Callable[..., dict[str, str]],
    make_article: Callable[..., Article],
) -> None:
    user, headers = importer
    for title in FORMULA_TITLES:
        make_article(
            user, title=title, description="=1+1", body="- item\n- another", tag_list=["=cmd"]
        )
    make_article(user, title="Plain", description="'quoted", body="'Tis the body")
    data = _exported_csv(app, client, headers)
    assert b"\r\n'=HYPERLINK" not in data  # every such cell is escaped …
    assert ",'=1+1," in data.decode("utf-8-sig")

    # … and the same user importing it back gets nothing twice: the text matches exactly.
    again = _upload(client, headers, data).get_json()["job"]
    assert _summary(app, again["id"]) == {"created": 0, "skipped": 7, "failed": 0, "errors": []}
    assert len(_articles(app, user)) == 7

    someone = make_user()
    job = _upload(client, auth_headers(someone), data).get_json()["job"]
    assert _summary(app, job["id"])["created"] == 7
    articles = _articles(app, someone)
    assert set(articles) == {*FORMULA_TITLES, "Plain"}
    for title in FORMULA_TITLES:
        article = articles[title]
        assert (article.description, article.body) == ("=1+1", "- item\n- another")
        assert [tag.name for tag in article.tags] == ["=cmd"]
    assert (articles["Plain"].description, articles["Plain"].body) == ("'quoted", "'Tis the body")


def test_a_hand_made_csv_keeps_a_leading_quote_that_escapes_nothing(
    app: Flask, client: FlaskClient, importer: tuple[User, dict[str, str]]
) -> None:
    user, headers = importer
    job = _upload(
        client, headers, _csv("s,'Tis the season,,'=1+1,,true,,,a", "t,'',,'-item,,true,,,a")
    ).get_json()["job"]
    assert _summary(app, job["id"])["created"] == 2
    articles = _articles(app, user)
    assert articles["'Tis the season"].body == "=1+1"
    assert articles["'"].body == "-item"


def test_a_csv_that_is_not_utf8_fails_as_a_report_not_a_crash(app: Flask) -> None:
    from inkstone.transfers.imports import read_rows

    with app.app_context():
        [row] = read_rows("csv", b"\xff\xfe" + HEADER.encode("utf-16-le"))
        assert row.error == "the file is not UTF-8 text"
        [row] = read_rows("zip", b"PK\x03\x04 not a zip")
        assert row.error == "the file is not a zip archive that can be read"
