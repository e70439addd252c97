"""Reading pages and their buttons: home, tag, article, profiles; favorite, follow, comment."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from inkstone.articles import comments
from inkstone.articles.models import Article, Comment, Favorite
from inkstone.auth.models import User
from inkstone.extensions import db
from inkstone.profiles.models import Follow
from tests.conftest import (
    count_rows,
    csrf_token,
    forget_shared_pages,
    page_text,
    redirect_target,
)


def _main(response):
    """Return the page's ``<main>`` (no navigation bar, no footer), unescaped."""
    page = page_text(response)
    return page[page.index("<main") : page.index("</main>")]


def _titles(response):
    """Return the titles of the previews on a list page, in order."""
    return re.findall(r'<h2 class="mb-1"><a [^>]*><bdi>(.*?)</bdi></a></h2>', page_text(response))


def _current_tab(response):
    """Return the link of the tab marked as the current page."""
    found = re.search(
        r'class="nav-link active" aria-current="page"\s+href="([^"]+)"', page_text(response)
    )
    assert found, "no current tab"
    return found.group(1)


def _post(client, url, data=None, token_from="/guestbook"):
    return client.post(url, data={"csrf_token": csrf_token(client, token_from), **(data or {})})


def _flashes(response):
    return re.findall(r'<div class="alert alert-\w+" role="alert">(.*?)</div>', page_text(response))


@pytest.fixture
def alice(make_user):
    return make_user(
        username="alice", bio="I write about dragons.", image="https://img.example/a.png"
    )


@pytest.fixture
def bob(make_user):
    return make_user(username="bob")


# --------------------------------------------------------------------------- home and lists


