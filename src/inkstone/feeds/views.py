"""Atom and RSS feeds, the sitemap and robots.txt.

Feeds hold the newest published articles with their stored, sanitised HTML, read in one
query whatever their length. Every answer carries an ``ETag`` (and feeds a
``Last-Modified``) so readers and crawlers that ask again get ``304 Not Modified``.
Entries are identified by ``tag:`` URIs built from the article's id, so a new title (and
slug) does not make a reader show an article twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import escape

from inkstone.articles import tags as article_tags
from inkstone.auth.usernames import is_deleted_username
from inkstone.core.site import site_settings
from inkstone.feeds import queries as feed_queries
from inkstone.feeds.queries import FeedEntry, FeedSubject
from inkstone.web.site import current_locale_tag

bp = Blueprint("feeds", __name__, template_folder="templates")

FEED_LENGTH = 20
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit for one file
SITEMAP_TAGS = 100
# The "date" part of tag: URIs (RFC 4151): a year this site's name was held. Never change it,
# or every reader shows every entry again.
TAG_URI_DATE = "2026"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
FEED_MAX_AGE = 300
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 forbids even as references; a stray one would break the whole feed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What werkzeug's URL converters leave unquoted in a path segment (BaseConverter.to_url).
_PATH_SAFE = "!$&'()*+,/:;=@"
_PLACEHOLDER = "__inkstone_value__"


@dataclass(frozen=True, slots=True)
class Entry:
    """One article as a feed entry (strings ready for XML)."""

    id: str
    url: str
    title: str
    summary: str
    content: str
    published: datetime
    updated: datetime
    author: str
    author_url: str
    tags: list[str]


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's head and its entries."""

    id: str
    title: str
    subtitle: str
    self_url: str
    alternate_url: str
    updated: datetime
    entries: list[Entry]


# --------------------------------------------------------------------------- routes


@bp.get("/feed.atom")
def site_atom() -> Response:
    """Serve the newest articles of the whole site as an Atom feed."""
    return _atom(_site_feed("feeds.site_atom"))


@bp.get("/feed.rss")
def site_rss() -> Response:
    """Serve the newest articles of the whole site as an RSS 2.0 feed."""
    return _rss(_site_feed("feeds.site_rss"))


@bp.get("/tag/<path:tag>/feed.atom")
def tag_atom(tag: str) -> Response:
    """Serve the newest articles with a tag as an Atom feed (404 for a tag not in use)."""
    subject = feed_queries.tag_subject(name=tag)
    site = site_settings().name
    return _atom(
        _feed(
            feed_id=_tag_uri("feed", "tag", str(subject.id)),
            title=_("%(site)s: articles tagged %(tag)s", site=site, tag=subject.name),
            subtitle=_("The newest articles tagged %(tag)s", tag=subject.name),
            self_url=url_for("feeds.tag_atom", tag=subject.name, _external=True),
            alternate_url=url_for("articles.tag", tag=subject.name, _external=True),
            entries=feed_queries.feed_entries(limit=FEED_LENGTH, tag=subject),
            since=subject.created_at,
        )
    )


