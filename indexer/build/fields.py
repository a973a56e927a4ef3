"""Stage 4: turn an analysed document into the fields of one Whoosh record."""

from __future__ import annotations

import json
from dataclasses import asdict

from indexer.documents.access import audience_value
from indexer.documents.model import Document
from indexer.documents.sections import texts_by_language
from indexer.format.codec import ArrayCodec
from indexer.format.schema import text_field
from indexer.glossary import Tagger
from indexer.text.analysis import AnalysedText, field_language, lemma_terms


def index_fields(doc: Document, tagger: Tagger | None = None) -> dict:
    """The keyword arguments for ``writer.update_document`` of one document.

    ``tagger``: the glossary's (:mod:`indexer.glossary`), for the ``concepts`` field; None: no such field.
    Each language text is analysed once (:class:`AnalysedText`): the tagger reads the positions the
    writer indexes.
    """
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
        # Who may read it (indexer.documents.access): drafts and groups' documents are indexed,
        # and the search side shows each reader only what this value lets them see.
        "audience": audience_value(doc.draft, doc.access),
    }
    texts = [(lang, text_field("head", lang), f"{doc.title}\n{doc.title}\n{meta_text}")]
    # A section in another language goes to its own field.
    texts += [(body_lang, text_field("body", body_lang), text) for body_lang, text in texts_by_language(doc).items()]
    lemmas: set[str] = set()
    held: set[str] = set()
    for text_lang, name, text in texts:
        analysed = fields[name] = AnalysedText(text, text_lang)
        lemmas |= lemma_terms(text, text_lang)
        if tagger is not None:
            held |= tagger.concepts(analysed.positions, text_lang)
    fields["lemmas"] = " ".join(sorted(lemmas))
    if tagger is not None:
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


#: The light part of a document, in the catalogue's column order (indexer.generation.catalogue).
CATALOGUE_COLUMNS = (
    "id",
    "lang",
    "title",
    "type",
    "date",
    "year",
    "summary",
    "tags",
    "translation_key",
    "organisation",
    "region",
    "path",
    "mtime",
    "warnings",
    "audience",
)
def catalogue_row(fields: dict) -> tuple:
    """A document's catalogue row (indexer.generation.catalogue) from its index fields."""
    values = {name: fields.get(name) for name in CATALOGUE_COLUMNS}
    values["lang"] = values["lang"] or "xx"
    title = values["title"] or values["id"]
    return (*values.values(), title.lower(), values["translation_key"] or values["id"], fields.get("content_hash"))
