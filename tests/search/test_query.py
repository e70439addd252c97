"""The query language a reader types: words, "phrases", -exclusions, prefix*, Chinese.

The first tests pin the parser's reading of a query; the rest search real articles through
the API on this run's database (SQLite FTS5 or PostgreSQL tsvector), since what matters is
what is found.
"""

from __future__ import annotations

import pytest

from inkstone.search.query import UNITS_MAX, Unit, parse, to_fts5, to_tsquery


def found(client, q: str, **params: str) -> set[str]:
    """Return the titles the search API finds for ``q`` (checking the count agrees)."""
    response = client.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.json
    titles = {article["title"] for article in response.json["articles"]}
    assert response.json["articlesCount"] == len(titles)
    return titles


# --------------------------------------------------------------------------- parsing


def test_words_are_all_required_and_folded_like_the_index():
    query = parse("Deploying FLASK café")
    assert query.required == (Unit(("deploy",)), Unit(("flask",)), Unit(("cafe",)))
    assert query.excluded == ()
    assert query.words == ("deploy", "flask", "cafe")


def test_a_quoted_phrase_is_one_unit_of_words_in_order():
    query = parse('"exact phrase" other')
    assert query.required == (Unit(("exact", "phrase")), Unit(("other",)))
    assert query.required[0].phrase


def test_an_unclosed_quote_runs_to_the_end():
    assert parse('"quick brown').required == (Unit(("quick", "brown")),)


def test_a_minus_excludes_a_word_or_a_phrase():
    query = parse('flask -django -"web framework"')
    assert query.required == (Unit(("flask",)),)
    assert query.excluded == (Unit(("django",)), Unit(("web", "framework")))


def test_a_star_makes_the_last_word_a_prefix():
    assert parse("deplo*").required == (Unit(("deplo",), prefix=True),)
    # a star after Chinese is not a prefix: a part of a Chinese word is its characters
    assert parse("清华*").required == (Unit(("清华",)),)


def test_one_han_character_is_matched_among_characters():
    assert parse("书").required == (Unit(("书",), character=True),)


def test_chinese_with_english_gives_both_as_required_words():
    assert parse("Flask 博客").required == (Unit(("flask",)), Unit(("博客",)))
    assert parse("Flask博客").required == (Unit(("flask",)), Unit(("博客",)))


def test_a_long_chinese_word_is_looked_for_whole():
    # jieba's parts (清华, 华大, 大学) say nothing the whole word does not.
    assert parse("清华大学").required == (Unit(("清华大学",)),)


@pytest.mark.parametrize("text", ["", "   ", "-flask", '-"a b"', "-a -b", "*", "-", '"', '""'])
def test_only_exclusions_or_nothing_asks_for_nothing(text):
    assert parse(text).empty


def test_repeated_words_count_once_and_too_many_are_cut():
    assert parse("flask Flask FLASK").required == (Unit(("flask",)),)
    many = " ".join(f"w{n}" for n in range(UNITS_MAX + 10))
    assert len(parse(many).required) == UNITS_MAX


@pytest.mark.parametrize(
    "text",
    [
        "NEAR(a b) AND c OR d NOT e",
        "{title body}: x",
        'title:x ^y "z',
        "a' OR '1'='1",
        "x:* & y | !z <-> w",
        '""" \\" \\\\',
    ],
)
def test_operators_typed_are_only_quoted_terms_in_either_backend(text):
    query = parse(text)
    fts5 = to_fts5(query)
    tsquery = to_tsquery(query)
    # Outside the quoted terms, only the operators the renderer itself writes remain.
    bare_fts5 = "".join(part for n, part in enumerate(fts5.split('"')) if n % 2 == 0)
    assert set(bare_fts5.replace("AND", "").replace("NOT", "")) <= set("() *")
    bare_tsquery = "".join(part for n, part in enumerate(tsquery.split("'")) if n % 2 == 0)
    assert set(bare_tsquery.replace("<->", "").replace(":*", "")) <= set("()&! ")


# --------------------------------------------------------------------------- searching


@pytest.fixture
def writer(make_user):
    return make_user("writer")


def test_a_part_of_a_chinese_word_finds_the_article(client, writer, make_article):
    make_article(writer, title="访问北京清华大学", body="校园很美。")
    make_article(writer, title="北京烤鸭", body="好吃。")
    assert found(client, "清华") == {"访问北京清华大学"}
    assert found(client, "大学") == {"访问北京清华大学"}
    assert found(client, "清华大学") == {"访问北京清华大学"}
    assert found(client, "北京") == {"访问北京清华大学", "北京烤鸭"}
    assert found(client, "北大") == set()  # another university, not a part of this text


def test_full_width_letters_find_and_are_found(client, writer, make_article):
    make_article(writer, title="ＦＬＡＳＫ 入门", body="全角字母。")
    make_article(writer, title="Flask tips", body="Half-width letters.")
    assert found(client, "flask") == {"ＦＬＡＳＫ 入门", "Flask tips"}
    assert found(client, "ｆｌａｓｋ") == {"ＦＬＡＳＫ 入门", "Flask tips"}