def test_home_shows_previews_with_author_date_tags_and_favorite_count(client, alice, make_article):
    make_article(alice, title="How to train your dragon", tag_list=["dragons", "training"])
    response = client.get("/")
    assert response.status_code == 200
    page = _main(response)
    assert "Inkstone" in page
    assert 'class="banner' in page
    assert "How to train your dragon" in page
    assert "A description" in page
    assert 'href="/profile/alice"' in page
    assert 'src="https://img.example/a.png"' in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]+Z" title="[^"]+">[^<]+</time>', page)
    assert "ago" in page or "now" in page  # the relative time
    assert 'href="/tag/dragons"' in page
    assert 'href="/tag/training"' in page
    assert 'href="/article/how-to-train-your-dragon"' in page
    assert "Read more…" in page
    # a visitor's heart is a link to sign in that comes back here, showing the count
    assert re.search(r'href="/login\?next=/"[^>]*title="Sign in to favorite"', page)
    assert "Popular tags" in page
    assert "Your feed" not in page


def test_home_shows_a_signed_in_reader_a_favorite_form_and_their_feed_tab(
    client, alice, bob, make_article, sign_in
):
    make_article(alice, title="Hello")
    sign_in(client, bob)
    page = _main(client.get("/"))
    assert "Your feed" in page
    assert "Global feed" in page
    form = re.search(r'<form method="post" action="/article/hello/favorite".*?</form>', page, re.S)
    assert form
    assert 'name="csrf_token"' in form.group(0)
    assert 'name="next" value="/"' in form.group(0)
    assert 'aria-pressed="false"' in form.group(0)


def test_home_is_paged_twenty_at_a_time_newest_first(client, alice, make_article):
    for i in range(25):
        make_article(alice, title=f"Story {i:02d}")
    first = client.get("/")
    assert _titles(first) == [f"Story {i:02d}" for i in range(24, 4, -1)]
    assert 'href="/?page=2"' in page_text(first)
    second = client.get("/?page=2")
    assert second.status_code == 200
    assert _titles(second) == [f"Story {i:02d}" for i in range(4, -1, -1)]
    assert 'rel="prev" href="/?page=1"' in page_text(second)


@pytest.mark.parametrize(
    "page",
    ["0", "-1", "abc", "1.5", "2", "99999999999999999999", "50000001", "١", "%00", "1e3", ""],
)
def test_bad_or_past_the_end_pages_are_not_found(client, alice, make_article, page):
    make_article(alice)
    response = client.get(f"/?page={page}")
    assert response.status_code == 404
    assert client.get(f"/tag/x?page={page}").status_code == 404
    assert client.get(f"/profile/alice?page={page}").status_code == 404


def test_the_page_limit_matches_the_apis_largest_offset(client, alice, make_article):
    from inkstone.articles.views import PER_PAGE
    from inkstone.core.pagination import MAX_OFFSET

    last = MAX_OFFSET // PER_PAGE + 1  # the last page whose offset the API accepts
    make_article(alice)
    assert client.get(f"/?page={last}").status_code == 404  # empty, but no error
    assert client.get(f"/?page={last + 1}").status_code == 404


def test_tag_page_lists_only_that_tag_with_a_heading(client, alice, make_article):
    make_article(alice, title="About dragons", tag_list=["dragons"])
    make_article(alice, title="About cats", tag_list=["cats"])
    make_article(alice, title="CI notes", tag_list=["CI/CD"])
    response = client.get("/tag/dragons")
    assert response.status_code == 200
    assert _titles(response) == ["About dragons"]
    assert "Articles tagged “<bdi>dragons</bdi>”" in _main(response)
    assert _titles(client.get("/tag/DRAGONS")) == ["About dragons"]
    assert _titles(client.get("/tag/CI/CD")) == ["CI notes"]  # a tag with a slash
    empty = client.get("/tag/nothing-here")
    assert empty.status_code == 200
    assert "No articles with this tag yet." in _main(empty)


def test_tag_page_is_paged(client, alice, make_article):
    for i in range(21):
        make_article(alice, title=f"Tagged {i}", tag_list=["many"])
    assert len(_titles(client.get("/tag/many"))) == 20
    assert 'href="/tag/many?page=2"' in page_text(client.get("/tag/many"))
    assert _titles(client.get("/tag/many?page=2")) == ["Tagged 0"]


def test_your_feed_shows_only_followed_authors(
    client, app, alice, bob, make_user, make_article, sign_in
):
    carol = make_user(username="carol")
    make_article(alice, title="By Alice")
    make_article(carol, title="By Carol")
    sign_in(client, bob)
    assert "No articles here yet. Follow some authors" in _main(client.get("/?feed=mine"))
    assert redirect_target(_post(client, "/profile/alice/follow")) == "/profile/alice"
    response = client.get("/?feed=mine")
    assert _titles(response) == ["By Alice"]
    assert _current_tab(response) == "/?feed=mine"


def test_your_feed_asks_a_visitor_to_sign_in(client):
    response = client.get("/?feed=mine")
    assert redirect_target(response) == "/login?next=/?feed%3Dmine"


# --------------------------------------------------------------------------- the article page


def test_article_page_shows_the_article_meta_tags_and_sanitised_body(client, alice, make_article):
    body = (
        "# Title\n\nSome **bold** text.\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))"
    )
    make_article(
        alice,
        title="Dragons & you",
        description="All <about> dragons",
        tag_list=["dragons"],
        body=body,
    )
    response = client.get("/article/dragons-you")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Dragons &amp; you · Inkstone</title>" in page
    assert '<meta name="description" content="All &lt;about&gt; dragons">' in page
    assert '<link rel="canonical" href="http://localhost/article/dragons-you">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Dragons &amp; you">' in page
    assert '<meta property="og:description" content="All &lt;about&gt; dragons">' in page
    assert '<meta property="og:url" content="http://localhost/article/dragons-you">' in page
    assert "<strong>bold</strong>" in page  # the stored HTML, not escaped
    assert '<img src="x">' in page
    assert "onerror" not in page
    assert 'href="javascript:' not in page
    main = _main(response)
    assert 'href="/tag/dragons"' in main
    assert 'href="/profile/alice"' in main
    assert "Follow <bdi>alice</bdi>" in main
    assert "Favorite article" in main
    assert "Sign in</a> or" in main
    assert "to add comments" in main
    assert "Edit article" not in main
    assert "Delete article" not in main


def test_article_page_shows_its_author_edit_and_delete(client, alice, make_article, sign_in):
    make_article(alice, title="Mine")
    sign_in(client, alice)
    main = _main(client.get("/article/mine"))
    assert 'href="/editor/mine"' in main
    assert re.search(r'action="/article/mine/delete"[^>]*\s+data-confirm="[^"]+"', main)
    assert "Follow <bdi>alice</bdi>" not in main


def test_unknown_article_is_not_found(client):
    assert client.get("/article/no-such-thing").status_code == 404


def test_comments_show_oldest_first_with_delete_only_on_your_own(
    client, app, alice, bob, make_user, make_article, sign_in
):
    article = make_article(alice, title="Talked about")
    carol = make_user(username="carol")
    with app.app_context():
        from inkstone.articles.comments import add_comment

        found = db.session.get(Article, article.id)
        for author, text in ((bob, "First!"), (carol, "Second\nwith a new line"), (bob, "Third")):
            add_comment(article=found, author=db.session.get(User, author.id), body=text)
        db.session.commit()
    sign_in(client, bob)
    main = _main(client.get("/article/talked-about"))
    assert main.index("First!") < main.index("Second<br>with a new line") < main.index("Third")
    assert main.count("Delete comment") == 2  # bob's two, not carol's
    assert 'id="comment-body"' in main
    assert 'for="comment-body"' in main


# --------------------------------------------------------------------------- buttons


def test_favorite_and_unfavorite_change_the_count(client, app, alice, bob, make_article, sign_in):
    article = make_article(alice, title="Loved")
    sign_in(client, bob)
    response = _post(client, "/article/loved/favorite", {"next": "/?page=1"})
    assert redirect_target(response) == "/?page=1"
    with app.app_context():
        assert count_rows(Favorite, Favorite.article_id == article.id) == 1
    page = client.get("/article/loved")
    assert "Added “Loved” to your favorites." in _flashes(page)
    assert "Unfavorite article" in _main(page)
    assert re.search(r'<span class="badge text-bg-light">1</span>', _main(page))
    assert 'aria-pressed="true"' in page_text(client.get("/"))
    assert redirect_target(_post(client, "/article/loved/unfavorite")) == "/article/loved"
    with app.app_context():
        assert count_rows(Favorite, Favorite.article_id == article.id) == 0
    assert "Favorite article" in _main(client.get("/article/loved"))


def test_follow_and_unfollow_from_the_article_page(client, app, alice, bob, make_article, sign_in):
    make_article(alice, title="Followable")
    sign_in(client, bob)
    response = _post(client, "/profile/alice/follow", {"next": "/article/followable"})
    assert redirect_target(response) == "/article/followable"
    with app.app_context():
        assert count_rows(Follow, Follow.follower_id == bob.id, Follow.followee_id == alice.id) == 1
    page = client.get("/article/followable")
    assert "You follow alice now." in _flashes(page)
    assert "Unfollow <bdi>alice</bdi>" in _main(page)
    _post(client, "/profile/alice/unfollow", {"next": "/article/followable"})
    with app.app_context():
        assert count_rows(Follow, Follow.follower_id == bob.id) == 0


def test_following_yourself_is_refused_with_a_message(client, app, alice, sign_in):
    sign_in(client, alice)
    response = _post(client, "/profile/alice/follow")
    assert redirect_target(response) == "/profile/alice"
    assert "You can't follow yourself." in _flashes(client.get("/profile/alice"))
    with app.app_context():
        assert count_rows(Follow) == 0


def test_unknown_profile_or_article_buttons_are_not_found(client, bob, sign_in):
    sign_in(client, bob)
    assert _post(client, "/profile/nobody/follow").status_code == 404
    assert _post(client, "/article/nothing/favorite").status_code == 404


def test_add_and_delete_a_comment(client, app, alice, bob, make_article, sign_in):
    article = make_article(alice, title="Discuss")
    sign_in(client, bob)
    response = _post(client, "/article/discuss/comments", {"body": "  Nice <b>work</b>  "})
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.article_id == article.id))
        assert comment.body == "Nice <b>work</b>"
        comment_id = comment.id
    assert redirect_target(response) == f"/article/discuss#comment-{comment_id}"
    page = client.get("/article/discuss")
    assert "Nice &lt;b&gt;work&lt;/b&gt;" in page.get_data(as_text=True)  # escaped
    assert "Your comment is posted." in _flashes(page)
    response = _post(client, f"/article/discuss/comments/{comment_id}/delete")
    assert redirect_target(response) == "/article/discuss#comments"
    with app.app_context():
        assert count_rows(Comment) == 0


