"""Markdown to safe HTML: markdown-it-py renders, Pygments highlights, nh3 sanitises.

Authors may write some raw HTML (``<kbd>``, ``<details>``, ``<sup>`` …); everything goes
through an allowlist afterwards, so scripts, event handlers, ``style``, raw iframes and
``javascript:`` URLs never reach a reader. Links to other sites get
``rel="nofollow noopener"``. Output is stored with the article (see ``RENDER_VERSION``).
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# Bump when the rendering or the allowlist changes: stored HTML of an older version is
# rendered again on read (and by ``flask articles render``).
RENDER_VERSION = 2

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
        "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small",
        "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul", "var",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "details": {"open"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Only Pygments' token classes survive, so authors cannot borrow the site's own CSS classes.
_TOKEN_CLASSES = frozenset(c for c in STANDARD_TYPES.values() if c)
ALLOWED_CLASSES = {
    "pre": {"highlight"},
    "span": _TOKEN_CLASSES,
    "code": {"language-plaintext"},
}
# Tags whose content goes too (a stripped <script> must not leave its source as text).
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript"})

_FORMATTER = HtmlFormatter(nowrap=True)
# nh3 serialises every attribute as name="value" with quotes escaped, so this sees whole tags.
_ANCHOR = re.compile(r'<a((?:\s+[a-z-]+="[^"]*")*)>')
_HREF = re.compile(r'\shref="([^"]*)"')


def _highlight(code: str, lang: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang.strip()) if lang.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return f'<pre><code class="language-plaintext">{escape(code)}</code></pre>'
    # starting with <pre tells markdown-it not to wrap the block again
    return (
        f'<pre class="highlight"><code>{pygments_highlight(code, lexer, _FORMATTER)}</code></pre>'
    )


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": True, "linkify": True, "typographer": False, "highlight": _highlight},
    )
    return md.enable(["table", "strikethrough", "linkify"])


def _is_external(href: str) -> bool:
    # Browsers read a backslash as "/" in web URLs: /\evil.example is another host, like
    # //evil.example. urlsplit already drops the tabs, newlines and leading spaces that
    # browsers ignore.
    parts = urlsplit(href.replace("&amp;", "&").replace("\\", "/"))
    return bool(parts.scheme in {"http", "https"} or parts.netloc)


def _mark_external(match: re.Match[str]) -> str:
    attrs = match.group(1)
    href = _HREF.search(attrs)
    if href and _is_external(href.group(1)):
        return f'<a{attrs} rel="nofollow noopener">'
    return match.group(0)


def sanitize(html: str) -> str:
    """Return ``html`` with everything outside the allowlist removed."""
    cleaned: str = nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        link_rel=None,
        strip_comments=True,
    )
    return _ANCHOR.sub(_mark_external, cleaned)


def render(body: str) -> str:
    """Return the sanitised HTML of a Markdown ``body``."""
    return sanitize(_parser().render(body))


def pygments_css() -> str:
    """Return the stylesheet for highlighted code, light with a dark-mode variant."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs('[data-bs-theme="dark"] .highlight')
    return f"{light}\n{dark}\n"
