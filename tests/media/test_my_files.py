"""'My files': your uploads against your quota, where they are shown, deleting one of yours."""

from __future__ import annotations

from pathlib import Path

import pytest

from inkstone.auth.models import User
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.models import Upload
from inkstone.media.storage import get_storage
from tests.conftest import csrf_token, page_text, redirect_target
from tests.media.conftest import image_bytes

TOO_BIG = 2**63


@pytest.fixture
def owner(make_user):
    return make_user(username="ann")


@pytest.fixture
def signed_in(client, owner, sign_in):
    sign_in(client, owner)
    return client


@pytest.fixture
def make_upload(app, db):
    """Store a file for ``owner`` through the service; return (id, blob name)."""

    def make(owner, data: bytes | None = None, filename: str = "cat.png") -> tuple[int, str]:
        with app.app_context():
            upload = services.create_upload(
                owner=db.session.get(User, owner.id),
                data=data if data is not None else image_bytes(),
                filename=filename,
                content_type=None,
                limits=services.configured_limits(),
                storage=get_storage(),
            )
            db.session.commit()
            return upload.id, upload.blob_name

    return make


def test_visitors_are_sent_to_sign_in(client, owner, make_upload):
    upload_id, _ = make_upload(owner)
    for path in ("/settings/files", f"/settings/files/{upload_id}/delete"):
        assert redirect_target(client.get(path)).startswith("/login"), path


def test_the_settings_page_links_to_my_files(signed_in):
    page = page_text(signed_in.get("/settings"))
    assert 'href="/settings/files"' in page
    assert "My files" in page


def test_my_files_lists_mine_only_with_usage_against_the_quota(
    app, signed_in, owner, make_user, make_upload, make_article
):
    mine, blob = make_upload(owner, filename="mine.png")
    theirs, _ = make_upload(make_user(username="bob"), filename="theirs.png")
    make_article(owner, title="Where it shows", body=f"![m](/media/{blob})")
    page = page_text(signed_in.get("/settings/files"))
    assert f"upload-{mine}" in page
    assert "mine.png" in page
    assert "Where it shows" in page
    assert f"upload-{theirs}" not in page
    assert "theirs.png" not in page
    with app.app_context():
        size = db.session.get(Upload, mine).size
        quota = services.configured_limits().quota_bytes
    assert '<progress id="my-quota"' in page
    percent = size * 100 // quota
    assert f"({percent} %)" in page
    assert " used " in page


def test_an_empty_list_says_so(signed_in):
    page = page_text(signed_in.get("/settings/files"))
    assert "You have not uploaded any file yet" in page
    assert signed_in.get("/settings/files?page=2").status_code == 404
    assert signed_in.get("/settings/files?page=x").status_code == 404


def test_i_delete_my_file_after_confirming_and_its_blob_goes(app, signed_in, owner, make_upload):
    upload_id, blob = make_upload(owner, filename="old.png")
    asking = page_text(signed_in.get(f"/settings/files/{upload_id}/delete"))
    assert "Delete this file?" in asking
    assert "old.png" in asking
    token = csrf_token(signed_in, f"/settings/files/{upload_id}/delete")
    response = signed_in.post(f"/settings/files/{upload_id}/delete", data={"csrf_token": token})
    assert redirect_target(response) == "/settings/files"
    with app.app_context():
        assert db.session.get(Upload, upload_id) is None
    assert not (Path(app.instance_path) / "uploads" / blob).exists()
    assert "The file was deleted." in page_text(signed_in.get("/settings/files"))


def test_someone_else_s_file_is_not_found(app, signed_in, make_user, make_upload):
    theirs, blob = make_upload(make_user(username="bob"))
    token = csrf_token(signed_in, "/settings/files")
    assert signed_in.get(f"/settings/files/{theirs}/delete").status_code == 404
    response = signed_in.post(f"/settings/files/{theirs}/delete", data={"csrf_token": token})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Upload, theirs) is not None
    assert (Path(app.instance_path) / "uploads" / blob).exists()
    for bad in (TOO_BIG, 10**30):
        response = signed_in.post(f"/settings/files/{bad}/delete", data={"csrf_token": token})
        assert response.status_code == 404


def test_deleting_needs_the_csrf_token(app, signed_in, owner, make_upload):
    upload_id, _ = make_upload(owner)
    assert signed_in.post(f"/settings/files/{upload_id}/delete").status_code == 400
    with app.app_context():
        assert db.session.get(Upload, upload_id) is not None
