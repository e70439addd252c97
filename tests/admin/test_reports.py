"""Reports: readers report items (API and site); moderators resolve them in the queue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.admin.models import Report
from inkstone.articles import comments
from inkstone.articles.models import Article, Comment
from inkstone.auth.models import AuditEvent, RoleName, User, UserStatus
from inkstone.extensions import db
from inkstone.guestbook import services as guestbook_services
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import IsolatedClient, count_rows, csrf_token, page_text, redirect_target


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def _report(client, headers, target, reason="Spam"):
    return client.post(
        "/api/v1/reports", json={"report": target, "reason": reason}, headers=headers
    )


def _comment(app, article, author, body="Buy pills"):
    with app.app_context():
        view = comments.add_comment(
            article=db.session.get(Article, article.id),
            author=db.session.get(User, author.id),
            body=body,
        )
        db.session.commit()
        return view.id


def _message(app, author=None, body="Cheap watches"):
    with app.app_context():
        signer = db.session.get(User, author.id) if author else None
        message = guestbook_services.post_message(name="Someone", body=body, author=signer)
        db.session.commit()
        return message.id


def _events(kind):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind)))


# --------------------------------------------------------------------------- filing (API)


def test_a_reader_reports_an_article_a_comment_and_a_message(
    app, client, alice, bob, make_article, auth_headers
):
    article = make_article(alice, title="Dubious claims")
    comment_id = _comment(app, article, alice)
    message_id = _message(app, alice)
    headers = auth_headers(bob)
    first = _report(client, headers, {"article": article.slug}, "Misleading")
    assert first.status_code == 201
    body = first.json["report"]
    assert (body["targetType"], body["excerpt"], body["reason"], body["status"]) == (
        "article",
        "Dubious claims",
        "Misleading",
        "open",
    )
    assert body["targetId"] == str(article.id)
    assert "reporter" not in body
    assert _report(client, headers, {"comment": comment_id}).status_code == 201
    assert _report(client, headers, {"guestbookMessage": message_id}).status_code == 201
    with app.app_context():
        reports = list(db.session.scalars(select(Report).order_by(Report.created_at)))
        assert [(r.target_type, r.target_author_id, r.reporter_id) for r in reports] == [
            ("article", alice.id, bob.id),
            ("comment", alice.id, bob.id),
            ("guestbook", alice.id, bob.id),
        ]
        assert reports[1].excerpt == "Buy pills"
        filed = _events("report.filed")
        # logged under the reporter: the author's own log never names who reported them
        assert {(e.user_id, e.actor_id) for e in filed} == {(bob.id, None)}


def test_one_open_report_per_reader_and_item(client, alice, bob, make_article, auth_headers):
    article = make_article(alice)
    assert _report(client, auth_headers(bob), {"article": article.slug}).status_code == 201
    again = _report(client, auth_headers(bob), {"article": article.slug})
    assert again.status_code == 409
    assert "already reported" in again.json["errors"]["report"][0]


def test_reports_need_a_signed_in_reader(client, alice, make_article):
    article = make_article(alice)
    assert _report(client, {}, {"article": article.slug}).status_code == 401


def test_unknown_or_private_items_are_refused(app, client, alice, bob, make_article, auth_headers):
    # The body names the item (no path parameter does): 422 with the field, never a 404.
    draft = make_article(alice, published=False)
    headers = auth_headers(bob)
    for target in (
        {"article": "no-such-article"},
        {"article": draft.slug},
        {"comment": 12345},
        {"guestbookMessage": 12345},
    ):
        response = _report(client, headers, target)
        assert response.status_code == 422, target
        assert "not found" in next(iter(response.json["errors"].values()))[0]


@pytest.mark.parametrize(
    "payload",
    [
        {"report": {}, "reason": "x"},
        {"report": {"article": "a", "comment": 1}, "reason": "x"},
        {"report": {"comment": 2**63}, "reason": "x"},
        {"report": {"comment": "12"}, "reason": "x"},
        {"report": {"comment": 0}, "reason": "x"},
        {"report": {"article": "a"}, "reason": ""},
        {"report": {"article": "a"}, "reason": "x" * 501},
        {"report": {"article": "a"}},
        {"report": "article", "reason": "x"},
        {"reason": "x"},
    ],
)
def test_bad_input_is_422(client, bob, auth_headers, payload):
    response = client.post("/api/v1/reports", json=payload, headers=auth_headers(bob))
    assert response.status_code == 422, response.json


def test_ids_past_int64_are_422(client, bob, auth_headers):
    response = client.post(
        "/api/v1/reports",
        data='{"report": {"comment": 99999999999999999999}, "reason": "x"}',
        content_type="application/json",
        headers=auth_headers(bob),
    )
    assert response.status_code == 422


def test_a_blank_reason_or_ones_own_writing_is_422(client, alice, bob, make_article, auth_headers):
    article = make_article(alice)
    assert _report(client, auth_headers(bob), {"article": article.slug}, "   ").status_code == 422
    own = _report(client, auth_headers(alice), {"article": article.slug})
    assert own.status_code == 422


def test_reports_are_rate_limited_per_person(
    app, make_limited_app, make_user, make_article, auth_headers
):
    limited = make_limited_app(RATELIMIT_REPORT="2/minute", SECRET_KEY=app.config["SECRET_KEY"])
    limited.test_client_class = IsolatedClient
    writer = make_user("writer")
    reader = make_user("reader1")
    articles = [make_article(writer) for _ in range(3)]
    client = limited.test_client()
    headers = auth_headers(reader)
    codes = [_report(client, headers, {"article": a.slug}).status_code for a in articles]
    assert codes == [201, 201, 429]
    # another person has a budget of their own
    other = auth_headers(make_user("reader2"))
    assert _report(client, other, {"article": articles[0].slug}).status_code == 201


# --------------------------------------------------------------------------- filing (site)


def test_the_report_buttons_lead_to_a_form(app, client, alice, bob, make_article, sign_in):
    article = make_article(alice, title="On the page")
    comment_id = _comment(app, article, alice)
    message_id = _message(app, alice)
    sign_in(client, bob)
    page = page_text(client.get(f"/article/{article.slug}"))
    assert page.count(f'href="/report/article/{article.slug}"') == 1
    assert page.count(f'href="/report/comment/{comment_id}"') == 1
    guestbook = page_text(client.get("/guestbook"))
    assert guestbook.count(f'href="/report/guestbook/{message_id}"') == 1
    form = client.get(f"/report/article/{article.slug}")
    assert form.status_code == 200
    assert "On the page" in page_text(form)
    token = csrf_token(client, f"/report/comment/{comment_id}")
    sent = client.post(
        f"/report/comment/{comment_id}", data={"csrf_token": token, "reason": "Spam"}
    )
    assert redirect_target(sent) == f"/article/{article.slug}#comment-{comment_id}"
    with app.app_context():
        assert count_rows(Report) == 1
    again = client.post(
        f"/report/comment/{comment_id}", data={"csrf_token": token, "reason": "Spam"}
    )
    assert again.status_code == 302
    blank = client.post(f"/report/guestbook/{message_id}", data={"csrf_token": token, "reason": ""})
    assert blank.status_code == 422
    assert "Please say why" in page_text(blank)
    assert client.post(f"/report/guestbook/{message_id}", data={"reason": "x"}).status_code == 400


def test_authors_see_no_report_button_on_their_own_article(client, alice, make_article, sign_in):
    article = make_article(alice)
    sign_in(client, alice)
    assert "/report/article/" not in page_text(client.get(f"/article/{article.slug}"))


def test_the_report_form_sends_visitors_to_sign_in_and_hides_private_items(
    client, alice, bob, make_article, sign_in
):
    article = make_article(alice)
    draft = make_article(alice, published=False)
    assert "/login" in redirect_target(client.get(f"/report/article/{article.slug}"))
    sign_in(client, bob)
    assert client.get(f"/report/article/{draft.slug}").status_code == 404
    assert client.get("/report/comment/99999999999999999999").status_code == 404
    assert client.get("/report/guestbook/1").status_code == 404


# --------------------------------------------------------------------------- the queue


def _file(client, auth_headers, reporter, target, reason="Spam"):
    response = _report(client, auth_headers(reporter), target, reason)
    assert response.status_code == 201
    return response.json["report"]["id"]


def test_the_queue_shows_reporters_to_moderators_only(
    client, moderator, alice, bob, make_article, auth_headers
):
    article = make_article(alice, title="Reported")
    _file(client, auth_headers, bob, {"article": article.slug}, "Off topic")
    listed = client.get("/api/v1/admin/reports?status=open", headers=auth_headers(moderator))
    assert listed.status_code == 200
    assert listed.json["reportsCount"] == 1
    entry = listed.json["reports"][0]
    assert (entry["reporter"], entry["targetAuthor"], entry["reason"]) == (
        "bob",
        "alice",
        "Off topic",
    )
    assert entry["articleSlug"] == article.slug
    assert client.get("/api/v1/admin/reports", headers=auth_headers(alice)).status_code == 403
    assert client.get("/api/v1/admin/reports").status_code == 401
    bad = client.get("/api/v1/admin/reports?status=nope", headers=auth_headers(moderator))
    assert bad.status_code == 422


def test_dismissing_resolves_every_open_report_of_the_item(
    app, client, moderator, alice, bob, make_user, make_article, auth_headers
):
    carol = make_user("carol")
    article = make_article(alice)
    first = _file(client, auth_headers, bob, {"article": article.slug})
    _file(client, auth_headers, carol, {"article": article.slug})
    done = client.post(
        f"/api/v1/admin/reports/{first}/resolve",
        json={"action": "dismiss", "note": "fine"},
        headers=auth_headers(moderator),
    )
    assert done.status_code == 200
    assert len(done.json["reports"]) == 2
    assert {r["status"] for r in done.json["reports"]} == {"resolved"}
    with app.app_context():
        assert {r.resolution for r in db.session.scalars(select(Report))} == {"dismiss"}
        resolved = _events("report.resolved")
        assert {(e.user_id, e.actor_id) for e in resolved} == {
            (bob.id, moderator.id),
            (carol.id, moderator.id),
        }
        assert db.session.get(Article, article.id).published
    again = client.post(
        f"/api/v1/admin/reports/{first}/resolve",
        json={"action": "dismiss"},
        headers=auth_headers(moderator),
    )
    assert again.status_code == 409


def test_hide_and_delete_act_on_the_item(
    app, client, moderator, alice, bob, make_article, auth_headers
):
    article = make_article(alice)
    comment_id = _comment(app, article, alice)
    message_id = _message(app)
    hide = _file(client, auth_headers, bob, {"article": article.slug}, "Hateful")
    comment = _file(client, auth_headers, bob, {"comment": comment_id})
    message = _file(client, auth_headers, bob, {"guestbookMessage": message_id})
    headers = auth_headers(moderator)

    def resolve(report_id, action, note=""):
        return client.post(
            f"/api/v1/admin/reports/{report_id}/resolve",
            json={"action": action, "note": note},
            headers=headers,
        )

    assert resolve(comment, "hide").status_code == 422  # only articles hide
    assert resolve(comment, "delete").status_code == 200
    assert resolve(message, "delete").status_code == 200
    assert resolve(hide, "hide", "Breaks the rules").status_code == 200
    with app.app_context():
        hidden = db.session.get(Article, article.id)
        assert not hidden.published
        assert hidden.hidden_reason == "Breaks the rules"
        assert count_rows(Comment) == 0
        assert count_rows(GuestbookMessage) == 0
        assert len(_events("comment.removed")) == 1
        assert len(_events("guestbook.removed")) == 1
        assert _events("article.hidden")[0].actor_id == moderator.id


def test_suspending_the_author_needs_users_manage(
    app, client, admin, moderator, alice, bob, make_article, auth_headers
):
    article = make_article(alice)
    report_id = _file(client, auth_headers, bob, {"article": article.slug})
    url = f"/api/v1/admin/reports/{report_id}/resolve"
    refused = client.post(url, json={"action": "suspend"}, headers=auth_headers(moderator))
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(User, alice.id).status == UserStatus.ACTIVE
        assert db.session.get(Report, int(report_id)).status == "open"
    done = client.post(url, json={"action": "suspend"}, headers=auth_headers(admin))
    assert done.status_code == 200
    with app.app_context():
        assert db.session.get(User, alice.id).status == UserStatus.SUSPENDED


@pytest.mark.parametrize(
    "path",
    ["/api/v1/admin/reports/99999999999999999999/resolve", "/api/v1/admin/reports/1/resolve"],
)
def test_unknown_reports_are_404(client, moderator, auth_headers, path):
    response = client.post(path, json={"action": "dismiss"}, headers=auth_headers(moderator))
    assert response.status_code == 404


def test_a_bad_action_is_422(client, moderator, alice, bob, make_article, auth_headers):
    report_id = _file(client, auth_headers, bob, {"article": make_article(alice).slug})
    url = f"/api/v1/admin/reports/{report_id}/resolve"
    for body in ({"action": "ban"}, {}, {"action": "dismiss", "note": "x" * 501}):
        response = client.post(url, json=body, headers=auth_headers(moderator))
        assert response.status_code == 422, body


# --------------------------------------------------------------------------- the queue (pages)


def test_the_queue_page_resolves_reports(
    app, client, moderator_client, alice, bob, make_article, auth_headers
):
    article = make_article(alice, title="Needs a look")
    report_id = _file(client, auth_headers, bob, {"article": article.slug}, "Looks like spam")
    page = page_text(moderator_client.get("/admin/reports"))
    assert "Needs a look" in page
    assert "Looks like spam" in page
    assert "bob" in page
    assert 'value="suspend"' not in page  # a moderator can't suspend
    token = csrf_token(moderator_client)
    refused = moderator_client.post(
        f"/admin/reports/{report_id}/resolve", data={"csrf_token": token, "action": "suspend"}
    )
    assert refused.status_code == 403
    done = moderator_client.post(
        f"/admin/reports/{report_id}/resolve",
        data={"csrf_token": token, "action": "hide", "note": "Spam, hidden"},
    )
    assert redirect_target(done) == "/admin/reports"
    with app.app_context():
        assert db.session.get(Article, article.id).hidden_reason == "Spam, hidden"
    assert "Needs a look" not in page_text(moderator_client.get("/admin/reports"))
    resolved = page_text(moderator_client.get("/admin/reports?status=resolved"))
    assert "Needs a look" in resolved
    assert "Hidden" in resolved


def test_the_queue_page_refuses_readers_and_bad_input(
    client, make_user, sign_in, moderator_client, admin_client
):
    assert "/login" in redirect_target(client.get("/admin/reports"))
    sign_in(client, make_user("rita", role=RoleName.READER))
    assert client.get("/admin/reports").status_code == 403
    assert moderator_client.get("/admin/reports?status=bogus").status_code == 400
    assert moderator_client.get("/admin/reports?type=bogus").status_code == 400
    token = csrf_token(moderator_client)
    assert (
        moderator_client.post(
            "/admin/reports/99999999999999999999/resolve",
            data={"csrf_token": token, "action": "dismiss"},
        ).status_code
        == 404
    )
    assert (
        moderator_client.post("/admin/reports/1/resolve", data={"action": "dismiss"}).status_code
        == 400
    )
    assert admin_client.get("/admin/reports").status_code == 200
