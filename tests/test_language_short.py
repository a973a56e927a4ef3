"""Language detection on short and mixed text: one sentence, a few words, a section in another language."""

from __future__ import annotations

import pytest

from indexer.documents.model import Document
from indexer.documents.prepare import assign_language
from indexer.documents.render import render
from indexer.documents.sections import mark_html, texts_by_language
from indexer.text.language import EXPECTED, detect, evidence


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Jak tedy prakticky žít toto slovo?", "cs"),  # langdetect alone calls it Slovak
        ("Keď som bol malý, bolo to iné.", "sk"),
        ("Wnętrze świątyni odrestaurowano w latach 1901-1906.", "pl"),
        ("Ez nem az õ hibája volt.", "hu"),  # ő as Latin-1 mojibake
        ("Die Straße ist heute gesperrt.", "de"),
        ("The service ring is organised by the municipality.", "en"),
        ("A szolgáltatási gyűrű tagjai havonta találkoznak.", "hu"),
        ("Podporované bydlení je služba pro lidi s postižením.", "cs"),
    ],
)
def test_single_sentences(text, lang):
    assert detect(text).lang == lang


def test_only_the_expected_languages_are_answers():
    for text in ("Povidani o Nepalu sepiseme az po navratu.", "ČECHOVÁ Zdenka, Mgr.", "Hospoda s.r.o."):
        assert detect(text).lang in EXPECTED


def test_the_same_text_always_gets_the_same_answer():
    text = "Materialy z cinnosti v rozsahu 45 baliku byly odevzdany dne 22. 6. 1966 do archivu."
    assert len({detect(text) for _ in range(5)}) == 1


def test_nothing_to_go_on():
    assert detect("12 34 !!").lang is None
    assert detect("").probability == 0.0


def test_letter_and_word_evidence():
    assert evidence("řeka")["cs"] > 0 and evidence("ľad")["sk"] > 0 and evidence("the and of")["en"] > 0


HU = "Ez a protokoll a támogatott lakhatás működését írja le, és a fenntartóknak ad útmutatást a szervezéshez."
EN = "This protocol describes how supported living services work, and it gives guidance to the providers on funding."


def mixed(body: str, doc_type: str = "protocol") -> Document:
    doc = Document(id="hu/x", path="hu/x.md", title="Protokoll", type=doc_type, body=body, lang="hu")
    return assign_language(render(doc), verify=False)


def test_a_section_in_another_language_is_indexed_and_marked_as_such():
    doc = mixed(f"{HU}\n\n## Abstract\n\n{EN}\n\n## Bevezetés\n\n{HU}\n")
    assert [(s.anchor, s.lang) for s in doc.sections] == [("", None), ("abstract", "en"), ("bevezetés", None)]
    assert '<h2 id="abstract" lang="en">Abstract</h2><div lang="en">' in doc.html
    texts = texts_by_language(doc)
    assert "supported living" in texts["en"] and "supported living" not in texts["hu"]
    assert "Bevezetés" in texts["hu"]


def test_a_document_in_one_language_is_left_as_it_is():
    doc = mixed(f"{HU}\n\n## Bevezetés\n\n{HU}\n")
    assert all(s.lang is None for s in doc.sections)
    assert texts_by_language(doc) == {"hu": doc.text}


def test_slide_headings_keep_the_form_the_slide_splitter_reads():
    html = '<h2 id="slide-1">Cím</h2><p>Text</p><h2 id="slide-2">Two</h2><p>More</p>'
    marked = mark_html(html, {"slide-2": "en"})
    assert '<h2 id="slide-2">Two</h2><div lang="en"><p>More</p></div>' in marked


def test_unbalanced_content_is_not_wrapped():
    html = '<ul><li><h3 id="x">In a list</h3><p>Text</p></li></ul>'
    assert "<div" not in mark_html(html, {"x": "en"})
