"""Sections written in another language than their document (a Hungarian protocol's English abstract).

Such a section is indexed in its own language's field, with that language's
analysis, and its HTML carries a ``lang`` attribute so a screen reader switches
voice. Detection runs only on sections long enough to judge, and only when the
cheap letter and word evidence does not already point at the document's language.
"""

from __future__ import annotations

import re

from indexer.documents.model import Document
from indexer.text.analysis import LANGUAGES, field_language
from indexer.text.language import detect, evidence

#: Letters a section needs before its language is judged apart from its document's.
MIN_LETTERS = 80
#: How sure the detection must be.
SURE = 0.95
#: Too close to tell apart section by section: a Czech document's section is not called Slovak.
_NEIGHBOURS = {frozenset({"cs", "sk"})}

_HEADING = re.compile(r"<h([1-6])((?: id=\"[^\"]*\")?)>(.*?)</h\1>", re.S)
_ANCHOR = re.compile(r' id="([^"]*)"')
_BLOCKS = ("div", "ul", "ol", "li", "table", "blockquote", "dl", "pre")


def mark_languages(doc: Document) -> Document:
    """Set ``lang`` on each section in another language, and mark it in ``doc.html``."""
    if doc.lang not in LANGUAGES or len(doc.sections) < 2:
        return doc
    changed = False
    for section in doc.sections:
        text = f"{section.heading}\n{section.text}"
        if sum(map(str.isalpha, text)) < MIN_LETTERS:
            continue
        hint = evidence(text)
        if hint[doc.lang] > 0 and hint[doc.lang] == max(hint.values()):
            continue  # its own words say it is the document's language: no need to detect
        found = detect(text)
        if (
            found.lang
            and found.lang != doc.lang
            and found.probability >= SURE
            and frozenset({found.lang, doc.lang}) not in _NEIGHBOURS
        ):
            section.lang = found.lang
            changed = True
    if changed:
        doc.html = mark_html(doc.html, {s.anchor: s.lang for s in doc.sections if s.lang})
    return doc


def mark_html(fragment: str, langs: dict[str, str]) -> str:
    """Wrap what follows each marked section's heading in ``<div lang=...>`` (and mark the heading).

    The content is wrapped only when its tags are balanced (a heading inside a list
    would otherwise break the page); slide headings keep their exact form, which the
    slide splitter looks for.
    """
    headings = list(_HEADING.finditer(fragment))
    bounds = [(0, "", None)] + [(m.end(), _anchor(m), m) for m in headings]
    out: list[str] = []
    position = 0
    for index, (start, anchor, heading) in enumerate(bounds):
        end = headings[index].start() if index < len(headings) else len(fragment)
        lang = langs.get(anchor)
        if heading is not None:
            tag = heading.group(0)
            if lang and not anchor.startswith("slide-"):
                tag = tag.replace(
                    f"<h{heading.group(1)}{heading.group(2)}>",
                    f'<h{heading.group(1)}{heading.group(2)} lang="{lang}">',
                    1,
                )
            out.append(fragment[position : heading.start()])
            out.append(tag)
            position = heading.end()
        body = fragment[start:end]
        out.append(fragment[position:start])
        out.append(f'<div lang="{lang}">{body}</div>' if lang and _balanced(body) and body.strip() else body)
        position = end
    out.append(fragment[position:])
    return "".join(out)


def _anchor(match: re.Match) -> str:
    found = _ANCHOR.search(match.group(2))
    return found.group(1) if found else ""


def _balanced(fragment: str) -> bool:
    return all(len(re.findall(rf"<{tag}\b", fragment)) == len(re.findall(rf"</{tag}>", fragment)) for tag in _BLOCKS)


def texts_by_language(doc: Document) -> dict[str, str]:
    """The document's text per index-field language: its own, and each marked section's."""
    own = field_language(doc.lang)
    if not any(s.lang for s in doc.sections):
        return {own: doc.text}
    parts: dict[str, list[str]] = {own: []}
    for section in doc.sections:
        lang = field_language(section.lang) if section.lang else own
        parts.setdefault(lang, []).extend(p for p in (section.heading, section.text) if p)
    return {lang: "\n".join(texts) for lang, texts in parts.items()}
