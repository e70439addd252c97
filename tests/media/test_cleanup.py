"""Deleting an account deletes its uploads and their files, but for those its kept writing shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from inkstone.accounts import deletion
from inkstone.auth.models import User, UserStatus
from inkstone.core.errors import Conflict
from inkstone.extensions import db
from inkstone.media.models import Upload
from tests.conftest import DEFAULT_PASSWORD, csrf_token
from tests.media.conftest import UPLOADS, fetch, image_bytes


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def _upload(send, headers, data: bytes, filename: str = "photo.png") -> dict:
    response = send(data, headers, filename=filename)
    assert response.status_code == 201, response.json
    return response.json["upload"]


def _names(upload: dict) -> set[str]:
    """Return the blob names behind an upload's URL and its thumbnails' URLs."""
    urls = {upload["url"], *upload["thumbnails"].values()}
    return {url.rsplit("/", 1)[-1] for url in urls}


def _stored(app, name: str) -> bool:
    return (Path(app.instance_path) / "uploads" / name).is_file()


def _served(client, upload: dict) -> bool:
    """Tell whether the upload and every thumbnail of it are served (all, or none)."""
    urls = {upload["url"], *upload["thumbnails"].values()}
    codes = {fetch(client, url).status_code for url in urls}
    assert len(codes) == 1, codes
    return codes == {200}


def _upload_rows(app, user) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Upload.id).where(Upload.owner_id == user.id)))


def _delete_by_api(client, headers, **extra):
    body = {"user": {"password": DEFAULT_PASSWORD, **extra}}
    return client.delete("/api/v1/user", json=body, headers=headers)


def _delete_on_site(client, content: str):
    data = {
        "csrf_token": csrf_token(client, "/settings/delete"),
        "password": DEFAULT_PASSWORD,
        "content": content,
    }
    return client.post("/settings/delete", data=data)


# --------------------------------------------------------------------------- removing content


def test_deleting_with_content_deletes_every_upload_and_its_files(
    app, client, send, alice, bob, auth_headers, make_article
):
    headers = auth_headers(alice)
    photo = _upload(send, headers, image_bytes("PNG", (1500, 1000)))
    assert len(_names(photo)) == 4  # the image and its three thumbnails
    notes = _upload(send, headers, b"my private notes\n", filename="notes.txt")
    make_article(alice, body=f"![me]({photo['url']})")
    theirs = _upload(send, auth_headers(bob), image_bytes("PNG", (500, 300)))

    assert _delete_by_api(client, headers, removeContent=True).status_code == 204

    assert _upload_rows(app, alice) == set()
    for upload in (photo, notes):
        assert not _served(client, upload)
        assert not any(_stored(app, name) for name in _names(upload))
    # Someone else's upload is none of this deletion's business.
    assert _served(client, theirs)
    assert client.get(f"{UPLOADS}/{theirs['id']}", headers=auth_headers(bob)).status_code == 200


def test_a_file_another_user_uploaded_too_stays_served(app, client, send, alice, bob, auth_headers):
    same = image_bytes("PNG", (900, 600))
    mine = _upload(send, auth_headers(alice), same)
    theirs = _upload(send, auth_headers(bob), same)
    assert mine["url"] == theirs["url"]  # one blob, two uploads

    assert _delete_by_api(client, auth_headers(alice), removeContent=True).status_code == 204

    assert _upload_rows(app, alice) == set()
    assert _served(client, theirs)
    assert all(_stored(app, name) for name in _names(theirs))
    assert client.get(f"{UPLOADS}/{theirs['id']}", headers=auth_headers(bob)).status_code == 200


# --------------------------------------------------------------------------- keeping content


def test_keeping_content_keeps_the_uploads_it_shows_and_deletes_the_rest(
    app, client, send, alice, bob, auth_headers, make_article
):
    headers = auth_headers(alice)
    in_article = _upload(send, headers, image_bytes("JPEG", (1500, 1000)))
    in_comment = _upload(send, headers, image_bytes("PNG", (800, 600)))
    in_draft = _upload(send, headers, image_bytes("PNG", (120, 90)))
    avatar = _upload(send, headers, image_bytes("PNG", (200, 200)))
    unused = _upload(send, headers, b"a list of things\n", filename="list.txt")
    # Linked in every form a writer might paste: absolute, relative, a thumbnail's URL.
    article = make_article(
        alice, body=f"Look:\n\n![view](http://localhost{in_article['url']})\n\nThe end."
    )
    make_article(alice, body=f"![soon]({in_draft['url']})", published=False)
    theirs = make_article(bob)
    comment = {"comment": {"body": f"Same here: ![]({in_comment['thumbnails']['96']})"}}
    posted = client.post(f"/api/v1/articles/{theirs.slug}/comments", json=comment, headers=headers)
    assert posted.status_code == 200, posted.json
    changed = client.put("/api/v1/user", json={"user": {"image": avatar["url"]}}, headers=headers)
    assert changed.status_code == 200, changed.json

    assert _delete_by_api(client, headers).status_code == 204

    assert _upload_rows(app, alice) == {int(u["id"]) for u in (in_article, in_comment, in_draft)}
    for kept in (in_article, in_comment, in_draft):
        assert _served(client, kept)
    page = client.get(f"/article/{article.slug}")
    assert page.status_code == 200
    assert in_article["url"] in page.get_data(as_text=True)
    for gone in (avatar, unused):
        assert not _served(client, gone)
        assert not any(_stored(app, name) for name in _names(gone))


def test_a_link_to_a_thumbnail_keeps_the_whole_upload(
    app, client, send, alice, auth_headers, make_article
):
    headers = auth_headers(alice)
    photo = _upload(send, headers, image_bytes("PNG", (1500, 1000)))
    make_article(alice, body=f"![small]({photo['thumbnails']['400']})")

    assert _delete_by_api(client, headers).status_code == 204

    assert _upload_rows(app, alice) == {int(photo["id"])}
    assert _served(client, photo)


def test_deleting_on_the_site_deletes_the_uploads_too(
    app, client, send, alice, auth_headers, sign_in, make_article
):
    kept = _upload(send, auth_headers(alice), image_bytes("PNG", (300, 200)))
    unused = _upload(send, auth_headers(alice), image_bytes("PNG", (300, 200)))
    make_article(alice, body=f"![]({kept['url']})")
    sign_in(client, alice)

    assert _delete_on_site(client, "keep").status_code in (302, 303)

    assert _upload_rows(app, alice) == {int(kept["id"])}
    assert _served(client, kept)
    assert not _served(client, unused)
    assert not any(_stored(app, name) for name in _names(unused))


def test_deleting_on_the_site_with_content_deletes_every_upload(
    app, client, send, alice, auth_headers, sign_in, make_article
):
    photo = _upload(send, auth_headers(alice), image_bytes("PNG", (300, 200)))
    make_article(alice, body=f"![]({photo['url']})")
    sign_in(client, alice)

    assert _delete_on_site(client, "remove").status_code in (302, 303)

    assert _upload_rows(app, alice) == set()
    assert not _served(client, photo)
    assert not any(_stored(app, name) for name in _names(photo))


# --------------------------------------------------------------------------- rolled back


def test_a_deletion_that_fails_deletes_no_upload_and_no_file(
    app, client, send, alice, auth_headers, monkeypatch
):
    headers = auth_headers(alice)
    photo = _upload(send, headers, image_bytes("PNG", (1500, 1000)))

    def fail(*_args, **_kwargs):
        raise Conflict("the audit log is busy")

    # Fails after every receiver of ``account_deleting`` has run: the request rolls back.
    with monkeypatch.context() as patch:
        patch.setattr(deletion, "record_event", fail)
        assert _delete_by_api(client, headers, removeContent=True).status_code == 409
    # Later requests commit; nothing of the failed one may be sent with them.
    assert _upload(send, headers, b"still here\n", filename="later.txt")

    assert int(photo["id"]) in _upload_rows(app, alice)
    assert _served(client, photo)
    assert all(_stored(app, name) for name in _names(photo))
    assert client.get(f"{UPLOADS}/{photo['id']}", headers=headers).status_code == 200


def test_a_rolled_back_deletion_sends_nothing_with_the_next_commit(
    app, client, send, alice, auth_headers
):
    photo = _upload(send, auth_headers(alice), image_bytes("PNG", (600, 400)))

    with app.app_context():
        user = db.session.get(User, alice.id)
        deletion.delete_account(user=user, remove_content=True)
        db.session.rollback()
        user = db.session.get(User, alice.id)
        user.bio = "changed my mind"
        db.session.commit()
        assert user.status == UserStatus.ACTIVE

    assert int(photo["id"]) in _upload_rows(app, alice)
    assert _served(client, photo)
    assert all(_stored(app, name) for name in _names(photo))
