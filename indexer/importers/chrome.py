"""Page chrome: text that the capture picked up from the website around a document.

The rules are plain data so an editor or developer can add one line when a new
site's furniture shows up in an import. Everything is matched against one line of
text with surrounding whitespace collapsed, case-insensitively.

- ``LINES``: a line that is exactly one of these phrases is dropped.
- ``LINE_PATTERNS``: a line matching one of these regexes (``re.fullmatch``) is dropped.
- ``INLINE_PATTERNS``: text matching these regexes is cut out of a line (image alt text
  glued to the paragraph that follows it, for example).
- ``TAIL_MARKERS``: a line that is one of these phrases in the second half of the
  document starts the site's footer; it and everything after it is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_UPPER = "A-ZÁÉÍÓÖŐÚÜŰČĎĚŇŘŠŤŮÝŽ"

LINES: list[str] = [
    # hu: Liferay portlet title shown above every article on the social-sector portal
    "Webtartalom-megjelenítő",
    # hu: "back to the full page" link
    "Vissza a teljes oldalra",
    # hu: "print", "share", "back" links
    "Nyomtatás",
    "Megosztás",
    "Vissza",
    # hu: "more about the project" / "read more" links under an article
    "További információk a projektről",
    "Bővebben",
    "Tovább olvasom",
    # cs: "read more"
    "Číst dále",
    "Více informací",
    # cs: slide-sharing site: "presentation is loading, please wait"
    "Prezentace se nahrává, počkejte prosím",
    # cs: "similar presentations" box
    "Podobné prezentace",
    # cs: advert label ("Google ads")
    "Reklamy Google",
    # cs: transcript label
    "Transkript prezentace",
    # en: generic web furniture
    "Skip to content",
    "Read more",
    "Back to top",
    "Share this page",
    "Print this page",
]

LINE_PATTERNS: list[str] = [
    # hu: the portlet title may be repeated on one line
    r"(?:Webtartalom-megjelenítő\s*)+",
    # cs: download link with the presentation's title: Stáhnout ppt "Title"
    r"Stáhnout ppt\b.*",
    # cs: header of the transcript: Prezentace na téma: "Title"— Transkript prezentace:
    r"Prezentace na téma:.*Transkript prezentace:?",
    # hu: "jump to the ... page" links: Ugrás a Gyerekesély oldalra
    r"Ugrás az? .* oldalra",
    # hu/cs/en: breadcrumbs glued together by the capture: CímlapTevékenységekSzakmaközi hálózat
    rf"(?:Címlap|Főoldal|Kezdőlap|Úvod|Domů|Home)(?:[{_UPPER}]|\s*[>›»/|]).*",
    # en: cookie banners
    r"(?:This|Our) (?:web)?site uses cookies.*",
]

INLINE_PATTERNS: list[str] = [
    # hu: alt text of the mandatory EU "infoblokk" image, glued to the next paragraph
    r"A képen a kötelező infoblokk látható.*?Széchenyi 2020",
]

TAIL_MARKERS: list[str] = [
    # hu: "recommended" box of links to other articles at the foot of the page
    "Ajánlók",
    # hu: "related articles"
    "Kapcsolódó cikkek",
    # cs: "related articles"
    "Související články",
    # en
    "Related articles",
]


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


_LINES = {_norm(phrase) for phrase in LINES}
_TAILS = {_norm(phrase) for phrase in TAIL_MARKERS}
_LINE_RES = [re.compile(p, re.IGNORECASE) for p in LINE_PATTERNS]
_INLINE_RES = [re.compile(p, re.IGNORECASE | re.DOTALL) for p in INLINE_PATTERNS]


def strip_inline(line: str) -> str:
    """``line`` with inline chrome (alt text and the like) cut out."""
    for pattern in _INLINE_RES:
        line = pattern.sub("", line)
    return line


def is_chrome(line: str) -> bool:
    """True when the whole line is page furniture rather than document text."""
    text = " ".join(line.split())
    if not text:
        return False
    return text.casefold() in _LINES or any(p.fullmatch(text) for p in _LINE_RES)


def clean_blocks(blocks: Iterable[tuple[str, str]]) -> list[str]:
    """Converted blocks given as ``(plain text, markdown)``: chrome blocks dropped, footer cut.

    For formats converted block by block (HTML), where a block's plain text decides.
    """
    blocks = list(blocks)
    half = len(blocks) // 2
    kept: list[str] = []
    for number, (plain, markdown) in enumerate(blocks, start=1):
        if number > half and _norm(plain) in _TAILS:
            break
        if not is_chrome(plain):
            kept.append(markdown)
    return kept


def clean_lines(lines: Iterable[str]) -> list[str]:
    """Drop chrome lines, cut inline chrome, cut the footer after a tail marker.

    Blank lines are kept (they separate paragraphs); a line that becomes empty only
    because chrome was cut out of it is dropped.
    """
    lines = list(lines)
    half = len([line for line in lines if line.strip()]) // 2
    kept: list[str] = []
    seen = 0
    for line in lines:
        if line.strip():
            seen += 1
            if seen > half and _norm(line) in _TAILS:
                break
        if is_chrome(line):
            continue
        cut = strip_inline(line)
        if line.strip() and not cut.strip():
            continue
        kept.append(cut)
    return kept
