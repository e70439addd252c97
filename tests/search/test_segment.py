"""The segmenter: the terms a document is indexed under are the terms a query looks for.

Every test here is about a word a reader types finding the text a writer wrote: if the two
sides cut or fold a word differently, a search silently finds nothing.
"""

from __future__ import annotations

import pytest
from faker.providers.lorem.en_US import Provider as EnglishWords

from inkstone.search.segment import (
    TERM_MAX,
    characters,
    fold,
    prefix_term,
    prepare,
    spans,
    terms,
)


def test_a_long_chinese_word_is_indexed_with_the_words_inside_it():
    # jieba's search mode: 北京清华大学 is found by 清华大学, and by 清华 and 大学 alone.
    indexed = terms("北京清华大学")
    assert {"北京", "清华", "大学", "清华大学"} <= set(indexed)
    for query in ("清华", "大学", "清华大学", "北京"):
        assert set(terms(query)) <= set(indexed), query


def test_chinese_inside_a_sentence_is_cut_into_words():
    indexed = terms("我来到北京清华大学读书")
    assert {"来到", "北京", "清华大学", "读书"} <= set(indexed)


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("ＦＬＡＳＫ", "flask"),  # full-width letters
        ("Ｆｌａｓｋ２", "flask2"),  # full-width letters and digit
        ("café", "cafe"),  # an accent, composed
        ("cafe\u0301", "café"),  # the same accent as a combining mark
        ("CAFÉ", "café"),  # case
        ("Straße", "strasse"),  # case folding, not just lower-casing
        ("Ｐｙｔｈｏｎ", "PYTHON"),
        ("naïve", "naive"),
    ],
)
def test_a_word_is_found_however_it_is_typed(written, typed):
    assert terms(written) == terms(typed)
    assert len(terms(written)) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ("deploy", "deploying", "deployed", "deploys", "Deployment"),
        ("search", "searching", "searches", "searched"),
        ("connect", "connection", "connected", "connecting"),
    ],
)
def test_english_words_are_stemmed_so_any_form_finds_the_others(forms):
    assert len({tuple(terms(form)) for form in forms}) == 1, [terms(f) for f in forms]


# Words whose stems the stemmer cuts short or changes (relational → relat, happy → happi).
TRICKY_WORDS = [
    "configuration", "deploying", "happiness", "happily", "searching", "generalization",
    "relational", "conditional", "hesitancy", "digitizer", "conformably", "radically",
    "differently", "analogously", "vietnamization", "operator", "feudalism", "decisiveness",
    "hopefulness", "callousness", "formality", "sensitivity", "sensibility", "responsibility",
    "electrical", "careless", "revival", "allowance", "inference", "gyroscopic", "adjustable",
    "defensible", "irritant", "replacement", "dependent", "adoption", "homologous", "activate",
    "angularity", "bowdlerize", "running", "flies", "dying", "skies", "news", "innings", "proceed",
    "exceed", "generous", "university", "universal", "arguing", "argument", "agreed", "cried",
    "tries", "happier", "easily", "photography", "databases", "indexing", "queries", "connections",
    "organization", "beautifully", "nationalism", "café", "naïve"
]  # fmt: skip


def test_every_start_of_a_word_finds_the_word_with_a_star():
    # "configurat*" must find "configuration" although the index holds its stem, configur.
    words = TRICKY_WORDS + sorted(set(EnglishWords.word_list))[::25]
    missed = [
        (word, word[:cut])
        for word in words
        for cut in range(1, len(word) + 1)
        if not fold(word).startswith(prefix_term(word[:cut]))
    ]
    assert missed == []


def test_mixed_language_text_gives_words_of_both():
    assert terms("Flask博客") == terms("Flask 博客") == ["flask", "博客"]


def test_punctuation_and_symbols_are_not_terms():
    assert terms("Hello, world! (NEAR) {title}: a*b -c \"d\" 'e'") == [
        "hello",
        "world",
        "near",
        "titl",
        "a",
        "b",
        "c",
        "d",
        "e",
    ]
    assert terms("*** --- \"\" '' ^ : ! & | <-> :* \\") == []


def test_every_han_character_is_given_on_its_own_for_one_character_queries():
    assert characters("读书 图书馆") == ["读", "书", "图", "书", "馆"]
    assert characters("Flask 博客") == ["博", "客"]
    assert characters("no Chinese here") == []
    # full-width or compatibility forms are the ordinary characters
    assert characters("\uf900") == [prepare("\uf900")]


def test_a_very_long_word_is_not_a_term_but_the_words_around_it_are():
    # A hash or a run of letters is worth no entry; it must not take its neighbours with it.
    assert terms("start " + "x" * (TERM_MAX + 1) + " end") == ["start", "end"]
    assert terms("x" * TERM_MAX) == ["x" * TERM_MAX]


def test_spans_say_where_each_word_is_in_the_prepared_text():
    text = prepare("Deploying ＦＬＡＳＫ to 北京清华大学, café!")
    found = list(spans(text))
    assert [span.term for span in found] == terms(text)
    words = {span.term: text[span.start : span.end] for span in found}
    assert words["deploy"] == "Deploying"
    assert words["flask"] == "FLASK"  # the prepared text holds ordinary letters
    assert words["清华大学"] == "清华大学"
    assert words["大学"] == "大学"
    assert words["cafe"] == "café"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "🙂🎉 emoji only",
        "مرحبا بالعالم",  # right-to-left
        "\u202eevil\u202c",
        "e\u0301\u0301\u0301",  # stacked combining marks
        "\ud800 lone surrogate",
        "\U00020000\U0002a700",  # Han extension B and C
        "ｱｲｳ half-width kana",
        "a" * 10_000,
        "a " * 5_000,
    ],
)
def test_any_text_is_cut_without_an_error(text):
    found = terms(text)
    assert all(term and len(term) <= TERM_MAX for term in found)
    assert [span.term for span in spans(prepare(text))] == found
    characters(text)


def test_right_to_left_words_are_terms():
    assert terms("مرحبا بالعالم") == ["مرحبا", "بالعالم"]
