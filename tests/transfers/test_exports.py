"""Exports: CSV, XLSX and PDF files of your articles (or everyone's), made by a job."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from inkstone.articles.models import Article
from inkstone.auth.models import RoleName
from inkstone.core.db import utcnow
from inkstone.extensions import db as _db
from inkstone.jobs import services
from inkstone.jobs.models import Job, JobStatus
from inkstone.jobs.runner import run_job
from inkstone.transfers import exports
from inkstone.transfers import writers as export_writers
from tests.conftest import csrf_token, require_service

HEADER = "slug,title,description,body,tags,published,created_at,updated_at,author"
CHINESE_TITLE = "春眠不觉晓"
CHINESE_BODY = "处处闻啼鸟。\n\n夜来风雨声，花落知多少。"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def author(make_user):
    return make_user(username="writer")


@pytest.fixture
def other(make_user):
    return make_user(username="neighbour")


def _export(client, headers, format: str = "csv", scope: str = "mine") -> Any:
    body = {"export": {"format": format, "scope": scope}}
    return client.post("/api/v1/exports", json=body, headers=headers)


def _finished(app, response) -> Job:
    """Return the job a 202 answered (its task ran eagerly when the request committed)."""
    assert response.status_code == 202, response.json
    with app.app_context():
        job = _db.session.get(Job, int(response.json["job"]["id"]))
        assert job is not None
        _db.session.expunge(job)
    return job


def _file(app, job: Job) -> Path:
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result_path is not None
    return Path(app.instance_path) / "jobs" / job.result_path


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------- CSV


def test_a_csv_export_is_excel_ready_and_chinese_text_round_trips(
    app, client, author, auth_headers, make_article
):
    make_article(author, title=CHINESE_TITLE, body=CHINESE_BODY, tag_list=["诗", "Tang"])
    make_article(author, title='A draft, with "quotes"', published=False)

    response = _export(client, auth_headers(author))
    assert response.json["job"]["kind"] == "export.csv"
    job = _finished(app, response)
    path = _file(app, job)

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert path.name == f"inkstone-articles-{utcnow():%Y-%m-%d}.csv"
    assert job.result_filename == path.name
    assert job.result_size == len(data)
    assert not list(path.parent.glob("*.part"))
    rows = {row["title"]: row for row in _csv_rows(data)}
    assert set(rows) == {CHINESE_TITLE, 'A draft, with "quotes"'}
    poem = rows[CHINESE_TITLE]
    assert poem["body"] == CHINESE_BODY.replace("\n", "\r\n") or poem["body"] == CHINESE_BODY
    assert poem["tags"] in ("Tang, 诗", "诗, Tang")
    assert poem["published"] == "true"
    assert rows['A draft, with "quotes"']["published"] == "false"
    assert poem["author"] == "writer"
    assert ISO_Z.match(poem["created_at"])
    assert ISO_Z.match(poem["updated_at"])


def test_the_finished_job_offers_its_file_to_its_owner(
    app, client, author, auth_headers, make_article
):
    make_article(author, title=CHINESE_TITLE)
    job = _finished(app, _export(client, auth_headers(author)))

    shown = client.get(f"/api/v1/jobs/{job.id}", headers=auth_headers(author)).json["job"]
    assert shown["status"] == "succeeded"
    assert shown["progress"] == 100
    download = client.get(shown["result"]["url"], headers=auth_headers(author))
    assert download.status_code == 200
    assert CHINESE_TITLE in download.get_data().decode("utf-8-sig")
    download.close()


def test_mine_never_holds_other_peoples_articles_or_drafts(
    app, client, author, other, auth_headers, make_article
):
    make_article(author, title="Mine, published")
    make_article(author, title="Mine, a draft", published=False)
    make_article(other, title="Theirs, published")
    make_article(other, title="Theirs, a draft", published=False)

    job = _finished(app, _export(client, auth_headers(author)))
    titles = {row["title"] for row in _csv_rows(_file(app, job).read_bytes())}
    assert titles == {"Mine, published", "Mine, a draft"}


def test_all_needs_moderation_rights_and_then_has_only_published_articles(
    app, client, author, other, make_user, auth_headers, make_article
):
    make_article(author, title="Published one")
    make_article(other, title="Someone's draft", published=False)

    refused = _export(client, auth_headers(author), scope="all")
    assert refused.status_code == 403
    assert "scope" in refused.json["errors"]

    moderator = make_user(username="moderator", role=RoleName.MODERATOR)
    job = _finished(app, _export(client, auth_headers(moderator), scope="all"))
    titles = {row["title"] for row in _csv_rows(_file(app, job).read_bytes())}
    assert "Published one" in titles
    assert "Someone's draft" not in titles


@pytest.mark.parametrize(
    "body",
    [
        {"export": {"format": "docx"}},
        {"export": {"format": "csv", "scope": "everyone"}},
        {"export": {}},
        {"export": "csv"},
        {},
    ],
)
def test_a_bad_request_is_refused_with_its_reason(client, author, auth_headers, body):
    response = client.post("/api/v1/exports", json=body, headers=auth_headers(author))
    assert response.status_code == 422
    assert response.json["errors"]


def test_exports_need_a_token(client):
    response = client.post("/api/v1/exports", json={"export": {"format": "csv"}})
    assert response.status_code == 401


FORMULAS = {
    '=HYPERLINK("http://evil.example","Click")': "=",
    "+SUM(1,2)": "+",
    "-2+3": "-",
    "@SUM(A1:A2)": "@",
    "'Tis a quote": "'",
}


def test_a_csv_cell_that_a_spreadsheet_would_run_starts_with_a_quote(
    app, client, author, auth_headers, make_article
):
    for title in FORMULAS:
        make_article(author, title=title, description="=1+1", body="- item\n- another")
    make_article(author, title="Plain", tag_list=["=cmd"], body="\t=tab first")

    job = _finished(app, _export(client, auth_headers(author)))
    assert job.message == "Exported 6 articles"
    rows = {row["title"]: row for row in _csv_rows(_file(app, job).read_bytes())}

    assert set(rows) == {f"'{title}" for title in FORMULAS} | {"Plain"}
    for title in FORMULAS:
        row = rows[f"'{title}"]
        assert (row["description"], row["body"]) == ("'=1+1", "'- item\n- another")
    assert rows["Plain"]["tags"] == "'=cmd"
    assert rows["Plain"]["body"] == "'\t=tab first"
    assert not any(row["slug"].startswith("'") for row in rows.values())  # slugs never need it


# --------------------------------------------------------------------------- XLSX and PDF


def test_an_xlsx_export_opens_in_openpyxl_with_every_row(
    app, client, author, auth_headers, make_article
):
    make_article(author, title=CHINESE_TITLE, tag_list=["诗"])
    make_article(author, title="Second", published=False)

    response = _export(client, auth_headers(author), format="xlsx")
    assert response.json["job"]["kind"] == "export.xlsx"
    path = _file(app, _finished(app, response))
    assert path.suffix == ".xlsx"

    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("slug", "title")
    assert len(rows) == 3
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title[CHINESE_TITLE][4] == "诗"
    assert by_title[CHINESE_TITLE][5] is True
    assert by_title["Second"][5] is False
    assert abs(by_title["Second"][6] - utcnow().replace(tzinfo=None)) < timedelta(minutes=5)


def test_an_xlsx_cell_is_text_never_a_formula(app, client, author, auth_headers, make_article):
    titles = [*FORMULAS, "#N/A"]
    for title in titles:
        make_article(author, title=title, description="=1+1", tag_list=["=cmd"])

    path = _file(app, _finished(app, _export(client, auth_headers(author), format="xlsx")))

    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(min_row=2))
    assert sorted(row[1].value for row in rows) == sorted(titles)  # as written: no quote
    for row in rows:
        title, description, tags = row[1], row[2], row[4]
        assert (title.data_type, description.data_type, tags.data_type) == ("s", "s", "s")
        assert (description.value, tags.value) == ("=1+1", "=cmd")
    assert "<f>" not in _sheet_xml(path)  # no formula anywhere in the sheet


def _sheet_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as book:
        return book.read("xl/worksheets/sheet1.xml").decode()


WQY_MICROHEI = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # fonts-wqy-microhei
_SUBSET_TAG = re.compile(r"^/[A-Z]{6}\+")


def _pdf_text(path: Path) -> str:
    """Return the text a PDF shows, page after page, as a viewer copies it (pypdf).

    An embedded TrueType subset shows codes of its own: its ToUnicode map turns them back
    into text, as a viewer's search and copy do.
    """
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def _text_fonts(path: Path) -> list[Any]:
    """Return the font dictionaries of every page (reportlab's unused Helvetica aside)."""
    fonts = []
    for page in PdfReader(path).pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            if font["/BaseFont"] != "/Helvetica":  # the canvas's initial font, shows nothing
                fonts.append(font)
    return fonts


def test_a_pdf_export_is_a_pdf_with_the_titles_in_it(
    app, client, author, auth_headers, make_article
):
    make_article(
        author,
        title="Plain <b>title</b>",
        body="First paragraph & more.\n\nSecond <script>x</script>",
        tag_list=["pdf"],
    )
    make_article(author, title=CHINESE_TITLE, body=CHINESE_BODY)

    response = _export(client, auth_headers(author), format="pdf")
    assert response.json["job"]["kind"] == "export.pdf"
    path = _file(app, _finished(app, response))
    assert path.read_bytes().startswith(b"%PDF")
    text = _pdf_text(path)
    assert "<b>title</b>" in text  # markup shown as written, not applied
    assert "<script>x</script>" in text
    assert CHINESE_TITLE in text
    assert "writer" in text
    # Latin and Chinese text in one font (whichever pdf_fonts chose).
    names = {_SUBSET_TAG.sub("/", font["/BaseFont"]) for font in _text_fonts(path)}
    assert len({re.sub(r"-\d+$", "", name) for name in names}) == 1, names


def test_a_pdf_export_embeds_the_debian_cjk_font(
    app, client, author, auth_headers, make_article, monkeypatch
):
    """With fonts-wqy-microhei installed, the PDF shows its Chinese text in any viewer."""
    require_service(
        "fonts-wqy-microhei", WQY_MICROHEI.is_file(), f"Debian's font package ({WQY_MICROHEI})"
    )
    monkeypatch.setitem(app.config, "PDF_FONT_PATH", "")  # the default choice
    make_article(author, title=CHINESE_TITLE, description="导语 Lead", body=CHINESE_BODY)

    path = _file(app, _finished(app, _export(client, auth_headers(author), format="pdf")))
    fonts = _text_fonts(path)
    assert fonts
    for font in fonts:
        # A subset (tag + name) of the font, its glyph outlines in the file.
        assert re.fullmatch(r"/[A-Z]{6}\+WenQuanYiMicroHei-\d+", font["/BaseFont"])
        assert font["/Subtype"] == "/TrueType"
        assert len(font["/FontDescriptor"]["/FontFile2"].get_data()) > 1_000
        assert "/ToUnicode" in font  # text can be searched and copied
    assert b"STSong-Light" not in path.read_bytes()  # no font left to the viewer
    text = _pdf_text(path)
    assert CHINESE_TITLE in text
    assert "导语 Lead" in text
    assert "处处闻啼鸟。" in text
    assert "夜来风雨声，花落知多少。" in text


def test_a_pdf_export_with_an_unusable_font_setting_uses_the_default_font(
    app, client, author, auth_headers, make_article, monkeypatch, tmp_path
):
    not_a_font = tmp_path / "not-a-font.ttf"
    not_a_font.write_text("hello, not a font\n")
    monkeypatch.setitem(app.config, "PDF_FONT_PATH", str(not_a_font))
    make_article(author, title=CHINESE_TITLE, body=CHINESE_BODY)

    with capture_logs() as logs:
        job = _finished(app, _export(client, auth_headers(author), format="pdf"))
    path = _file(app, job)  # the export succeeded
    text = _pdf_text(path)
    assert CHINESE_TITLE in text
    assert "writer" in text
    [error] = [line for line in logs if line["event"] == "pdf_font.unusable"]
    assert error["log_level"] == "error"
    assert error["path"] == str(not_a_font)
    assert "not an embeddable TrueType font" in error["reason"]
    if WQY_MICROHEI.is_file():  # the default: the Debian font, embedded
        names = {_SUBSET_TAG.sub("/", font["/BaseFont"]) for font in _text_fonts(path)}
        assert names == {"/WenQuanYiMicroHei-0"}


def test_an_empty_export_still_makes_a_file(app, client, author, auth_headers):
    for format in exports.FORMATS:
        job = _finished(app, _export(client, auth_headers(author), format=format))
        assert _file(app, job).stat().st_size > 0


# --------------------------------------------------------------------------- large and cancelled


def _bulk_articles(app, author_id: int, count: int) -> None:
    now = utcnow()
    rows = [
        {
            "id": 9_000_000 + n,
            "slug": f"bulk-{n}",
            "title": f"Bulk {n} 批量",
            "description": "",
            "body": "Body " * 20,
            "author_id": author_id,
            "tag_names": '["bulk"]',
            "published": n % 2 == 0,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    with app.app_context():
        _db.session.execute(insert(Article), rows)
        _db.session.commit()


def test_a_large_export_is_written_in_batches_with_progress(
    app, client, author, auth_headers, monkeypatch
):
    _bulk_articles(app, author.id, 2_000)
    reported: list[int] = []
    real = services.report_progress

    def spy(*, job: Job, percent: int, message: str = "") -> bool:
        reported.append(percent)
        return real(job=job, percent=percent, message=message)

    monkeypatch.setattr(services, "report_progress", spy)
    job = _finished(app, _export(client, auth_headers(author)))
    rows = _csv_rows(_file(app, job).read_bytes())
    assert len(rows) == 2_000
    assert len({row["slug"] for row in rows}) == 2_000
    assert reported == [24, 49, 74, 99]  # one report per batch of 500
    assert job.summary == {"articles": 2_000, "format": "csv", "scope": "mine"}


@pytest.mark.parametrize("format", exports.FORMATS)
def test_a_cancelled_export_leaves_no_file(app, author, make_article, db, monkeypatch, format):
    make_article(author, title="Never exported")
    monkeypatch.setattr(services, "report_progress", lambda **_: False)
    with app.app_context():
        job, folder = _run_export(app, author, format)
        assert not folder.exists()  # nothing half written is left, not even its folder
        assert _db.session.get(Job, job.id).result_path is None


def _work(job: Job) -> None:
    exports.run_export(job)


def _run_export(app, author, format: str) -> tuple[Job, Path]:
    """Run an export of ``author``'s articles in this process; return the job and its folder."""
    job = Job(
        kind=f"export.{format}", owner_id=author.id, params={"format": format, "scope": "mine"}
    )
    _db.session.add(job)
    _db.session.commit()
    run_job(job.id, _work)
    _db.session.commit()
    return job, Path(app.instance_path) / "jobs" / str(job.id)


def test_a_failing_export_removes_its_part_file(app, author, make_article, db, monkeypatch):
    make_article(author, title="Half written")

    def broken(self: Any, rows: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(export_writers.CsvWriter, "write", broken)
    with app.app_context():
        job, folder = _run_export(app, author, "csv")
        assert not folder.exists()  # nothing half written is left, not even its folder
        failed = _db.session.get(Job, job.id, populate_existing=True)
        assert failed.status == JobStatus.FAILED
        assert "disk full" in failed.error


# --------------------------------------------------------------------------- the settings button


def test_the_settings_button_starts_an_export_and_shows_its_job(
    app, client, author, sign_in, make_article
):
    make_article(author, title=CHINESE_TITLE)
    sign_in(client, author)
    page = client.get("/settings")
    assert "Export my articles" in page.get_data(as_text=True)
    token = csrf_token(client, "/settings")

    response = client.post("/settings/export", data={"csrf_token": token, "format": "xlsx"})
    assert response.status_code == 302
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match
    with app.app_context():
        job = _db.session.get(Job, int(match.group(1)))
        assert job is not None
        assert (job.kind, job.owner_id, job.status) == ("export.xlsx", author.id, "succeeded")
        assert job.params["scope"] == "mine"


def test_a_job_finished_in_a_chinese_request_keeps_its_message_in_english(
    app, client, author, sign_in, make_article
):
    """The API's ``message`` is English whoever asked; the job's page translates it."""
    make_article(author, title=CHINESE_TITLE)
    sign_in(client, author)
    zh = {"Accept-Language": "zh-CN"}
    token = csrf_token(client, "/settings")
    response = client.post(
        "/settings/export", data={"csrf_token": token, "format": "csv"}, headers=zh
    )
    job_path = response.headers["Location"]
    with app.app_context():
        job = _db.session.get(Job, int(job_path.rsplit("/", 1)[1]))
        assert job is not None
        assert (job.status, job.message) == ("succeeded", "Exported 1 article")
    assert "已导出 1 篇文章" in client.get(job_path, headers=zh).get_data(as_text=True)


def test_the_settings_button_needs_the_csrf_token(app, client, author, sign_in):
    sign_in(client, author)
    response = client.post("/settings/export", data={"format": "csv"})
    assert response.status_code == 400
    with app.app_context():
        assert _db.session.query(Job).count() == 0


def test_the_settings_button_needs_a_signed_in_user(app, client):
    token = csrf_token(client)
    response = client.post("/settings/export", data={"csrf_token": token, "format": "csv"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    with app.app_context():
        assert _db.session.query(Job).count() == 0


def test_the_settings_button_refuses_an_unknown_format(app, client, author, sign_in):
    sign_in(client, author)
    token = csrf_token(client, "/settings")
    response = client.post(
        "/settings/export", data={"csrf_token": token, "format": "docx"}, follow_redirects=True
    )
    assert "Choose CSV, Excel or PDF" in response.get_data(as_text=True)
    with app.app_context():
        assert _db.session.query(Job).count() == 0


# --------------------------------------------------------------------------- a PDF in parts


def _pdf_in_parts(app, client, author, auth_headers, monkeypatch, count: int) -> Path:
    """Export ``count`` bulk articles as a PDF laid out in parts of about 2,000 characters."""
    _bulk_articles(app, author.id, count)
    monkeypatch.setattr(export_writers, "PDF_PART_CHARS", 2_000)
    job = _finished(app, _export(client, auth_headers(author), format="pdf"))
    assert job.summary == {"articles": count, "format": "pdf", "scope": "mine"}
    return _file(app, job)


def test_a_pdf_laid_out_in_parts_is_one_document_with_every_article_in_order(
    app, client, author, auth_headers, monkeypatch
):
    path = _pdf_in_parts(app, client, author, auth_headers, monkeypatch, 150)  # ~20 parts

    reader = PdfReader(path, strict=True)
    assert reader.metadata is not None
    assert reader.metadata.title == "Inkstone articles"
    page_count = len(reader.pages)
    assert page_count >= 20  # every part starts a page of its own
    for page in reader.pages:  # each page keeps its size and fonts from its part
        assert [float(x) for x in page.mediabox] == pytest.approx([0, 0, 595.2756, 841.8898])
        assert "/Font" in page["/Resources"]
    # Each part's font subset numbers its glyphs its own way: each page reads with its own.
    text = "".join(page.extract_text() for page in reader.pages)
    positions = [text.index(f"Bulk {n} 批量") for n in range(150)]
    assert positions == sorted(positions)  # every article once, in id order
    assert len(re.findall(r"Bulk \d+ 批量", text)) == 150
    assert not list(path.parent.glob("*.part"))  # the parts went once joined


def test_a_pdf_in_parts_passes_qpdf_structural_check(
    app, client, author, auth_headers, monkeypatch
):
    qpdf = shutil.which("qpdf")
    require_service("qpdf", qpdf is not None, "qpdf is not installed (Debian package qpdf)")
    assert qpdf is not None
    path = _pdf_in_parts(app, client, author, auth_headers, monkeypatch, 60)
    checked = subprocess.run(
        [qpdf, "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr  # 3 would be warnings
    assert "No syntax or stream encoding errors found" in checked.stdout


def test_a_pdf_export_cancelled_between_parts_leaves_no_file(app, author, db, monkeypatch):
    _bulk_articles(app, author.id, 1_200)  # three batches of 500
    monkeypatch.setattr(export_writers, "PDF_PART_CHARS", 2_000)
    answers = iter([True, False])  # carry on after the first batch, cancelled after the second
    monkeypatch.setattr(services, "report_progress", lambda **_: next(answers))
    with app.app_context():
        job, folder = _run_export(app, author, "pdf")
        assert not folder.exists()  # nothing half written is left, not even its folder
        assert _db.session.get(Job, job.id, populate_existing=True).result_path is None


# --------------------------------------------------------------------------- a deleted job


def _delete_elsewhere(job_id: int) -> None:
    """Delete the job as another request would (account deletion), not through the task's."""
    with Session(bind=_db.session.get_bind()) as session, session.begin():
        session.execute(delete(Job).where(Job.id == job_id))


def test_an_export_whose_job_is_deleted_meanwhile_stops_and_leaves_no_file(
    app, author, db, monkeypatch
):
    """A job goes with its owner's account: work in progress stops at its next report."""
    _bulk_articles(app, author.id, 1_200)
    real = services.report_progress
    reports: list[int] = []

    def deleting(*, job: Job, percent: int, message: str = "") -> bool:
        reports.append(percent)
        _delete_elsewhere(job.id)
        return real(job=job, percent=percent, message=message)

    monkeypatch.setattr(services, "report_progress", deleting)
    with app.app_context():
        _job, folder = _run_export(app, author, "csv")
        assert not folder.exists()
    assert reports == [41]  # stopped after the first batch of 500 (of 1,200), not at the end


def test_an_export_whose_job_is_deleted_as_it_finishes_leaves_no_file(
    app, author, make_article, db, monkeypatch
):
    make_article(author, title="Finished too late")
    real = services.finish_job

    def deleting(*, job: Job, **fields: Any) -> Job:
        _delete_elsewhere(job.id)
        return real(job=job, **fields)

    monkeypatch.setattr(services, "finish_job", deleting)
    with app.app_context():
        _job, folder = _run_export(app, author, "pdf")
        assert not folder.exists()
