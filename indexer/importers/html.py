"""Web pages: keep the article, drop navigation, headers, footers, scripts and page chrome."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from indexer.guards import limits
from indexer.importers import chrome
from indexer.importers.markdown import (
    emphasis,
    escape_block_start,
    escape_inline,
    heading,
    join_blocks,
    link,
    quote,
    table,
)
from indexer.importers.model import Extracted, ImportFailure

#: Elements that are never part of the article text.
DROP_TAGS = (
    "script style noscript template nav header footer aside form iframe button select input label "
    "svg canvas video audio object embed img picture map"
).split()
#: class / id words of page furniture (matched as whole words inside the attribute).
DROP_CLASSES = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|sidebar|cookies?|banner|share|sharing|social|"
    r"advert|ads|related|recommended|pagination|comments?|skip-link|print)(?:$|[\s_-])",
    re.IGNORECASE,
)
DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search"}
CONTENT_HINT = re.compile(r"(?:^|[\s_-])(?:content|article|post|entry|main|text|body)(?:$|[\s_-])", re.IGNORECASE)
DATE_META = (
    ("property", "article:published_time"),
    ("name", "date"),
    ("name", "dcterms.date"),
    ("name", "DC.date"),
    ("name", "dc.date.issued"),
    ("itemprop", "datePublished"),
)
INLINE_TAGS = set(
    "a abbr b bdi bdo cite code data dfn em font i kbd mark q s samp small span strike strong sub sup time tt u var "
    "wbr br del ins".split()
)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BREAK = "\x00"  # stands for <br> until the spaces around it are tidied
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
_VOID = {name.encode() for name in "area base br col embed hr img input link meta param source track wbr".split()}


def extract(path: Path) -> Extracted:
    """The page's article as Markdown; title from its first heading, date from meta tags."""
    data = path.read_bytes()
    if not data.strip():
        raise ImportFailure("empty file")
    depth = nesting_depth(data)
    if depth > limits.MAX_HTML_NESTING.value:
        raise ImportFailure(f"elements nested too deeply: {depth:,} levels ({limits.MAX_HTML_NESTING.describe()})")
    soup = BeautifulSoup(data, "html.parser")
    title = _title(soup)
    date = _date(soup)
    lang = soup.html.get("lang") if soup.html else None
    root = _article(soup)
    _drop_chrome(root)
    converter = _Converter(title, root)
    body = join_blocks(chrome.clean_blocks(converter.blocks(root)))
    if not body.strip():
        raise ImportFailure("no article text found in the page")
    return Extracted(body=body, title=title, date=date, lang=(lang or "").split("-")[0].lower() or None)


def nesting_depth(data: bytes) -> int:
    """How deep the parser's tree will be, from the tags alone (one pass, no tree).

    html.parser keeps an unclosed element open, so every start tag of a non-void
    element counts until its end tag; building and walking a tree thousands of levels
    deep takes minutes.
    """
    depth = deepest = 0
    for match in _TAG.finditer(data):
        closing, name, self_closing = match.groups()
        name = name.lower()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _text(node: Tag) -> str:
    return " ".join(node.get_text(" ").split())


def _title(soup: BeautifulSoup) -> str | None:
    for candidate in (soup.find("article"), soup.find("main"), soup):
        h1 = candidate.find("h1") if candidate else None
        if h1 and _text(h1):
            return _text(h1)
    og = soup.find("meta", attrs={"property": "og:title"})
    if og and og.get("content", "").strip():
        return " ".join(og["content"].split())
    if soup.title and soup.title.string and soup.title.string.strip():
        # "Article | Site name": the article part comes first
        return re.split(r"\s+[|–—-]\s+", soup.title.string.strip())[0]
    return None


def _date(soup: BeautifulSoup) -> dt.date | None:
    values = [meta.get("content", "") for attr, name in DATE_META for meta in soup.find_all("meta", attrs={attr: name})]
    values += [time.get("datetime", "") for time in soup.find_all("time")]
    for value in values:
        match = ISO_DATE.search(value)
        if match:
            try:
                return dt.date(*map(int, match.groups()))
            except ValueError:
                continue
    return None


def _article(soup: BeautifulSoup) -> Tag:
    """The element holding the article: <article>, <main>, role=main, a content-looking div, or the body."""
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda tag: len(_text(tag)))
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main:
        return main
    hinted = [tag for tag in soup.find_all(["div", "section"]) if CONTENT_HINT.search(" ".join(_attr_words(tag)))]
    hinted = [tag for tag in hinted if not DROP_CLASSES.search(" ".join(_attr_words(tag)))]
    if hinted:
        best = max(hinted, key=lambda tag: len(" ".join(_text(p) for p in tag.find_all("p"))))
        if best.find("p"):
            return best
    return soup.body or soup


def _attr_words(tag: Tag) -> list[str]:
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = classes.split()
    return [*classes, tag.get("id") or ""]


