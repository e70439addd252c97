"""Storage names, thumbnail task idempotence, and file names kept from the sender."""

from __future__ import annotations

import pytest

from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.models import Upload
from inkstone.media.storage import LocalStorage, get_storage
from inkstone.media.tasks import make_thumbnails
from tests.media.conftest import image_bytes

SHA = "ab" * 32


@pytest.mark.parametrize(
    "name", ["../secret_key", "..", f"{SHA}.html", f"{SHA}.png/../x", "x.png", f"/{SHA}.png"]
)
def test_local_storage_refuses_names_it_did_not_make(tmp_path, name):
    storage = LocalStorage(tmp_path / "uploads")

    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.save(name, b"x")
    with pytest.raises(FileNotFoundError):
        storage.open(name)


def test_local_storage_saves_once_and_leaves_no_partial_files(tmp_path):
    storage = LocalStorage(tmp_path / "uploads")

    storage.save(f"{SHA}.txt", b"first")
    storage.save(f"{SHA}.txt", b"second")  # same name, same content by construction

    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [f"{SHA}.txt"]
    with storage.open(f"{SHA}.txt") as f:
        assert f.read() == b"first"
    storage.delete(f"{SHA}.txt")
    storage.delete(f"{SHA}.txt")
    assert not storage.exists(f"{SHA}.txt")


def _limits() -> services.Limits:
    return services.Limits(
        image_bytes=5_000_000, attachment_bytes=5_000_000, quota_bytes=10**9, max_pixels=10**7
    )


def test_the_thumbnail_task_can_run_twice_and_skips_deleted_uploads(app_ctx, make_user):
    owner = make_user()
    upload = services.create_upload(
        owner=owner,
        data=image_bytes("WEBP", (900, 300)),
        filename="C:\\Users\\me\\wide.webp",
        content_type="image/webp",
        limits=_limits(),
        storage=get_storage(),
    )
    assert upload.filename == "wide.webp"
    assert upload.thumbnails == {}  # the task is sent once the request commits

    make_thumbnails.run(upload.id)
    first = dict(db.session.get(Upload, upload.id).thumbnails)
    make_thumbnails.run(upload.id)

    assert db.session.get(Upload, upload.id).thumbnails == first
    assert set(first) == {"96", "400", "1200"}
    assert first["1200"] == upload.blob_name
    db.session.delete(upload)
    db.session.flush()
    make_thumbnails.run(upload.id)  # gone: nothing to do, no error
