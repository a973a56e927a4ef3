"""Language detection: every starting document gets its language back with ``lang`` removed."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.documents.load import parse
from indexer.documents.prepare import assign_language
from indexer.documents.render import render
from indexer.text.language import CONFIDENT, detect

from .conftest import CONTENT


def strip_lang(path, tmp_path):
    text = path.read_text("utf-8")
    stripped = re.sub(r"^lang:.*\n", "", text, count=1, flags=re.M)
    target = tmp_path / path.relative_to(CONTENT)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(stripped, "utf-8")
    return target


@pytest.mark.parametrize(
    "rel",
    sorted(p.relative_to(CONTENT).as_posix() for p in CONTENT.rglob("*.md") if p.name != "README.md"),
)
def test_bundled_documents_detected_without_lang(rel, tmp_path):
    original = parse(CONTENT / rel, CONTENT)
    path = strip_lang(CONTENT / rel, tmp_path)
    doc = assign_language(render(parse(path, tmp_path)))
    assert doc.lang_detected is True
    assert doc.lang == original.lang
    assert doc.lang_probability > 0.9


@pytest.mark.parametrize(
    "text, lang",
    [
        (
            "A támogatott lakhatás a fogyatékos személyek közösségi alapú ellátásának egyik formája, "
            "amelyet a férőhely kiváltás során hoznak létre.",
            "hu",
        ),
        (
            "Transformace pobytových sociálních služeb umožňuje lidem s postižením přestěhovat se "
            "z velkých ústavů do běžného bydlení v komunitě.",
            "cs",
        ),
        ("Supported living helps people with disabilities live in ordinary homes in the community.", "en"),
        (
            "Transformácia sociálnych služieb je proces prechodu z inštitucionálnej starostlivosti "
            "na komunitné služby, ktorý prebieha na Slovensku.",
            "sk",
        ),
    ],
)
def test_detect_sentences(text, lang):
    detection = detect(text)
    assert detection.lang == lang


def test_detect_is_deterministic():
    text = "Szakmai műhely Szegeden"
    assert len({detect(text) for _ in range(5)}) == 1


def test_nothing_to_detect():
    assert detect("").lang is None
    assert detect("12 34 --").lang is None


def test_declared_lang_wins_but_contradiction_is_reported(content_factory):
    path = content_factory(
        "x/doc.md",
        'title: "Próba"\ntype: article\nlang: cs',
        "A támogatott lakhatás a fogyatékos személyek közösségi alapú ellátásának egyik formája, "
        "amelyet az intézményi férőhely kiváltás során hoznak létre a megyékben.\n",
    )
    doc = assign_language(render(parse(path, content_factory.root)))
    assert doc.lang == "cs"
    assert doc.lang_detected is False
    messages = [str(w) for w in doc.warnings]
    assert any("declared lang 'cs' but the text reads as 'hu'" in m for m in messages)
    assert messages[0].startswith("x/doc.md:4: warning:")
    assert CONFIDENT <= 1


_TEXTS = st.lists(
    st.one_of(
        st.sampled_from(list("aábcčdeéěfghiíjklmnňoóöőprřsštťuúůüűvyýzžAÁČEÉŘŠZŽ  .,;:!?-'\"()0123456789\n\t")),
        st.sampled_from(
            list("ÄÖÜßąęłśźżАБВгдежΑβγ日本語中文한국어あいうアイウㄅㄆ\u0300\u0301\u0303\u1ea0\u1ec3ṁ\u2013\u201e")
        ),
        st.sampled_from(["http://example.org/a?b=c ", "info@example.cz ", "NATO ", "ÚSTAV ", "iPhone "]),
    ),
    max_size=200,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS)
def test_the_ngrams_are_langdetects_own(text):
    """``language.ngrams`` (one pass over translated characters) against langdetect's detector steps."""
    from indexer.text import language

    factory = language._profiles()
    detector = factory.create()
    detector.append(text)
    detector.cleaning_text()
    assert language.ngrams(text, factory.word_lang_prob_map) == detector._extract_ngrams()
