"""Notifications by mail: at once, in a daily digest in the reader's time zone, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inkstone.auth.models import User
from inkstone.extensions import db
from inkstone.notifications import mailing, tasks
from tests.notifications.conftest import mails_to


def _comment(client, headers, slug, body="Nice") -> None:
    response = client.post(
        f"/api/v1/articles/{slug}/comments", json={"comment": {"body": body}}, headers=headers
    )
    assert response.status_code in (200, 201)


def _prefer(client, auth_headers, user, **choices) -> None:
    response = client.put(
        "/api/v1/notifications/preferences",
        json={"preferences": choices},
        headers=auth_headers(user),
    )
    assert response.status_code == 200


def _set(app, user, **attrs) -> None:
    with app.app_context():
        person = db.session.get(User, user.id)
        for key, value in attrs.items():
            setattr(person, key, value)
        db.session.commit()


def test_email_sends_one_mail_at_once_with_links(
    app, client, ana, ben, make_article, auth_headers, mailbox, inbox
):
    article = make_article(ana, title="Plum blossom")
    _comment(client, auth_headers(ben), article.slug, "Beautiful")  # comments mail by default

    (mail,) = mails_to(mailbox, ana)
    assert mail.subject == "ben commented on Plum blossom"
    item = inbox(ana)["notifications"][0]
    assert f"/notifications/{item['id']}/open" in mail.body
    assert "/notifications/preferences" in mail.body
    html = mail.alternatives[0][0]
    assert "<bdi>Plum blossom</bdi>" in html
    assert "Beautiful" in mail.body
    assert mails_to(mailbox, ben) == []


def test_mail_is_written_in_the_readers_language(
    app, client, ana, ben, make_article, auth_headers, mailbox
):
    _set(app, ana, locale="zh_CN")
    article = make_article(ana)
    _comment(client, auth_headers(ben), article.slug)  # ben's request is in English
    (mail,) = mails_to(mailbox, ana)
    assert 'lang="zh-CN"' in mail.alternatives[0][0] or 'lang="zh' in mail.alternatives[0][0]


def test_site_only_and_off_send_no_mail(
    client, ana, ben, make_article, auth_headers, mailbox, inbox
):
    _prefer(client, auth_headers, ana, comment="site", follow="off")
    article = make_article(ana)
    _comment(client, auth_headers(ben), article.slug)
    client.post("/api/v1/profiles/ana/follow", headers=auth_headers(ben))
    assert mails_to(mailbox, ana) == []
    assert [i["kind"] for i in inbox(ana)["notifications"]] == ["comment"]


def test_no_mail_to_an_unconfirmed_address(
    app, client, ana, ben, make_article, auth_headers, mailbox, inbox
):
    _set(app, ana, email_confirmed_at=None)
    article = make_article(ana)
    _comment(client, auth_headers(ben), article.slug)
    assert mails_to(mailbox, ana) == []
    assert inbox(ana)["unreadCount"] == 1  # still on the site


def _at(local: datetime) -> datetime:
    return local.astimezone(UTC)


SHANGHAI = "Asia/Shanghai"


def test_the_digest_goes_once_a_day_at_eight_in_the_readers_zone(
    app, client, ana, ben, cai, make_article, auth_headers, mailbox
):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(SHANGHAI)
    _set(app, ana, timezone=SHANGHAI, locale="zh_CN")
    _prefer(client, auth_headers, ana, comment="digest", follow="digest")
    article = make_article(ana, title="Moon")
    _comment(client, auth_headers(ben), article.slug)
    client.post("/api/v1/profiles/ana/follow", headers=auth_headers(cai))
    assert mails_to(mailbox, ana) == []  # nothing at once

    day = datetime.now(zone).date() + timedelta(days=1)
    seven = datetime(day.year, day.month, day.day, 7, 30, tzinfo=zone)
    eight = seven + timedelta(hours=1)
    with app.app_context():
        assert tasks.send_digests(now=_at(seven)) == 0  # 23:30 UTC: too early in Shanghai
        assert tasks.send_digests(now=_at(eight)) == 1
        assert tasks.send_digests(now=_at(eight + timedelta(minutes=5))) == 0  # a second beat
    (digest,) = mails_to(mailbox, ana)
    assert "2" in digest.subject
    # In ana's language: the sentences in Chinese, with the names and titles as written.
    assert "ben 评论了《Moon》" in digest.body
    assert "cai 关注了你" in digest.body
    assert "commented on" not in digest.body
    assert 'lang="zh' in digest.alternatives[0][0]

    client.post("/api/v1/profiles/ana/follow", headers=auth_headers(ben))
    with app.app_context():
        assert tasks.send_digests(now=_at(eight + timedelta(hours=3))) == 0  # tomorrow's
        assert tasks.send_digests(now=_at(eight + timedelta(days=1))) == 1
    latest = mails_to(mailbox, ana)[-1]
    assert "ben 关注了你" in latest.body
    assert "Moon" not in latest.body  # told already


def test_read_notifications_are_not_in_the_digest(
    app, client, ana, ben, make_article, auth_headers, mailbox
):
    _prefer(client, auth_headers, ana, follow="digest")
    client.post("/api/v1/profiles/ana/follow", headers=auth_headers(ben))
    client.post("/api/v1/notifications/read", json={"all": True}, headers=auth_headers(ana))
    _set(app, ana, timezone=_zone_where_it_is_ten())
    with app.app_context():
        assert tasks.send_digests() == 0
    assert mails_to(mailbox, ana) == []


def _zone_where_it_is_ten() -> str:
    """Return a fixed-offset zone where it is now about ten in the morning."""
    offset = (10 - datetime.now(UTC).hour + 12) % 24 - 12  # -12 … +11 hours from UTC
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")  # Etc/GMT-8 is UTC+8


def test_the_digest_command_sends_what_is_due(
    app, client, cli_runner, ana, ben, auth_headers, mailbox
):
    _set(app, ana, timezone=_zone_where_it_is_ten())
    _prefer(client, auth_headers, ana, follow="digest")
    client.post("/api/v1/profiles/ana/follow", headers=auth_headers(ben))
    result = cli_runner.invoke(args=["notifications", "digest"])
    assert result.exit_code == 0, result.output
    assert "digests sent: 1" in result.output
    assert len(mails_to(mailbox, ana)) == 1
    again = cli_runner.invoke(args=["notifications", "digest"])
    assert "digests sent: 0" in again.output


def test_due_since_is_the_last_eight_oclock():
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    morning = datetime(2026, 3, 9, 7, 59, tzinfo=zone)  # the day after the clocks changed
    assert mailing.due_since(morning, zone) == datetime(2026, 3, 8, 8, 0, tzinfo=zone)
    assert mailing.due_since(morning + timedelta(minutes=1), zone) == datetime(
        2026, 3, 9, 8, 0, tzinfo=zone
    )
