"""Markdown rendering and the HTML sanitiser: what readers see, and what never reaches them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from inkstone.articles.markdown import ALLOWED_CLASSES, TAGS, render, sanitize

EXTERNAL_REL = "nofollow noopener"


class _Elements(HTMLParser):
    """Collect every element of a fragment as ``(tag, {attribute: value})``, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.elements.append(("!--", {"data": data}))


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def elements(html: str, tag: str | None = None) -> list[dict[str, str | None]]:
    return [attrs for name, attrs in parse(html).elements if tag is None or name == tag]


def text_of(html: str) -> str:
    return "".join(parse(html).text)


def assert_harmless(html: str) -> None:
    """Fail unless ``html`` holds only allowed tags, no handlers, styles or script URLs."""
    for tag, attrs in parse(html).elements:
        assert tag in TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name}= survived in {html!r}"
            assert name not in {"style", "srcdoc", "formaction", "action"}, html
            if name in {"href", "src"}:
                assert value is not None
                scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
                assert scheme in {"", "http", "https", "mailto"}, f"{value!r} in {html!r}"
                assert "script" not in value.lower(), f"{value!r} in {html!r}"
    assert "<script" not in html.lower()


# --------------------------------------------------------------------------- Markdown


def test_headings_and_emphasis():
    html = render("# Title\n\n## Part two\n\n*soft* **loud** ~~gone~~ `code`")
    assert "<h1>Title</h1>" in html
    assert "<h2>Part two</h2>" in html
    assert "<em>soft</em>" in html
    assert "<strong>loud</strong>" in html
    assert "<s>gone</s>" in html
    assert "<code>code</code>" in html


def test_tables():
    html = render("| Name | Count |\n|:-----|------:|\n| ink | 2 |\n| stone | 3 |")
    assert [tag for tag, _ in parse(html).elements].count("tr") == 3
    assert "<th" in html
    assert ">Name</th>" in html
    assert ">stone</td>" in html


def test_fenced_code_is_highlighted_with_pygments_token_classes():
    html = render("```python\ndef greet(name):\n    return 'hi ' + name\n```")
    assert html.startswith('<pre class="highlight"><code>')
    spans = elements(html, "span")
    classes = {attrs["class"] for attrs in spans}
    assert {"k", "nf"} <= classes  # keyword "def"/"return", function name "greet"
    assert '<span class="k">def</span>' in html
    assert all(cls in ALLOWED_CLASSES["span"] for cls in classes)
    assert text_of(html).strip() == "def greet(name):\n    return 'hi ' + name"


def test_fenced_code_in_an_unknown_language_is_escaped_plain_text():
    html = render("```nosuchlanguage\n<b>not bold</b>\n```")
    assert '<code class="language-plaintext">&lt;b&gt;not bold&lt;/b&gt;' in html
    assert elements(html, "b") == []


def test_autolinks():
    html = render("See https://example.com/a?b=1&c=2 and www.example.org today.")
    hrefs = [a["href"] for a in elements(html, "a")]
    assert hrefs == ["https://example.com/a?b=1&c=2", "http://www.example.org"]


def test_images():
    html = render('![A stone](https://img.example/stone.png "Ink")')
    assert elements(html, "img") == [
        {"src": "https://img.example/stone.png", "alt": "A stone", "title": "Ink"}
    ]


def test_cjk_text_is_intact():
    body = "# 墨石\n\n中文内容，测试。**粗体**和`代码`。日本語、한국어。"
    html = render(body)
    assert "<h1>墨石</h1>" in html
    expected = "中文内容，测试。<strong>粗体</strong>和<code>代码</code>。日本語、한국어。"
    assert expected in html


def test_very_long_input_renders_completely():
    paragraph = "Some **text** with a [link](https://example.com) and `code`.\n\n"
    html = render(paragraph * 2000)
    assert html.count("<strong>text</strong>") == 2000
    assert html.count(f'rel="{EXTERNAL_REL}"') == 2000
    deep = render("<b>" * 5000 + "deep")
    assert "deep" in deep
    assert_harmless(deep)
    brackets = render("[" * 20000)
    assert text_of(brackets).strip() == "[" * 20000