def test_an_empty_or_huge_comment_is_refused(client, app, alice, bob, make_article, sign_in):
    make_article(alice, title="Quiet")
    sign_in(client, bob)
    response = _post(client, "/article/quiet/comments", {"body": "   "})
    assert redirect_target(response) == "/article/quiet#comment-form"
    assert "Write a comment first." in _flashes(client.get("/article/quiet"))
    _post(client, "/article/quiet/comments", {"body": "x" * 10_001})
    assert "Use at most 10000 characters." in _flashes(client.get("/article/quiet"))
    with app.app_context():
        assert count_rows(Comment) == 0


def test_you_cannot_delete_someone_elses_comment(client, app, alice, bob, make_article, sign_in):
    article = make_article(alice, title="Guarded")
    with app.app_context():
        from inkstone.articles.comments import add_comment

        view = add_comment(
            article=db.session.get(Article, article.id),
            author=db.session.get(User, alice.id),
            body="Mine",
        )
        db.session.commit()
    sign_in(client, bob)
    assert _post(client, f"/article/guarded/comments/{view.id}/delete").status_code == 403
    assert _post(client, "/article/guarded/comments/99999999/delete").status_code == 404
    assert _post(client, f"/article/guarded/comments/{2**70}/delete").status_code == 404
    with app.app_context():
        assert count_rows(Comment) == 1


