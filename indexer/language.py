"""Stage 3: which language is a document in?

langdetect is seeded so the same text always gets the same answer. A ``lang``
in front matter wins; the detection is still kept, and a confident detection
that contradicts the declared language is reported to the editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from indexer import langprofiles
from indexer.document import Document, Problem

DetectorFactory.seed = 0

#: A detection at least this sure that disagrees with the declared ``lang`` is reported.
CONFIDENT = 0.90
#: Languages this knowledge base expects; near-ties are resolved towards them.
EXPECTED = ("hu", "cs", "en", "sk", "de", "pl")
#: Characters of a document that detection reads: langdetect's cost grows with the
#: sample, and 2,000 characters agree with 5,000 on every document of the benchmark corpus.
SAMPLE_CHARS = 2000


@dataclass(frozen=True)
class Detection:
    lang: str | None
    probability: float


def detect(text: str) -> Detection:
    """The most likely language of ``text`` (None when there is nothing to go on)."""
    sample = " ".join(text.split())[:SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < 3:
        return Detection(None, 0.0)
    langprofiles.install()  # profiles from the on-disk cache: no half-second parse per process
    try:
        candidates = detect_langs(sample)
    except LangDetectException:
        return Detection(None, 0.0)
    best = candidates[0]
    # Czech and Slovak are close: when the runner-up is an expected language and
    # nearly as likely, prefer the expected one.
    if best.lang not in EXPECTED:
        for other in candidates[1:]:
            if other.lang in EXPECTED and other.prob >= best.prob * 0.5:
                best = other
                break
    return Detection(best.lang, round(best.prob, 4))


def assign_language(doc: Document, *, verify: bool = True) -> Document:
    """Set ``lang`` from front matter or detection; warn when they disagree.

    With ``verify=False`` a declared language is taken as it is, without running the
    detector: indexing does that (detection was a third of the time per document),
    and ``kb check`` keeps reporting a declared language the text contradicts.
    """
    if doc.lang and not verify:
        doc.lang_detected = False
        return doc
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
    return doc
