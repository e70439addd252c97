"""The back office's files: every upload with its owner and use, quotas, deleting one (audited)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from inkstone.auth.models import AuditEvent, RoleName, User
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.models import Upload
from inkstone.media.storage import get_storage
from tests.admin.conftest import admin, admin_client, moderator, moderator_client
from tests.conftest import csrf_token, page_text, redirect_target
from tests.media.conftest import image_bytes

__all__ = ["admin", "admin_client", "moderator", "moderator_client"]

TOO_BIG = 2**63


@pytest.fixture
def owner(make_user):
    return make_user(username="ann")


@pytest.fixture
def make_upload(app, db):
    """Store a file for ``owner`` through the service; return (id, blob name)."""

    def make(owner, data: bytes | None = None, filename: str = "cat.png") -> tuple[int, str]:
        with app.app_context():
            user = db.session.get(User, owner.id)
            upload = services.create_upload(
                owner=user,
                data=data if data is not None else image_bytes(),
                filename=filename,
                content_type=None,
                limits=services.configured_limits(),
                storage=get_storage(),
            )
            db.session.commit()
            return upload.id, upload.blob_name

    return make


def _blob_exists(app, name: str) -> bool:
    return (Path(app.instance_path) / "uploads" / name).is_file()


def test_only_people_managers_open_the_files_page(
    client, sign_in, make_user, moderator_client, owner, make_upload
):
    upload_id, _blob = make_upload(owner)
    paths = ("/admin/files", f"/admin/files/{upload_id}/delete")
    for path in paths:
        assert redirect_target(client.get(path)).startswith("/login"), path
        assert moderator_client.get(path).status_code == 403, path
    sign_in(client, owner)
    for path in paths:
        assert client.get(path).status_code == 403, path


def test_every_upload_is_listed_with_owner_type_size_and_the_articles_showing_it(
    admin_client, owner, make_user, make_upload, make_article
):
    shown_id, blob = make_upload(owner, filename="shown.png")
    make_article(owner, title="Cats I have known", body=f"Look: ![a cat](/media/{blob})")
    make_article(owner, title="Dogs", body="No picture here.")
    other_id, _ = make_upload(make_user(username="bob"), data=b"plain text\n", filename="a.txt")
    page = page_text(admin_client.get("/admin/files"))
    row = page.split(f'id="upload-{shown_id}"', 1)[1].split("</tr>", 1)[0]
    assert "shown.png" in row
    assert "ann" in row
    assert "image/png" in row
    assert "Cats I have known" in row
    assert "Dogs" not in row
    other = page.split(f'id="upload-{other_id}"', 1)[1].split("</tr>", 1)[0]
    assert "a.txt" in other
    assert "bob" in other
    assert "Not in an article" in other
    assert "Who uses the most room" in page
    assert 'href="/admin/files"' in page  # the back office's menu has the section


def test_files_filter_by_owner_and_kind_and_sort_by_size(
    admin_client, owner, make_user, make_upload
):
    image_id, _ = make_upload(owner)
    text_id, _ = make_upload(make_user(username="bob"), data=b"x" * 5000 + b"\n", filename="t.txt")
    page = page_text(admin_client.get("/admin/files?owner=ANN"))
    assert f"upload-{image_id}" in page
    assert f"upload-{text_id}" not in page
    page = page_text(admin_client.get("/admin/files?kind=attachment"))
    assert f"upload-{text_id}" in page
    assert f"upload-{image_id}" not in page
    largest = page_text(admin_client.get("/admin/files?sort=largest"))
    smallest = page_text(admin_client.get("/admin/files?sort=smallest"))
    first_large = largest.index(f"upload-{text_id}") < largest.index(f"upload-{image_id}")
    first_small = smallest.index(f"upload-{text_id}") < smallest.index(f"upload-{image_id}")
    assert first_large != first_small  # the order turns round
    for query in ("kind=bogus", "sort=%00", "owner=" + "z" * 3000):
        assert admin_client.get(f"/admin/files?{query}").status_code == 200, query
    assert admin_client.get("/admin/files?page=0").status_code == 404


def test_deleting_asks_first_then_removes_the_file_and_logs_it(
    app, admin_client, admin, owner, make_upload, make_article
):
    upload_id, blob = make_upload(owner, filename="gone.png")
    make_article(owner, title="Shows it", body=f"![x](/media/{blob})")
    assert _blob_exists(app, blob)
    asking = page_text(admin_client.get(f"/admin/files/{upload_id}/delete"))
    assert "Delete this file?" in asking
    assert "gone.png" in asking
    assert "Shows it" in asking
    token = csrf_token(admin_client, f"/admin/files/{upload_id}/delete")
    response = admin_client.post(f"/admin/files/{upload_id}/delete", data={"csrf_token": token})
    assert redirect_target(response) == "/admin/files"
    with app.app_context():
        assert db.session.get(Upload, upload_id) is None
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "upload.removed")
        ).all()
        assert (event.user_id, event.actor_id) == (owner.id, admin.id)
        assert event.detail["filename"] == "gone.png"
    assert not _blob_exists(app, blob)


def test_deleting_needs_the_csrf_token_and_a_real_id(app, admin_client, owner, make_upload):
    upload_id, blob = make_upload(owner)
    assert admin_client.post(f"/admin/files/{upload_id}/delete").status_code == 400
    assert _blob_exists(app, blob)
    token = csrf_token(admin_client, f"/admin/files/{upload_id}/delete")
    for bad in (1, TOO_BIG, 10**30):
        assert admin_client.get(f"/admin/files/{bad}/delete").status_code == 404
        response = admin_client.post(f"/admin/files/{bad}/delete", data={"csrf_token": token})
        assert response.status_code == 404


# --------------------------------------------------------------------------- the API


@pytest.fixture
def admin_headers(make_user, auth_headers):
    return auth_headers(make_user(username="boss", role=RoleName.ADMIN))


def test_the_api_needs_a_token_and_users_manage(
    client, make_user, auth_headers, owner, make_upload
):
    upload_id, _ = make_upload(owner)
    moderator_headers = auth_headers(make_user(username="m", role=RoleName.MODERATOR))
    for method, path in (
        ("get", "/api/v1/admin/uploads"),
        ("delete", f"/api/v1/admin/uploads/{upload_id}"),
    ):
        assert getattr(client, method)(path).status_code == 401
        for headers in (auth_headers(owner), moderator_headers):
            assert getattr(client, method)(path, headers=headers).status_code == 403


def test_the_api_lists_uploads_with_owner_use_and_quota(
    client, admin_headers, owner, make_upload, make_article
):
    upload_id, blob = make_upload(owner, filename="pic.png")
    article = make_article(owner, title="With a picture", body=f"![p](/media/{blob})")
    body = client.get("/api/v1/admin/uploads?owner=ann&kind=image", headers=admin_headers).json
    [upload] = body["uploads"]
    assert upload["id"] == str(upload_id)
    assert upload["owner"] == "ann"
    assert upload["kind"] == "image"
    assert upload["filename"] == "pic.png"
    assert upload["usedBy"] == [{"slug": article.slug, "title": "With a picture"}]
    assert upload["ownerUsage"] == upload["size"]
    assert upload["quota"] > 0
    for query in ("kind=video", "sort=biggest", "limit=0", "owner="):
        response = client.get(f"/api/v1/admin/uploads?{query}", headers=admin_headers)
        assert response.status_code == 422, query


def test_the_api_deletes_anyone_s_upload(app, client, admin_headers, owner, make_upload):
    upload_id, blob = make_upload(owner)
    response = client.delete(f"/api/v1/admin/uploads/{upload_id}", headers=admin_headers)
    assert response.status_code == 204
    assert not _blob_exists(app, blob)
    again = client.delete(f"/api/v1/admin/uploads/{upload_id}", headers=admin_headers)
    assert again.status_code == 404
    assert client.delete(f"/api/v1/admin/uploads/{TOO_BIG}", headers=admin_headers).status_code == (
        404
    )