def test_author_deletes_an_article_others_cannot(client, app, alice, bob, make_article, sign_in):
    make_article(alice, title="Doomed")
    sign_in(client, bob)
    assert _post(client, "/article/doomed/delete").status_code == 403
    with app.app_context():
        assert count_rows(Article) == 1
    sign_in(client, alice)
    response = _post(client, "/article/doomed/delete")
    assert redirect_target(response) == "/profile/alice"
    assert "“Doomed” is deleted." in _flashes(client.get("/profile/alice"))
    with app.app_context():
        assert count_rows(Article) == 0
    assert client.get("/article/doomed").status_code == 404


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/article/target/favorite", {}),
        ("/article/target/unfavorite", {}),
        ("/profile/alice/follow", {}),
        ("/article/target/comments", {"body": "hi"}),
        ("/article/target/delete", {}),
        ("/article/target/publish", {}),
    ],
)
def test_buttons_without_a_csrf_token_are_refused(
    client, app, alice, bob, make_article, sign_in, url, data
):
    make_article(alice, title="Target")
    sign_in(client, alice if url.endswith(("delete", "publish")) else bob)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "Reload the page and try again." in page_text(response)
    with app.app_context():
        assert count_rows(Article) == 1
        assert count_rows(Favorite) == count_rows(Follow) == count_rows(Comment) == 0


@pytest.mark.parametrize(
    "url",
    ["/article/target/favorite", "/profile/alice/follow", "/article/target/comments"],
)
def test_a_visitor_pressing_a_button_is_sent_to_sign_in_and_back(
    client, app, alice, make_article, url
):
    make_article(alice, title="Target")
    response = _post(client, url, {"next": "/tag/x?page=1", "body": "hi"})
    location = redirect_target(response)
    assert location.startswith("/login?")
    assert parse_qs(urlsplit(location).query)["next"] == ["/tag/x?page=1"]
    with app.app_context():
        assert count_rows(Favorite) == count_rows(Follow) == count_rows(Comment) == 0


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_buttons_never_lead_off_the_site(client, alice, bob, make_article, sign_in, target):
    make_article(alice, title="Safe")
    sign_in(client, bob)
    assert (
        redirect_target(_post(client, "/article/safe/favorite", {"next": target}))
        == "/article/safe"
    )


