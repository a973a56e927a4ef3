"""Presentations as numbered slides: the stored HTML cut at its ``slide-N`` headings.

The indexer gives a presentation's ``h2`` headings the anchors ``slide-1``,
``slide-2`` ... (indexer.documents.render.number_slides). The document page shows each slide
as its own section with its number, and a navigator that links to every slide.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markupsafe import Markup

_SLIDE_HEADING = re.compile(r'<h2 id="slide-(\d+)">(.*?)</h2>', re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Slide:
    number: int
    anchor: str
    title: str  # plain text, for the navigator
    html: Markup  # the heading and everything up to the next slide

    @property
    def label(self) -> str:
        """The navigator's entry: the title, numbered unless the editor already numbered it."""
        return self.title if re.match(rf"{self.number}\b", self.title) else f"{self.number}. {self.title}"


def split_slides(fragment: str) -> tuple[Markup, list[Slide]]:
    """The HTML before the first slide, and the slides in order (no slides: the whole fragment, [])."""
    matches = list(_SLIDE_HEADING.finditer(fragment or ""))
    if not matches:
        return Markup(fragment or ""), []
    slides = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(fragment)
        number = int(match.group(1))
        title = " ".join(html.unescape(_TAG.sub("", match.group(2))).split())
        slides.append(Slide(number, f"slide-{number}", title, Markup(fragment[match.start() : end])))
    return Markup(fragment[: matches[0].start()]), slides
