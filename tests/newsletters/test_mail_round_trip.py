"""The newsletter end to end against a real local SMTP server (aiosmtpd).

Subscribe signed out, confirm with the mailed link, publish, receive the article with its
RFC 8058 headers, unsubscribe with the header's one-click POST, publish again: nothing.
Tasks run in place (eager), as the SMTP tests of ``core`` do.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from inkstone.extensions import db
from inkstone.newsletters.models import Delivery, Mailing, Subscription, SubscriptionStatus
from tests.conftest import csrf_token, page_text
from tests.newsletters.conftest import SITE, link_in, read, text_of


def _subscribe(client, username: str, address: str):
    path = f"/profile/{username}/subscribe"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "email": address})


def _status(flask_app, address: str) -> str:
    with flask_app.app_context():
        return str(
            db.session.scalar(select(Subscription.status).where(Subscription.email == address))
        )


def test_subscribe_confirm_receive_unsubscribe_by_header_and_receive_nothing_more(
    smtp_app, serve, make_user, make_article, publish
):
    inbox = serve()
    author = make_user("penwright")
    client = smtp_app.test_client()

    answer = _subscribe(client, "penwright", "Reader@Example.org")
    assert answer.status_code == 200
    assert "Check your inbox" in page_text(answer)
    [envelope] = inbox.wait(1)
    assert envelope.rcpt_tos == ["Reader@example.org"]
    confirmation = read(envelope)
    assert confirmation["Subject"] == "Confirm your subscription to penwright"
    link = link_in(confirmation, "/newsletters/confirm/")
    assert _status(smtp_app, "Reader@example.org") == "pending"

    phone = smtp_app.test_client()  # where the mail was read
    page = phone.get(link)
    assert page.status_code == 200
    assert "Confirm the subscription" in page_text(page)
    confirmed = phone.post(link, data={"csrf_token": csrf_token(phone, link)})
    assert "Subscription confirmed" in page_text(confirmed)
    assert _status(smtp_app, "Reader@example.org") == "confirmed"
    again = phone.get(link)  # the link used twice: a friendly answer, not an error
    assert again.status_code == 200
    assert "Already confirmed" in page_text(again)

    article = make_article(author, title="Ink and paper", body="**Bold** words.", published=False)
    publish(article, flask_app=smtp_app)
    envelopes = inbox.wait(2)
    mailed = read(envelopes[1])
    assert envelopes[1].rcpt_tos == ["Reader@example.org"]
    assert mailed["Subject"] == "penwright: Ink and paper"
    header = str(mailed["List-Unsubscribe"]).strip()  # folded: a long line
    assert header.startswith(f"<{SITE}/newsletters/unsubscribe/")
    assert header.endswith(">")
    assert mailed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = mailed.get_body(preferencelist=("html",)).get_content()
    assert "<strong>Bold</strong>" in html
    assert f'href="{SITE}/article/{article.slug}"' in html
    unsubscribe_path = header[1:-1].removeprefix(SITE)
    assert unsubscribe_path in text_of(mailed)  # a visible link too

    # The mail client's one-click unsubscribe: a POST with no cookie and no CSRF token.
    scanner = smtp_app.test_client()
    assert scanner.get(unsubscribe_path).status_code == 200  # a prefetch changes nothing
    assert _status(smtp_app, "Reader@example.org") == "confirmed"
    one_click = smtp_app.test_client().post(
        unsubscribe_path, data={"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    assert _status(smtp_app, "Reader@example.org") == "unsubscribed"
    reused = smtp_app.test_client().post(unsubscribe_path, data={"List-Unsubscribe": "One-Click"})
    assert reused.status_code == 410
    assert "It was used already" in page_text(reused)

    second = make_article(author, title="Second", published=False)
    publish(second, flask_app=smtp_app)
    time.sleep(0.2)  # anything sent would have arrived by now
    assert len(inbox.delivered) == 2


def _confirmed(make_subscriber, author, *addresses):
    for address in addresses:
        make_subscriber(author, address)


def test_a_republished_article_is_mailed_once(
    smtp_app, serve, make_user, make_article, publish, subscribed
):
    inbox = serve()
    author = make_user("onceonly")
    subscribed(author, "a@example.org", "b@example.org")
    article = make_article(author, published=False)
    publish(article, flask_app=smtp_app)
    inbox.wait(2)
    publish(article, on=False, flask_app=smtp_app)
    publish(article, flask_app=smtp_app)
    time.sleep(0.2)
    assert sorted(e.rcpt_tos[0] for e in inbox.delivered) == ["a@example.org", "b@example.org"]
    with smtp_app.app_context():
        assert db.session.scalar(select(Mailing.sent_count)) == 2


def test_a_batch_retried_after_a_transient_failure_mails_each_address_once(
    smtp_app, serve, make_user, make_article, publish, subscribed
):
    # The second message is greylisted: the task retries and goes on from there.
    inbox = serve("250 OK", "451 4.7.1 Greylisted, try again later", "250 OK")
    author = make_user("retrier")
    subscribed(author, "one@example.org", "two@example.org", "three@example.org")
    smtp_app.config["NEWSLETTER_BATCH"] = 2  # two runs of the task, the first retried
    publish(make_article(author, published=False), flask_app=smtp_app)
    inbox.wait(3)
    time.sleep(0.2)
    assert inbox.attempts == 4
    assert sorted(e.rcpt_tos[0] for e in inbox.delivered) == [
        "one@example.org",
        "three@example.org",
        "two@example.org",
    ]
    with smtp_app.app_context():
        assert db.session.scalar(select(Mailing.finished_at)) is not None
        assert len(db.session.scalars(select(Delivery)).all()) == 3


def test_a_permanent_refusal_marks_the_address_bounced_and_the_next_publish_skips_it(
    smtp_app, serve, make_user, make_article, publish, subscribed
):
    inbox = serve("550 5.1.1 No such user here", "250 OK")
    author = make_user("bouncer")
    subscribed(author, "gone@example.org", "here@example.org")
    publish(make_article(author, published=False), flask_app=smtp_app)
    inbox.wait(1)
    time.sleep(0.2)
    assert _status(smtp_app, "gone@example.org") == SubscriptionStatus.BOUNCED
    assert [e.rcpt_tos for e in inbox.delivered] == [["here@example.org"]]

    publish(make_article(author, published=False), flask_app=smtp_app)
    inbox.wait(2)
    time.sleep(0.2)
    assert [e.rcpt_tos for e in inbox.delivered] == [["here@example.org"], ["here@example.org"]]
    assert inbox.attempts == 3


def test_drafts_hidden_articles_and_suspended_authors_mail_nobody(
    smtp_app, serve, make_user, make_article, subscribed
):
    inbox = serve()
    author = make_user("quiet")
    subscribed(author, "fan@example.org")
    make_article(author, published=False)
    suspended = make_user("suspended", status="suspended")
    subscribed(suspended, "fan@example.org")
    with smtp_app.app_context():
        from inkstone.newsletters.sending import plan_mailing

        article = make_article(suspended)
        assert plan_mailing(article_id=article.id) is None
    time.sleep(0.2)
    assert inbox.delivered == []


def test_articles_dated_before_the_subscription_are_not_mailed(
    smtp_app, serve, make_user, make_article, subscribed, publish
):
    # An import, or the demo data, publishes articles dated in the past: a subscriber gets
    # what is published after they subscribed, never the back catalogue.
    from datetime import timedelta

    from inkstone.articles import services as article_services
    from inkstone.auth.models import User
    from inkstone.core.db import utcnow

    inbox = serve()
    author = make_user("archivist")
    subscribed(author, "new@example.org")
    with smtp_app.app_context():
        writer = db.session.get(User, author.id)
        old = article_services.create_article(
            author=writer, title="From the archive", description="", body="Old words."
        )
        old.created_at = old.updated_at = utcnow() - timedelta(days=30)
        db.session.commit()
        assert db.session.scalar(select(Mailing.id)) is None
    fresh = make_article(author, title="Written today", published=False)
    publish(fresh, flask_app=smtp_app)
    [envelope] = inbox.wait(1)
    assert "Written today" in read(envelope)["Subject"]
    time.sleep(0.2)
    assert len(inbox.delivered) == 1
    with smtp_app.app_context():
        assert db.session.scalar(select(Mailing.article_id)) == fresh.id