# --------------------------------------------------------------------------- drafts


@pytest.fixture
def draft(alice, make_article):
    return make_article(alice, title="Secret plans", tag_list=["plans"], published=False)


def test_drafts_never_leak_to_others(client, alice, bob, draft, make_article, sign_in):
    make_article(alice, title="Public", tag_list=["plans"])
    for who in (None, bob):
        if who is not None:
            sign_in(client, who)
        assert "Secret plans" not in page_text(client.get("/"))
        assert "Secret plans" not in page_text(client.get("/tag/plans"))
        assert "Secret plans" not in page_text(client.get("/profile/alice"))
        assert "Drafts" not in _main(client.get("/profile/alice"))
        assert client.get("/profile/alice/drafts").status_code == 404
        assert client.get("/article/secret-plans").status_code == 404
        editor = client.get("/editor/secret-plans")
        if who is None:  # a visitor is sent to sign in first, and learns nothing
            assert redirect_target(editor).startswith("/login?")
        else:
            assert editor.status_code == 404
    assert _post(client, "/article/secret-plans/favorite").status_code == 404
    assert _post(client, "/article/secret-plans/publish").status_code == 404
    assert _post(client, "/article/secret-plans/comments", {"body": "hi"}).status_code == 404


def test_the_author_sees_a_draft_with_a_badge_and_under_drafts(client, alice, draft, sign_in):
    sign_in(client, alice)
    page = client.get("/article/secret-plans")
    assert page.status_code == 200
    main = _main(page)
    assert "Draft" in main
    assert "Only you can see this draft." in main
    assert 'action="/article/secret-plans/publish"' in main
    assert "Favorite article" not in main
    assert "Comments open when the article is published." in main
    assert '<meta name="robots" content="noindex, nofollow">' in page.get_data(as_text=True)
    profile = _main(client.get("/profile/alice"))
    assert 'href="/profile/alice/drafts"' in profile
    assert "Secret plans" not in profile
    drafts = client.get("/profile/alice/drafts")
    assert _titles(drafts) == ["Secret plans"]
    assert "Drafts are visible only to you" in _main(drafts)
    listed = _main(drafts).split("article-list")[1]
    assert "/favorite" not in listed
    assert "Draft" in listed  # a draft can't be favorited


def test_publishing_a_draft_puts_it_on_the_home_page(client, app, alice, draft, sign_in):
    sign_in(client, alice)
    assert (
        redirect_target(_post(client, "/article/secret-plans/publish")) == "/article/secret-plans"
    )
    assert "Your article is published." in _flashes(client.get("/article/secret-plans"))
    with app.app_context():
        assert db.session.get(Article, draft.id).published is True
    with client.session_transaction() as session:
        session.clear()  # now a visitor
    assert _titles(client.get("/")) == ["Secret plans"]
    assert _titles(client.get("/tag/plans")) == ["Secret plans"]


# --------------------------------------------------------------------------- profiles


def test_profile_shows_bio_articles_and_favorites(client, app, alice, bob, make_article, sign_in):
    make_article(alice, title="Alice writes")
    liked = make_article(bob, title="Bob writes")
    with app.app_context():
        from inkstone.articles.services import favorite

        favorite(article=db.session.get(Article, liked.id), user=db.session.get(User, alice.id))
        db.session.commit()
    response = client.get("/profile/alice")
    assert response.status_code == 200
    main = _main(response)
    assert "alice" in main
    assert "I write about dragons." in main
    assert _titles(response) == ["Alice writes"]
    assert "Follow <bdi>alice</bdi>" in main
    assert "Edit profile settings" not in main
    favorites = client.get("/profile/alice/favorites")
    assert _titles(favorites) == ["Bob writes"]
    assert _current_tab(favorites) == "/profile/alice/favorites"
    assert _titles(client.get("/profile/ALICE")) == ["Alice writes"]
    sign_in(client, alice)
    own = _main(client.get("/profile/alice"))
    assert 'href="/settings"' in own
    assert "Edit profile settings" in own
    assert "Follow <bdi>alice</bdi>" not in own


