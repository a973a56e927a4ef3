"""Stages 1-3 of one document: load, render, assign its language.

A ``lang`` in front matter wins; the detection is still kept, and a confident detection
that contradicts the declared language is reported to the editor. What the pipeline,
the build's workers and ``kb check`` run per file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from indexer.documents.access import NO_RULES, AccessRules
from indexer.documents.load import parse
from indexer.documents.model import DOC_TYPES, Document, Problem
from indexer.documents.render import render
from indexer.documents.sections import mark_languages
from indexer.text.language import CONFIDENT, detect


def prepare(
    path: Path, content_dir: Path, types: Sequence[str] = DOC_TYPES, access: AccessRules = NO_RULES
) -> Document:
    """Load, render and assign the language of one file (raises DocumentError).

    A declared ``lang`` is trusted here; ``kb check`` is where it is verified.
    """
    return assign_language(render(parse(path, content_dir, types, access)), verify=False)


def assign_language(doc: Document, *, verify: bool = True) -> Document:
    """Set ``lang`` from front matter or detection; warn when they disagree.

    With ``verify=False`` a declared language is taken as it is, without running the
    detector: indexing does that (detection was much of the time per document),
    and ``kb check`` keeps reporting a declared language the text contradicts.
    """
    if doc.lang and not verify:
        doc.lang_detected = False
        return mark_languages(doc)
    detection = detect(f"{doc.title}\n{doc.summary}\n{doc.text}")
    if doc.lang:
        doc.lang_detected = False
        doc.lang_probability = detection.probability if detection.lang == doc.lang else 0.0
        if detection.lang and detection.lang != doc.lang and detection.probability >= CONFIDENT:
            doc.warnings.append(
                Problem(
                    doc.path,
                    doc.field_lines.get("lang", 1),
                    f"declared lang '{doc.lang}' but the text reads as '{detection.lang}' "
                    f"(probability {detection.probability:.2f})",
                    "warning",
                )
            )
    else:
        doc.lang = detection.lang or "xx"
        doc.lang_detected = True
        doc.lang_probability = detection.probability
    return mark_languages(doc)