def test_accents_do_not_matter_either_way(client, writer, make_article):
    make_article(writer, title="Un café à Paris", body="Le matin.")
    make_article(writer, title="Cafe racer bikes", body="Loud.")
    assert found(client, "cafe") == {"Un café à Paris", "Cafe racer bikes"}
    assert found(client, "CAFÉ") == {"Un café à Paris", "Cafe racer bikes"}


def test_any_form_of_an_english_word_finds_the_others(client, writer, make_article):
    make_article(writer, title="Notes", body="We are deploying the service tonight.")
    make_article(writer, title="Other", body="Nothing about it.")
    assert found(client, "deploy") == {"Notes"}
    assert found(client, "deployed") == {"Notes"}
    assert found(client, "DEPLOYMENTS") == {"Notes"}


def test_a_phrase_matches_only_adjacent_words_in_order(client, writer, make_article):
    make_article(writer, title="One", body="The quick brown fox jumps.")
    make_article(writer, title="Two", body="The brown fox is quick.")
    make_article(writer, title="Quick", description="", body="brown paper bags")
    assert found(client, "quick brown") == {"One", "Two", "Quick"}
    assert found(client, '"quick brown"') == {"One"}  # never across title and body
    assert found(client, '"brown quick"') == set()
    assert found(client, '"quick brown') == {"One"}  # the quote left open
    assert found(client, '"Quick, brown!"') == {"One"}  # punctuation is not a word


def test_a_chinese_phrase_matches_words_in_order(client, writer, make_article):
    make_article(writer, title="甲", body="我们学习全文搜索技术。")
    make_article(writer, title="乙", body="搜索全文的方法。")
    assert found(client, "全文 搜索") == {"甲", "乙"}
    assert found(client, '"全文搜索"') == {"甲"}


def test_a_minus_leaves_out_what_it_names(client, writer, make_article):
    make_article(writer, title="Flask alone", body="Just Flask.")
    make_article(writer, title="Flask and Django", body="Both frameworks.")
    make_article(writer, title="Flask web framework", body="A micro web framework.")
    assert found(client, "flask -django") == {"Flask alone", "Flask web framework"}
    assert found(client, 'flask -"web framework"') == {"Flask alone", "Flask and Django"}
    assert found(client, "flask -django -framework") == {"Flask alone"}
    # the exclusion is stemmed like everything else
    assert found(client, "flask -frameworks") == {"Flask alone"}


def test_a_star_finds_words_that_start_so(client, writer, make_article):
    make_article(writer, title="Deploying apps", body="Ship it.")
    make_article(writer, title="Depth of field", body="Photography.")
    make_article(writer, title="Flask tips", body="Small.")
    assert found(client, "deplo*") == {"Deploying apps"}
    assert found(client, "dep*") == {"Deploying apps", "Depth of field"}
    assert found(client, "fla*") == {"Flask tips"}
    assert found(client, "deplo") == set()  # without the star, a whole word is needed


def test_a_word_typed_in_part_finds_its_other_forms(client, writer, make_article):
    # The index holds stems (configuration → configur): a part that runs past the stem
    # must still find the word it starts.
    make_article(writer, title="Configuration files", body="YAML.")
    make_article(writer, title="Deploying twice", body="Blue and green.")
    make_article(writer, title="Searching well", body="Operators.")
    make_article(writer, title="Happy paths", body="Tests.")
    assert found(client, "configurat*") == {"Configuration files"}
    assert found(client, "Configuration*") == {"Configuration files"}
    assert found(client, "deployi*") == {"Deploying twice"}
    assert found(client, "searchin*") == {"Searching well"}
    assert found(client, "happy*") == {"Happy paths"}
    assert found(client, "yam*") == {"Configuration files"}
    assert found(client, "deploy* -configurat*") == {"Deploying twice"}


def test_one_chinese_character_finds_every_word_holding_it(client, writer, make_article):
    make_article(writer, title="我爱读书", body="每天一小时。")
    make_article(writer, title="图书馆开门了", body="周末也开。")
    make_article(writer, title="写作课", body="每周一次。")
    assert found(client, "书") == {"我爱读书", "图书馆开门了"}
    assert found(client, "馆") == {"图书馆开门了"}


def test_mixed_english_and_chinese_need_both(client, writer, make_article):
    make_article(writer, title="用 Flask 写博客", body="一步一步来。")
    make_article(writer, title="Flask only", body="English text.")
    make_article(writer, title="我的博客", body="中文。")
    assert found(client, "Flask 博客") == {"用 Flask 写博客"}
    assert found(client, "Flask博客") == {"用 Flask 写博客"}


@pytest.mark.parametrize("q", ["-flask", "-flask -django", '-"a b"', "", "   ", "*", "-", '"'])
def test_nothing_asked_finds_nothing(client, writer, make_article, q):
    make_article(writer, title="Flask", body="Anything.")
    make_article(writer, title="Other", body="Anything else.")
    assert found(client, q) == set()


def test_case_and_repetition_do_not_change_what_is_found(client, writer, make_article):
    make_article(writer, title="Python packaging", body="Wheels.")
    assert found(client, "PYTHON") == found(client, "python python") == {"Python packaging"}