def test_unknown_profile_is_not_found(client):
    assert client.get("/profile/nobody").status_code == 404
    assert client.get("/profile/nobody/favorites").status_code == 404


def test_profile_lists_are_paged(client, alice, make_article):
    for i in range(21):
        make_article(alice, title=f"Piece {i}")
    assert 'href="/profile/alice?page=2"' in page_text(client.get("/profile/alice"))
    assert _titles(client.get("/profile/alice?page=2")) == ["Piece 0"]


# --------------------------------------------------------------------------- no inline code


@pytest.mark.parametrize("path", ["/", "/tag/t", "/article/inline", "/profile/alice", "/editor"])
def test_pages_carry_no_inline_script_or_style(client, alice, make_article, sign_in, path):
    make_article(alice, title="Inline", tag_list=["t"], body="<b onclick='x()'>hi</b>")
    sign_in(client, alice)
    page = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\sstyle=|\son[a-z]+=|javascript:", page, re.I)
    assert "<style" not in page


# --------------------------------------------------------------------------- query counts


def _seed_list(make_user, make_article, n):
    """Create ``n`` published articles, each by a different author, with tags."""
    for _ in range(n):
        author = make_user()
        make_article(author, title=f"Piece by {author.username}", tag_list=[author.username, "all"])


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_runs_a_fixed_number_of_queries(
    client, bob, make_user, make_article, sign_in, count_queries, signed_in
):
    if signed_in:
        sign_in(client, bob)
    client.get("/")  # a running site has read its settings already
    counts = []
    for added, shown in ((3, 3), (17, 20)):
        _seed_list(make_user, make_article, added)
        forget_shared_pages(client.application)  # count what rendering it costs
        with count_queries() as log:
            response = client.get("/")
        assert len(_titles(response)) == shown
        counts.append(len(log))
    assert counts[0] == counts[1], f"queries grew with the list:\n{log}"
    # Signed in: 7, and the navbar bell's unread count (one COUNT on a partial index).
    assert counts[1] <= (8 if signed_in else 3), str(log)
    assert sum("FROM notifications" in sql for sql in log) == (1 if signed_in else 0), str(log)


def test_feed_and_profile_run_a_fixed_number_of_queries(
    app, client, bob, make_user, make_article, sign_in, count_queries
):
    sign_in(client, bob)
    _seed_list(make_user, make_article, 20)
    with app.app_context():
        for writer in db.session.scalars(select(User).where(User.id != bob.id)):
            db.session.add(Follow(follower_id=bob.id, followee_id=writer.id))
        db.session.commit()
    with count_queries() as log:
        response = client.get("/?feed=mine")
    assert len(_titles(response)) == 20
    assert len(log) <= 8, str(log)  # 7 and the bell's count
    with count_queries() as log:
        client.get("/profile/bob/favorites")
    assert len(log) <= 10, str(log)  # 8, the bell's count and the newsletter button's state


@pytest.mark.parametrize("signed_in", [False, True])
def test_article_page_runs_a_fixed_number_of_queries(
    app, client, alice, bob, make_user, make_article, sign_in, count_queries, signed_in
):
    article = make_article(alice, title="Busy", tag_list=["a", "b", "c"])
    if signed_in:
        sign_in(client, bob)
    counts = []
    for commenters in (1, 6):
        with app.app_context():
            from inkstone.articles.comments import add_comment

            found = db.session.get(Article, article.id)
            for _ in range(commenters):
                writer = db.session.get(User, make_user().id)
                add_comment(article=found, author=writer, body=f"From {writer.username}")
            db.session.commit()
        client.get("/article/busy")
        forget_shared_pages(app)  # count what rendering it costs
        with count_queries() as log:
            response = client.get("/article/busy")
        assert response.status_code == 200
        counts.append(len(log))
    assert _main(response).count('class="card mb-3"') == 7
    assert counts[0] == counts[1], f"queries grew with the comments:\n{log}"
    # Signed in: 8 with the viewer's roles (a moderator gets a delete button on every comment),
    # the bell's unread count and the newsletter button's state.
    assert counts[1] <= (10 if signed_in else 2), str(log)