def _drop_chrome(root: Tag) -> None:
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in root.find_all(True):
        if tag.decomposed:
            continue
        if (
            tag.name in DROP_TAGS
            or tag.get("role") in DROP_ROLES
            or tag.get("hidden") is not None
            or tag.get("aria-hidden") == "true"
            or DROP_CLASSES.search(" ".join(_attr_words(tag)))
        ):
            tag.decompose()


class _Converter:
    """HTML elements to Markdown blocks, each paired with its plain text for the chrome rules."""

    def __init__(self, title: str | None, root: Tag):
        self.title = title
        levels = [int(h.name[1]) for h in root.find_all(HEADINGS) if not self._is_title(h)]
        self.shift = 2 - min(levels) if levels else 0  # the body's top heading level becomes ##

    def _is_title(self, tag: Tag) -> bool:
        return tag.name == "h1" and self.title is not None and _text(tag) == self.title

    def blocks(self, node: Tag) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        inline: list[str] = []
        plain: list[str] = []

        def flush() -> None:
            text = _squash("".join(inline))
            if text.strip():
                out.append((" ".join("".join(plain).split()), _paragraph(text)))
            inline.clear()
            plain.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, Comment):
                    inline.append(self.inline(child))
                    plain.append(str(child))
            elif child.name in INLINE_TAGS:
                inline.append(self.inline(child))
                plain.append(child.get_text(" "))
            else:
                flush()
                out.extend(self.block(child))
        flush()
        return out

    def block(self, tag: Tag) -> list[tuple[str, str]]:
        name = tag.name
        plain = _text(tag)
        if name in HEADINGS:
            if self._is_title(tag) or not plain:
                return []
            return [(plain, heading(int(name[1]) + self.shift, self.inline_children(tag)))]
        if name in ("ul", "ol"):
            return [(plain, self.list_block(tag, 0))] if plain else []
        if name == "table":
            rows = [
                [self.inline_children(cell).replace("|", "\\|") for cell in row.find_all(["th", "td"])]
                for row in tag.find_all("tr")
            ]
            return [(plain, table(rows))] if plain else []
        if name == "blockquote":
            inner = join_blocks([md for _, md in self.blocks(tag)])
            return [(plain, quote(inner))] if plain else []
        if name == "pre":
            code = tag.get_text().strip("\n")
            return [(plain, f"```\n{code}\n```")] if code.strip() else []
        if name == "figcaption":
            return [(plain, emphasis(self.inline_children(tag), italic=True))] if plain else []
        if name == "dt":
            return [(plain, emphasis(self.inline_children(tag), bold=True))] if plain else []
        if name == "hr":
            return []
        return self.blocks(tag)

    def list_block(self, tag: Tag, depth: int) -> str:
        lines: list[str] = []
        ordered = tag.name == "ol"
        for number, item in enumerate(tag.find_all("li", recursive=False), start=1):
            text: list[str] = []
            nested: list[str] = []
            for child in item.children:
                if isinstance(child, Tag) and child.name in ("ul", "ol"):
                    nested.append(self.list_block(child, depth + 1))
                elif isinstance(child, Tag) and child.name not in INLINE_TAGS:
                    text.append(self.inline_children(child))
                elif not isinstance(child, Comment):
                    text.append(self.inline(child))
            marker = f"{number}." if ordered else "-"
            lines.append(f"{'    ' * depth}{marker} {' '.join(' '.join(text).split())}".rstrip())
            lines.extend(nested)
        return "\n".join(lines)

    def inline_children(self, tag: Tag) -> str:
        return _squash("".join(self.inline(child) for child in tag.children)).replace(_BREAK, " ")

    def inline(self, node: Tag | NavigableString) -> str:
        if isinstance(node, Comment):
            return ""
        if isinstance(node, NavigableString):
            return escape_inline(re.sub(r"\s+", " ", chrome.strip_inline(str(node))))
        name = node.name
        if name == "br":
            return _BREAK
        inner = "".join(self.inline(child) for child in node.children)
        if name in ("strong", "b"):
            return emphasis(inner, bold=True)
        if name in ("em", "i", "cite"):
            return emphasis(inner, italic=True)
        if name == "code":
            return f"`{node.get_text()}`" if node.get_text().strip() else ""
        if name == "a":
            href = (node.get("href") or "").strip()
            if re.match(r"(?:https?|mailto):", href, re.IGNORECASE) and inner.strip():
                return link(inner, href)
        if name in INLINE_TAGS or not isinstance(node, Tag):
            return inner
        return f" {inner} "


def _squash(text: str) -> str:
    """Collapse the spaces left between inline pieces; a <br> becomes a Markdown hard line break."""
    text = re.sub(r" +", " ", text)
    text = re.sub(rf" ?{_BREAK} ?", _BREAK, text).strip(" " + _BREAK)
    return text.replace(_BREAK, "  \n")


def _paragraph(text: str) -> str:
    return escape_block_start(text.strip())