@bp.get("/profile/<username>/feed.atom")
def profile_atom(username: str) -> Response:
    """Serve the newest articles of an author as an Atom feed (404 for an unknown user)."""
    subject: FeedSubject = feed_queries.author_subject(username=username)
    site = site_settings().name
    return _atom(
        _feed(
            feed_id=_tag_uri("feed", "profile", str(subject.id)),
            title=_("%(site)s: articles by %(username)s", site=site, username=subject.name),
            subtitle=_("The newest articles by %(username)s", username=subject.name),
            self_url=url_for("feeds.profile_atom", username=subject.name, _external=True),
            alternate_url=url_for("articles.profile", username=subject.name, _external=True),
            entries=feed_queries.feed_entries(limit=FEED_LENGTH, author=subject),
            since=subject.created_at,
        )
    )


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Serve the sitemap: home, popular tags, the newest articles, then authors."""
    tags = article_tags.popular_tags(limit=SITEMAP_TAGS)
    room = SITEMAP_MAX_URLS - 1 - len(tags)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
        _sitemap_url(url_for("articles.home", _external=True)),
    ]
    tag_url = _UrlPattern("articles.tag", "tag")
    parts.extend(_sitemap_url(tag_url(name)) for name in tags)
    article_url = _UrlPattern("articles.article", "slug")
    written = 0
    for slug, updated_at in feed_queries.sitemap_articles(limit=room):
        parts.append(_sitemap_url(article_url(slug), updated_at))
        written += 1
    room -= written
    if room > 0:
        profile_url = _UrlPattern("articles.profile", "username")
        authors = feed_queries.authors_with_articles(limit=room)
        parts.extend(_sitemap_url(profile_url(name)) for name in authors)
    parts.append("</urlset>\n")
    return _conditional(Response("".join(parts), content_type=XML_TYPE))


@bp.get("/robots.txt")
def robots() -> Response:
    """Serve robots.txt: crawl everything but private pages and the API; point at the sitemap."""
    lines = [
        "User-agent: *",
        "Allow: /",
        "Allow: /api/v1/docs",
        "Disallow: /editor",
        "Disallow: /settings",
        "Disallow: /login",
        "Disallow: /register",
        "Disallow: /api/",
        "",
        f"Sitemap: {url_for('feeds.sitemap', _external=True)}",
    ]
    return _conditional(Response("\n".join(lines) + "\n", content_type=TEXT_TYPE))


# --------------------------------------------------------------------------- building feeds


def _site_feed(self_endpoint: str) -> Feed:
    site = site_settings().name
    return _feed(
        feed_id=_tag_uri("feed"),
        title=site,
        subtitle=_("The newest articles on %(site)s", site=site),
        self_url=url_for(self_endpoint, _external=True),
        alternate_url=url_for("articles.home", _external=True),
        entries=feed_queries.feed_entries(limit=FEED_LENGTH),
        since=EPOCH,
    )


def _feed(
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    self_url: str,
    alternate_url: str,
    entries: list[FeedEntry],
    since: datetime,
) -> Feed:
    """Return a feed of ``entries``; an empty one is dated ``since`` (when its subject began)."""
    article_url = _UrlPattern("articles.article", "slug")
    profile_url = _UrlPattern("articles.profile", "username")
    return Feed(
        id=feed_id,
        title=_xml_text(title),
        subtitle=_xml_text(subtitle),
        self_url=self_url,
        alternate_url=alternate_url,
        updated=max((e.updated_at for e in entries), default=since),
        entries=[
            Entry(
                id=_tag_uri("article", str(e.id)),
                url=article_url(e.slug),
                title=_xml_text(e.title),
                summary=_xml_text(e.description),
                content=_xml_text(e.body_html),
                published=e.created_at,
                updated=max(e.updated_at, e.created_at),
                # a deleted account's kept articles: no name, no profile
                author=_xml_text(
                    _("deleted user") if is_deleted_username(e.username) else e.username
                ),
                author_url="" if is_deleted_username(e.username) else profile_url(e.username),
                tags=[_xml_text(t) for t in e.tag_list],
            )
            for e in entries
        ],
    )


def _atom(feed: Feed) -> Response:
    body = render_template("feeds/feed.atom.xml", feed=feed, lang=current_locale_tag())
    return _conditional(Response(body, content_type=ATOM_TYPE), feed.updated)


def _rss(feed: Feed) -> Response:
    body = render_template("feeds/feed.rss.xml", feed=feed, lang=current_locale_tag())
    return _conditional(Response(body, content_type=RSS_TYPE), feed.updated)


def _conditional(response: Response, last_modified: datetime | None = None) -> Response:
    """Tag ``response`` with its ETag (and date); answer 304 if the client has it already."""
    response.add_etag()
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.max_age = FEED_MAX_AGE
    # The feed's own titles are in the reader's language.
    response.vary.add("Accept-Language")
    response.make_conditional(request)
    return response


# --------------------------------------------------------------------------- small helpers


class _UrlPattern:
    """Build many absolute URLs of one endpoint fast: ``url_for`` once, then substitute."""

    def __init__(self, endpoint: str, name: str) -> None:
        url = url_for(endpoint, **{name: _PLACEHOLDER}, _external=True)
        self.head, _, self.tail = url.partition(_PLACEHOLDER)

    def __call__(self, value: str) -> str:
        return f"{self.head}{quote(value, safe=_PATH_SAFE)}{self.tail}"


def _sitemap_url(loc: str, lastmod: datetime | None = None) -> str:
    if lastmod is None:
        return f"<url><loc>{escape(loc)}</loc></url>\n"
    return f"<url><loc>{escape(loc)}</loc><lastmod>{rfc3339(lastmod)}</lastmod></url>\n"


def _tag_uri(*path: str) -> str:
    """Return a ``tag:`` URI (RFC 4151) naming something on this site for good."""
    host = urlsplit(request.host_url).hostname or "localhost"
    return f"tag:{host},{TAG_URI_DATE}:{'/'.join(quote(p, safe='') for p in path)}"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def rfc3339(moment: datetime) -> str:
    """Return ``moment`` as an RFC 3339 UTC timestamp (Atom, sitemaps)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822(moment: datetime) -> str:
    """Return ``moment`` as an RFC 822 date (RSS)."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


@bp.app_template_filter("rfc3339")
def _rfc3339_filter(moment: datetime) -> str:
    return rfc3339(moment)


@bp.app_template_filter("rfc822")
def _rfc822_filter(moment: datetime) -> str:
    return rfc822(moment)