# --------------------------------------------------------------------------- comments.list_comments


def test_comment_views_reads_oldest_first_with_follow_flags(app, alice, bob, make_article):
    from inkstone.articles.comments import add_comment
    from inkstone.profiles.services import follow

    article = make_article(alice, title="Read me")
    with app.app_context():
        found = db.session.get(Article, article.id)
        a, b = db.session.get(User, alice.id), db.session.get(User, bob.id)
        add_comment(article=found, author=b, body="one")
        add_comment(article=found, author=a, body="two")
        follow(follower=b, followee=a)
        db.session.flush()
        seen = comments.list_comments(slug="read-me", viewer=b)
        assert [(c.body, c.author.username, c.author.following) for c in seen] == [
            ("one", "bob", False),
            ("two", "alice", True),
        ]
        assert [
            c.author.following for c in comments.list_comments(slug="read-me", viewer=None)
        ] == [
            False,
            False,
        ]
        assert comments.list_comments(slug="missing", viewer=None) == []
        db.session.rollback()


# --------------------------------------------------------------------------- remembered HTML


def test_remembered_fragments_follow_the_data_and_the_language(
    client, alice, bob, make_article, sign_in
):
    make_article(alice, title="First", tag_list=["alpha"])
    page = _main(client.get("/"))
    assert 'href="/tag/alpha"' in page
    assert "beta" not in page
    make_article(alice, title="Second", tag_list=["beta"])
    page = _main(client.get("/"))
    assert 'href="/tag/beta"' in page  # the sidebar and the list both changed
    assert _titles(client.get("/")) == ["Second", "First"]
    client.set_cookie("locale", "zh_CN")
    chinese = _main(client.get("/"))
    for english in (
        "Popular tags",
        "Global feed",
        "Read more…",
        "A place to share your knowledge.",
    ):
        assert english not in chinese
    client.delete_cookie("locale")
    sign_in(client, bob)
    signed_in = _main(client.get("/"))
    assert "Your feed" in signed_in  # the tabs differ for a signed-in reader
    assert 'action="/article/second/favorite"' in signed_in


def test_remembered_html_is_bounded_per_process():
    from inkstone.articles.fragments import Memo

    memo = Memo(16)
    for i in range(100):
        memo.put(i, str(i))
    assert memo.get(99) == "99"
    assert memo.get(0) is None
    assert len(memo._data) <= 16


def test_the_highlighting_stylesheet_is_current_and_linked(client, alice, make_article):
    from pathlib import Path

    from inkstone.articles.markdown import pygments_css

    static = Path(__file__).resolve().parents[2] / "src/inkstone/web/static/css/highlight.css"
    assert static.read_text(encoding="utf-8").endswith(pygments_css())
    make_article(alice, title="Code", body="```python\nprint('hi')\n```")
    page = client.get("/article/code").get_data(as_text=True)
    assert re.search(r'<link rel="stylesheet" href="/static/css/highlight\.css\?v=\w+">', page)
    assert '<pre class="highlight">' in page


def test_buttons_on_a_list_lead_back_to_its_canonical_address(client, alice, make_article):
    for i in range(21):
        make_article(alice, title=f"Item {i}", tag_list=["t"])
    page = page_text(client.get("/tag/t?page=2&utm_source=x&junk=%3Cb%3E"))
    assert 'href="/login?next=/tag/t?page%3D2"' in page
    assert "utm_source" not in page.split("<main")[1]
