"""@mentions: found in comments (not in code or addresses) and linked on the article page."""

from __future__ import annotations

import re

import pytest

from inkstone.articles.mentions import MENTIONS_MAX, find_mentions
from tests.conftest import page_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks @ana and @Bob!", ["ana", "Bob"]),
        ("@ana @ANA @Ana again", ["ana"]),  # one person, as first written
        ("mail ana@example.com or @bob@example.com", []),
        ("see `@inline` and ``@double `tick` ``", []),
        ("```\n@fenced\n```\nafter @real", ["real"]),
        ("~~~python\n@decorator\n~~~", []),
        ("end of a sentence @j.doe.", ["j.doe"]),
        ("中文 @张三 你好", ["张三"]),
        ("(@paren) and,@comma", ["paren", "comma"]),
        ("@ alone and @@double", []),
    ],
)
def test_find_mentions(text, expected):
    assert find_mentions(text) == expected


def test_at_most_ten_names():
    names = find_mentions(" ".join(f"@u{i}" for i in range(25)))
    assert names == [f"u{i}" for i in range(MENTIONS_MAX)]


def _comment(client, slug: str, body: str) -> None:
    page = page_text(client.get(f"/article/{slug}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        f"/article/{slug}/comments", data={"csrf_token": token.group(1), "body": body}
    )
    assert response.status_code == 302


def test_mentions_of_accounts_link_to_their_profile_and_nothing_else_is_html(
    client, make_user, make_article, sign_in
):
    make_user(username="Ana")
    make_user(username="gone", status="suspended")
    writer = make_user()
    article = make_article(writer)
    sign_in(client, writer)
    _comment(client, article.slug, "hi @ana, @gone, @nobody <b>x</b> `@ana`\nline two")
    page = page_text(client.get(f"/article/{article.slug}"))
    assert '<a class="mention" href="/profile/Ana">@ana</a>' in page
    assert "@gone" in page
    assert 'href="/profile/gone"' not in page
    assert "@nobody" in page
    assert 'href="/profile/nobody"' not in page
    raw = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert "&lt;b&gt;x&lt;/b&gt;" in raw
    assert "<b>x</b>" not in raw
    assert "`@ana`<br>line two" in page


def test_a_name_taken_after_the_comment_links_once_it_exists(
    client, make_user, make_article, sign_in
):
    writer = make_user()
    article = make_article(writer)
    sign_in(client, writer)
    _comment(client, article.slug, "waiting for @latecomer")
    assert 'href="/profile/latecomer"' not in page_text(client.get(f"/article/{article.slug}"))
    make_user(username="latecomer")
    assert 'href="/profile/latecomer"' in page_text(client.get(f"/article/{article.slug}"))
