"""Each kind of notification, made by the real action through the API, and the exclusions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from inkstone.auth.models import User, UserStatus
from inkstone.extensions import db
from inkstone.jobs.models import Job, JobStatus
from inkstone.notifications.models import Notification
from tests.notifications.conftest import mails_to


def _comment(client, headers, slug, body) -> Any:
    response = client.post(
        f"/api/v1/articles/{slug}/comments", json={"comment": {"body": body}}, headers=headers
    )
    assert response.status_code in (200, 201), response.json
    return response.json["comment"]


def _kinds(body) -> list[str]:
    return [item["kind"] for item in body["notifications"]]


def test_a_comment_tells_the_author_with_a_link_to_it(
    client, ana, ben, make_article, auth_headers, inbox
):
    article = make_article(ana, title="Spring rain")
    comment = _comment(client, auth_headers(ben), article.slug, "Lovely piece")

    body = inbox(ana)
    assert body["unreadCount"] == 1
    assert body["notificationsCount"] == 1
    item = body["notifications"][0]
    assert item["kind"] == "comment"
    assert item["read"] is False
    assert item["actor"]["username"] == "ben"
    assert item["article"] == {"slug": article.slug, "title": "Spring rain"}
    assert item["text"] == "ben commented on Spring rain"
    assert item["url"] == f"/article/{article.slug}#comment-{comment['id']}"
    assert inbox(ben)["notifications"] == []  # never your own action


def test_mentions_notify_each_person_named_once_and_the_author_once(
    client, ana, ben, cai, make_article, auth_headers, inbox
):
    article = make_article(ana)
    _comment(client, auth_headers(ben), article.slug, "@cai @Cai look, and @ana too. @nobody")

    assert _kinds(inbox(cai)) == ["mention"]
    assert inbox(cai)["notifications"][0]["text"].startswith("ben mentioned you")
    assert _kinds(inbox(ana)) == ["comment"]  # named and the author: one notification
    _comment(client, auth_headers(ben), article.slug, "and me: @ben")
    assert inbox(ben)["notifications"] == []


def test_a_new_follower_is_told_once(client, ana, ben, auth_headers, inbox):
    headers = auth_headers(ben)
    assert client.post("/api/v1/profiles/ana/follow", headers=headers).status_code == 200
    assert client.delete("/api/v1/profiles/ana/follow", headers=headers).status_code == 200
    assert client.post("/api/v1/profiles/ana/follow", headers=headers).status_code == 200

    body = inbox(ana)
    assert _kinds(body) == ["follow"]
    assert body["notifications"][0]["text"] == "ben followed you"
    assert body["notifications"][0]["url"] == "/profile/ben"


def test_favorites_are_grouped_while_unread(
    client, ana, make_user, make_article, auth_headers, inbox
):
    article = make_article(ana, title="Autumn")
    fans = [make_user(f"fan{n}") for n in range(4)]
    for fan in fans:
        response = client.post(
            f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(fan)
        )
        assert response.status_code == 200

    body = inbox(ana)
    assert body["unreadCount"] == 1
    (item,) = body["notifications"]
    assert item["actorCount"] == 4
    assert item["actor"]["username"] == "fan3"  # the latest
    assert item["text"] == "fan3 and 3 others favorited Autumn"

    client.post("/api/v1/notifications/read", json={"all": True}, headers=auth_headers(ana))
    late = make_user("late")
    client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(late))
    body = inbox(ana)
    assert [i["actorCount"] for i in body["notifications"]] == [1, 4]  # a new group once read
    assert body["notifications"][0]["text"] == "late favorited Autumn"


def test_a_moderator_hiding_an_article_tells_its_author_why(
    client, ana, moderator, make_article, auth_headers, inbox, mailbox
):
    article = make_article(ana, title="Loud")
    response = client.post(
        f"/api/v1/admin/articles/{article.slug}/hide",
        json={"reason": "Breaks rule 3"},
        headers=auth_headers(moderator),
    )
    assert response.status_code == 200

    (item,) = inbox(ana)["notifications"]
    assert item["kind"] == "moderation"
    assert item["actor"] is None  # the site acted; the audit log says who
    assert "Breaks rule 3" in item["text"]
    assert item["url"] == f"/article/{article.slug}"  # the author still sees it
    (mail,) = mails_to(mailbox, ana)  # moderation mails at once by default
    assert "Breaks rule 3" in mail.body


def test_a_resolved_report_tells_the_reporter(
    client, ana, ben, moderator, make_article, auth_headers, inbox
):
    article = make_article(ana, title="Spammy")
    filed = client.post(
        "/api/v1/reports",
        json={"report": {"article": article.slug}, "reason": "Spam"},
        headers=auth_headers(ben),
    )
    assert filed.status_code == 201
    done = client.post(
        f"/api/v1/admin/reports/{filed.json['report']['id']}/resolve",
        json={"action": "dismiss", "note": "It is fine"},
        headers=auth_headers(moderator),
    )
    assert done.status_code == 200

    (item,) = inbox(ben)["notifications"]
    assert item["kind"] == "report"
    assert "no action was needed" in item["text"]
    assert "It is fine" in item["text"]
    assert item["url"] == f"/article/{article.slug}"


def test_a_finished_export_tells_its_owner(app, client, ana, auth_headers, inbox):
    response = client.post(
        "/api/v1/exports",
        json={"export": {"format": "csv", "scope": "mine"}},
        headers=auth_headers(ana),
    )
    assert response.status_code == 202  # the task ran eagerly when the request committed
    job_id = int(response.json["job"]["id"])
    with app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.SUCCEEDED

    (item,) = inbox(ana)["notifications"]
    assert item["kind"] == "job"
    assert item["text"] == "Your CSV export is done"
    assert item["url"] == f"/jobs/{job_id}"
    assert item["actor"] is None


def test_nothing_from_someone_you_blocked(client, ana, ben, make_article, auth_headers, inbox):
    blocked = client.post("/api/v1/profiles/ben/block", headers=auth_headers(ana))
    assert blocked.status_code == 200, blocked.json
    article = make_article(ana)
    client.post("/api/v1/profiles/ana/follow", headers=auth_headers(ben))
    client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(ben))
    assert inbox(ana)["notifications"] == []


def test_nothing_from_a_suspended_account(app, client, ana, ben, auth_headers, inbox):
    headers = auth_headers(ben)  # issued before the suspension
    with app.app_context():
        # Suspended between its request and the event: the rule is checked when it lands.
        from inkstone.notifications import services

        person = db.session.get(User, ben.id)
        person.status = UserStatus.SUSPENDED.value
        db.session.flush()
        made = services.notify(recipient_id=ana.id, kind=services.Kind.FOLLOW, actor=person)
        assert made is None
        db.session.rollback()
    assert client.post("/api/v1/profiles/ana/follow", headers=headers).status_code == 200
    assert len(inbox(ana)["notifications"]) == 1  # active again: heard


def test_nothing_for_a_kind_turned_off(client, ana, ben, auth_headers, inbox):
    off = client.put(
        "/api/v1/notifications/preferences",
        json={"preferences": {"follow": "off"}},
        headers=auth_headers(ana),
    )
    assert off.status_code == 200
    client.post("/api/v1/profiles/ana/follow", headers=auth_headers(ben))
    assert inbox(ana)["notifications"] == []


def test_a_deleted_comment_takes_its_notifications(
    app, client, ana, ben, cai, make_article, auth_headers, inbox
):
    article = make_article(ana)
    comment = _comment(client, auth_headers(ben), article.slug, "hi @cai")
    assert inbox(ana)["unreadCount"] == inbox(cai)["unreadCount"] == 1
    gone = client.delete(
        f"/api/v1/articles/{article.slug}/comments/{comment['id']}", headers=auth_headers(ben)
    )
    assert gone.status_code in (200, 204)
    assert inbox(ana)["notifications"] == inbox(cai)["notifications"] == []


def test_an_article_back_to_draft_leaves_others_lists(
    client, ana, ben, cai, make_article, auth_headers, inbox
):
    article = make_article(ana)
    _comment(client, auth_headers(ben), article.slug, "@cai see this")
    drafted = client.put(
        f"/api/v1/articles/{article.slug}",
        json={"article": {"published": False}},
        headers=auth_headers(ana),
    )
    assert drafted.status_code == 200, drafted.json
    assert inbox(cai)["notifications"] == []
    assert inbox(cai)["unreadCount"] == 0
    assert _kinds(inbox(ana)) == ["comment"]  # the author still sees their own draft


def test_a_deleted_account_leaves_no_notifications(
    app, client, ana, ben, make_article, auth_headers
):
    from inkstone.accounts.deletion import delete_account

    article = make_article(ana)
    _comment(client, auth_headers(ben), article.slug, "first")
    client.post("/api/v1/profiles/ben/follow", headers=auth_headers(ana))
    with app.app_context():
        delete_account(user=db.session.get(User, ana.id), remove_content=False)
        db.session.commit()
        assert not list(db.session.scalars(select(Notification)))  # hers, and her follow of ben


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_jobs_tell_success_and_failure_not_a_cancel(app, ana, status, app_ctx):
    from inkstone.notifications import subscribers

    job = Job(kind="export.csv", owner_id=ana.id, status=status)
    db.session.add(job)
    db.session.commit()
    subscribers.on_job_finished(job_id=job.id, kind=job.kind, owner_id=ana.id, status=status)
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == ana.id)))
    assert len(rows) == (1 if status == "failed" else 0)


def test_delivering_notifications_leaves_no_transaction_open(app, ana, ben):
    # After a commit outside a request (the CLI, a worker, a migration's test), the session
    # lives on: a subscriber reading after its own commit would begin a transaction nobody
    # ends, whose locks kept a migration waiting for ever.
    from inkstone.articles import comments
    from inkstone.articles import services as articles
    from inkstone.profiles.services import follow

    with app.app_context():
        author = db.session.get(User, ana.id)
        reader = db.session.get(User, ben.id)
        article = articles.create_article(author=author, title="Open", description="", body="b")
        articles.favorite(article=article, user=reader)
        comments.add_comment(article=article, author=reader, body="Hello @ana")
        follow(follower=reader, followee=author)
        db.session.commit()
        assert not db.session().in_transaction()
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == author.id)
        ).all()
        assert sorted(kinds) == ["comment", "favorite", "follow"]
