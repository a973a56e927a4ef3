"""Stage 4: turn an analysed document into the fields of one Whoosh record."""

from __future__ import annotations

import json
from dataclasses import asdict

from indexer import glossary
from indexer.text.analysis import field_language, index_positions, lemma_terms
from indexer.format.codec import ArrayCodec
from indexer.documents.model import Document
from indexer.format.schema import text_field
from indexer.documents.sections import texts_by_language


def index_fields(doc: Document) -> dict:
    """The keyword arguments for ``writer.update_document`` of one document."""
    lang = field_language(doc.lang)
    meta_text = "\n".join(filter(None, [", ".join(doc.tags), doc.summary, doc.organisation, doc.region]))
    fields = {
        "id": doc.id,
        "path": doc.path,
        "title": doc.title,
        "lang": doc.lang or "xx",
        "lang_detected": doc.lang_detected,
        "lang_probability": doc.lang_probability,
        "type": doc.type,
        "tags": ",".join(t.replace(",", " ") for t in doc.tags),
        "summary": doc.summary,
        "source": doc.source,
        "attachments": json.dumps(doc.attachments),
        "html": doc.html,
        "text": doc.text,
        "sections": json.dumps([asdict(s) for s in doc.sections], ensure_ascii=False),
        "content_hash": doc.content_hash,
        "mtime": doc.mtime,
        "warnings": json.dumps([str(w) for w in doc.warnings], ensure_ascii=False),
        "words": f"{doc.title}\n{meta_text}\n{doc.text}",
        "suggest": f"{doc.title}\n{', '.join(doc.tags)}",
        text_field("head", lang): f"{doc.title}\n{doc.title}\n{meta_text}",
    }
    bodies = texts_by_language(doc)
    for body_lang, text in bodies.items():  # a section in another language goes to its field
        fields[text_field("body", body_lang)] = text
    lemmas: set[str] = set()
    for text_lang, text in [(lang, fields[text_field("head", lang)]), *bodies.items()]:
        lemmas |= lemma_terms(text, text_lang)
    fields["lemmas"] = " ".join(sorted(lemmas))
    tagger = glossary.active_tagger()
    if tagger is not None:
        held: set[str] = set()
        for text_lang, text in [(lang, fields[text_field("head", lang)]), *bodies.items()]:
            held |= tagger.concepts(index_positions(text, text_lang), text_lang)
        fields["concepts"] = " ".join(sorted(held))
    if doc.date:
        fields["date"] = doc.date.isoformat()
        fields["year"] = str(doc.date.year)
        fields["date_ordinal"] = doc.date.toordinal()
    if doc.translation_key:
        fields["translation_key"] = doc.translation_key
    if doc.organisation:
        fields["organisation"] = doc.organisation
    if doc.region:
        fields["region"] = doc.region
    return fields


def build_codec() -> ArrayCodec:
    """The index's codec (:mod:`indexer.format.codec`), without per-block field-length statistics.

    Those statistics only serve block-skipping (which our collector turns off, since
    facet counts need every match), and reading a length per posting was a fifth of
    a full build's commit.
    """
    codec = ArrayCodec()
    codec.length_stats = False
    return codec
