"""Markdown rendering: structure survives, hostile HTML does not."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.documents.model import Document
from indexer.documents.render import render, render_markdown


def test_markdown_structure():
    html = render_markdown("# Cím\n\n- egy\n- kettő\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[link](https://example.org)")
    assert "<h1" in html and "<li>egy</li>" in html and "<table>" in html
    assert 'href="https://example.org"' in html


def test_hostile_html_is_sanitised():
    body = (
        '<script>alert(1)</script>\n\n<img src="x" onerror="alert(2)">\n\n'
        '[click](javascript:alert(3))\n\n<a href="JaVaScRiPt:alert(4)">x</a>\n\n'
        '<iframe src="https://evil.example"></iframe>\n\n<p style="x" onclick="alert(5)">p</p>'
    )
    html = render_markdown(body)
    lowered = html.lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onclick", "style="):
        assert bad not in lowered, bad


def test_presentation_slides_get_numbered_anchors():
    doc = Document(
        id="p",
        path="p.md",
        title="P",
        type="presentation",
        body="## 1. Első\n\nszöveg\n\n## 2. Második\n\n### részlet\n\ntöbb\n",
    )
    render(doc)
    assert '<h2 id="slide-1">' in doc.html and '<h2 id="slide-2">' in doc.html
    assert [s.anchor for s in doc.sections] == ["slide-1", "slide-2", "részlet"]
    assert "Második" in doc.text and "több" in doc.text


_PIECES = st.sampled_from(
    [
        "# Cím",
        "## Cím",
        "### Szolgáltatás {: #sajat }",
        "Bekezdés szöveg",
        "- egy",
        "1. kettő",
        "| a | b |",
        "|---|---|",
        "| 1 | 2 |",
        "```",
        "kód",
        "Fogalom",
        ": meghatározás",
        "> idézet",
        "[link](x.md)",
        "![kép](a.png)",
        "*dőlt* **félkövér**",
        "`kód`",
        "<b>html</b>",
        "    behúzott",
        "---",
        "",
        "Péče o dítě",
        "[ref]: https://example.org",
        "lásd [ref] és [jinde][ref]",
    ]
)


_DOCUMENTS = st.lists(
    st.lists(st.tuples(_PIECES, st.sampled_from(["\n", "\n\n"])), max_size=14).map(
        lambda parts: "".join(piece + gap for piece, gap in parts)
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(documents=_DOCUMENTS)
@example(documents=["[ref]: https://example.org\n\n# Cím", "lásd [ref]\n\n# Cím"])
def test_the_reused_converter_renders_what_a_fresh_one_renders(documents):
    """One converter per thread for every document: each document, and the same one twice
    (its headings' ids), renders as ``markdown.markdown`` renders it alone."""
    import markdown

    from indexer.documents import render as render_module

    for body in [*documents, documents[0]]:
        fresh = markdown.markdown(
            body, extensions=render_module._EXTENSIONS, extension_configs=render_module._EXTENSION_CONFIGS
        )
        assert render_markdown(body) == render_module.nh3.clean(
            fresh,
            tags=render_module.ALLOWED_TAGS,
            attributes=render_module.ALLOWED_ATTRIBUTES,
            url_schemes=render_module.URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
