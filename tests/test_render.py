"""Markdown rendering: structure survives, hostile HTML does not."""

from indexer.document import Document
from indexer.render import render, render_markdown


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
