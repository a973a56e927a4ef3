"""Stage 2: Markdown -> sanitised HTML, plain text and heading sections.

Documents are written by many hands and imported from the web, so the HTML is
cleaned with nh3 (no script, no event handlers, no ``javascript:`` links) before
it is stored; the site shows it as is.
"""

from __future__ import annotations

import html
import re
import threading

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

from indexer.documents.links import Link, resolve
from indexer.documents.load import DocumentError
from indexer.documents.model import Document, Problem, Section
from indexer.guards import deadline, limits, markdown_shapes, timed_process

_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc", "attr_list", "def_list"]
_EXTENSION_CONFIGS = {"toc": {"slugify": slugify_unicode, "permalink": False}}

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_HEADING = re.compile(r"<h([1-6])(?: id=\"([^\"]*)\")?>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_URL_ATTR = re.compile(r'<(a|img)\b([^>]*?)\b(href|src)="([^"]*)"')
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|tr|td|th|pre|blockquote|dd|dt)>|<br\s*/?>")


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown converter: building one (its extensions, their patterns) per
    document was a twentieth of a full build."""
    found = getattr(_converters, "markdown", None)
    if found is None:
        found = _converters.markdown = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return found


def render_markdown(body: str) -> str:
    """Markdown to sanitised HTML with heading anchors (what ``markdown.markdown`` gives)."""
    converter = _converter()
    converter.reset()  # nothing of the last document (its headings' ids, a conversion cut short) carries over
    raw = converter.convert(body)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def link_targets(fragment: str, doc_id: str) -> tuple[str, list[Link]]:
    """Point relative links at site URLs (``x.md`` -> ``/doc/...``, ``a.pdf`` -> ``/doc/<id>/files/a.pdf``).

    Returns the rewritten fragment and every link and image as the editor wrote it,
    for ``kb check``.
    """
    links: list[Link] = []

    def rewrite(match: re.Match) -> str:
        tag, between, attr, value = match.groups()
        written = html.unescape(value)
        links.append(Link("image" if tag == "img" else "link", written))
        target = resolve(written, doc_id)
        if target is None or not target.url:
            return match.group(0)
        return f'<{tag}{between}{attr}="{html.escape(target.url)}"'

    return _URL_ATTR.sub(rewrite, fragment), links


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment, one line per block."""
    text = _BLOCK_END.sub("\n", fragment)
    text = html.unescape(_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def number_slides(fragment: str) -> str:
    """Give a presentation's ``h2`` headings the stable anchors ``slide-1``, ``slide-2``, ..."""
    counter = 0

    def renumber(match: re.Match) -> str:
        nonlocal counter
        level, _, inner = match.groups()
        if level != "2":
            return match.group(0)
        counter += 1
        return f'<h2 id="slide-{counter}">{inner}</h2>'

    return _HEADING.sub(renumber, fragment)


def split_sections(fragment: str) -> list[Section]:
    """The text under each heading; text before the first heading has the empty anchor."""
    sections: list[Section] = []
    anchor, heading, start = "", "", 0
    for match in _HEADING.finditer(fragment):
        text = html_to_text(fragment[start : match.start()])
        if text or anchor:
            sections.append(Section(anchor, heading, text))
        anchor = match.group(2) or ""
        heading = html_to_text(match.group(3))
        start = match.end()
    text = html_to_text(fragment[start:])
    if text or anchor:
        sections.append(Section(anchor, heading, text))
    return sections


def render(doc: Document) -> Document:
    """Fill ``html``, ``text`` and ``sections`` of a loaded document.

    Raises :class:`DocumentError` when the body is beyond a limit of :mod:`indexer.guards.limits`
    (checked before rendering) or rendering it takes longer than ``KB_MAX_DOC_SECONDS``
    (an alarm in a main thread; elsewhere a worker process of :mod:`indexer.guards.timed_process`).
    """
    try:
        markdown_shapes.check_markdown(doc.body)
    except markdown_shapes.TooComplex as exc:
        raise DocumentError(Problem(doc.path, doc.body_line + exc.line - 1, exc.message)) from None
    seconds = limits.MAX_DOC_SECONDS.value
    try:
        if not deadline.available():  # a web request or watcher thread: a process that can be killed
            return timed_process.call(seconds, _render, doc)
        with deadline.limit(seconds):
            return _render(doc)
    except deadline.Expired:
        message = f"rendering took too long ({limits.MAX_DOC_SECONDS.describe()}); simplify the file"
    except RecursionError:
        message = f"Markdown nested too deeply to render ({limits.MAX_NESTING.describe()})"
    raise DocumentError(Problem(doc.path, doc.body_line, message))


def _render(doc: Document) -> Document:
    fragment, doc.links = link_targets(render_markdown(doc.body), doc.id)
    if doc.type == "presentation":
        fragment = number_slides(fragment)
    doc.html = fragment
    doc.sections = split_sections(fragment)
    doc.text = "\n".join(
        part for s in doc.sections for part in ((s.heading, s.text) if s.heading else (s.text,)) if part
    )
    return doc