def test_allowed_raw_html_survives():
    html = render("Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, x<sup>2</sup>.")
    assert "<kbd>Ctrl</kbd>" in html
    assert "<sub>2</sub>" in html
    assert "<sup>2</sup>" in html


# --------------------------------------------------------------------------- the sanitiser

DANGEROUS = [
    pytest.param("<script>alert(1)</script>after", id="script"),
    pytest.param("<SCRIPT SRC=https://evil.example/x.js></SCRIPT>after", id="script-src"),
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param("[x](javascript:alert(1))", id="md-javascript-link"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="md-javascript-mixed-case"),
    pytest.param("![x](javascript:alert(1))", id="md-javascript-image"),
    pytest.param('<a href="javascript:alert(1)">x</a>', id="a-javascript"),
    pytest.param('<a href="JaVaScRiPt:alert(1)">x</a>', id="a-javascript-mixed-case"),
    pytest.param('<a href=" javascript:alert(1)">x</a>', id="a-javascript-leading-space"),
    pytest.param('<a href="java\tscript:alert(1)">x</a>', id="a-javascript-tab"),
    pytest.param('<a href="javascript&#58;alert(1)">x</a>', id="a-javascript-entity-colon"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="a-javascript-entity-j"),
    pytest.param('<a href="&#x6A;avascript&colon;alert(1)">x</a>', id="a-javascript-hex"),
    pytest.param("[x](javascript&#58;alert(1))", id="md-javascript-entity-colon"),
    pytest.param('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', id="a-data"),
    pytest.param('<img src="data:image/svg+xml;base64,PHN2Zz4=">', id="img-data"),
    pytest.param("[x](data:text/html,<script>alert(1)</script>)", id="md-data"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="a-vbscript"),
    pytest.param('<iframe src="https://evil.example"></iframe>after', id="iframe"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe-srcdoc"),
    pytest.param('<object data="https://evil.example/x.swf">inner</object>', id="object"),
    pytest.param('<embed src="https://evil.example/x.swf">', id="embed"),
    pytest.param("<style>body { display: none }</style>after", id="style-element"),
    pytest.param('<p style="position:fixed;top:0">styled</p>', id="style-attribute"),
    pytest.param('<svg onload="alert(1)"><circle r="1"/></svg>after', id="svg-onload"),
    pytest.param('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', id="math"),
    pytest.param("<<script>script>alert(1)<</script>/script>", id="split-script"),
    pytest.param("<scr<script>ipt>alert(1)</script>", id="nested-script"),
    pytest.param('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', id="noscript"),
    pytest.param('<a href="https://x.example" onclick="alert(1)">x</a>', id="a-onclick"),
    pytest.param('<details open ontoggle="alert(1)"><summary>s</summary></details>', id="toggle"),
    pytest.param('<base href="https://evil.example/">', id="base"),
    pytest.param('<meta http-equiv="refresh" content="0;url=https://evil.example">', id="meta"),
    pytest.param('<link rel="stylesheet" href="https://evil.example/x.css">', id="link"),
    pytest.param(
        '<form action="https://evil.example"><input name="password">'
        '<button formaction="javascript:alert(1)">Go</button></form>',
        id="form",
    ),
]


@pytest.mark.parametrize("source", DANGEROUS)
def test_dangerous_markup_never_survives(source):
    assert_harmless(render(source))
    assert_harmless(sanitize(source))


def test_script_goes_with_its_content():
    html = render("<script>stealCookies()</script>Hello")
    assert "stealCookies" not in html
    assert "Hello" in html
    assert "styles" not in render("<style>.styles{}</style>ok")


def test_img_keeps_its_source_but_loses_the_handler():
    assert elements(render("<img src=x onerror=alert(1)>"), "img") == [{"src": "x"}]


def test_link_to_a_script_url_keeps_its_text_but_not_the_url():
    html = render('Click <a href="javascript:alert(1)">here</a>')
    assert elements(html, "a") == [{}]
    assert "here" in text_of(html)


@pytest.mark.parametrize("tag", ["iframe", "object", "embed", "form", "input", "button", "svg"])
def test_elements_outside_the_allowlist_are_gone(tag):
    html = render(f"<{tag}>x</{tag}> <{tag} />")
    assert elements(html, tag) == []


def test_form_controls_are_gone():
    html = render(
        '<form action="/x" method="post"><label>Name <input name="n"></label>'
        '<select name="s"><option>one</option></select><textarea name="t"></textarea>'
        '<button type="submit">Send</button></form>'
    )
    tags = {tag for tag, _ in parse(html).elements}
    assert not tags & {"form", "input", "select", "option", "textarea", "button", "label"}


def test_nested_and_malformed_markup_is_balanced():
    assert render("<b><i>x</b></i>") == "<p><b><i>x</i></b></p>\n"
    unclosed = render("<div><p>never closed <b>bold")
    assert unclosed == "<div><p>never closed <b>bold</b></p></div>"
    assert_harmless(render("<a href='https://x.example' <img src=x onerror=alert(1)>>x</a>"))


def test_html_comments_are_removed():
    html = render(
        "before <!-- a secret note --> after\n\n<!--[if IE]><script>x</script><![endif]-->"
    )
    assert "secret" not in html
    assert "<!--" not in html
    assert "before" in html
    assert "after" in html


def test_only_pygments_token_classes_survive():
    html = sanitize(
        '<span class="k btn btn-danger">a</span><p class="lead">b</p>'
        '<pre class="highlight fixed-top">c</pre><a class="stretched-link" href="/x">d</a>'
    )
    assert elements(html, "span") == [{"class": "k"}]
    assert elements(html, "p") == [{}]
    assert elements(html, "pre") == [{"class": "highlight"}]
    assert elements(html, "a") == [{"href": "/x"}]


@pytest.mark.parametrize(
    "href",
    [
        "https://other.example/page",
        "http://other.example",
        "HTTPS://OTHER.EXAMPLE",
        "//other.example/x",
        "/\\other.example/x",
        "\\\\other.example/x",
    ],
)
def test_external_links_get_nofollow_noopener(href):
    links = elements(sanitize(f'<a href="{href}">x</a>'), "a")
    assert links == [{"href": href, "rel": EXTERNAL_REL}]


def test_external_markdown_links_get_nofollow_noopener():
    links = elements(render("[elsewhere](https://other.example/)"), "a")
    assert links == [{"href": "https://other.example/", "rel": EXTERNAL_REL}]


@pytest.mark.parametrize("href", ["/tag/x", "#anchor", "/article/a-b?page=2", "mailto:a@b.example"])
def test_internal_links_are_left_alone(href):
    links = elements(render(f"[here]({href})"), "a")
    assert links == [{"href": href}]


@pytest.mark.parametrize(
    "rel", ["follow", "", "noopener", "nofollow noopener", "opener", 'x" rel="follow']
)
def test_author_supplied_rel_cannot_remove_nofollow(rel):
    html = sanitize(f'<a rel="{rel}" href="https://other.example" target="_blank">x</a>')
    assert elements(html, "a") == [{"href": "https://other.example", "rel": EXTERNAL_REL}]


def test_author_supplied_rel_on_an_internal_link_is_dropped():
    assert elements(sanitize('<a href="/tag/x" rel="follow">x</a>'), "a") == [{"href": "/tag/x"}]


def test_sanitize_is_idempotent():
    once = render("[a](https://x.example) <b>b</b> <img src=x onerror=y>\n\n```python\nx = 1\n```")
    assert sanitize(once) == once
