"""The format importers: each builds its own sample file and checks the Markdown produced."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from indexer.documents.load import parse
from indexer.documents.render import render, render_markdown
from indexer.importers import ImportFailure, extract, import_file
from indexer.importers.chrome import clean_lines, is_chrome
from indexer.importers.markdown import escape_block, plain_text
from indexer.importers.output import slugify

from .samples import (
    CAPTURE_TXT,
    CS_TEXT,
    EN_TEXT,
    HU_TEXT,
    PAGE_HTML,
    TRANSCRIPT_TXT,
    make_docx,
    make_pdf,
    make_pptx,
)


def slides(body: str) -> list[tuple[int, str, str]]:
    """``## N. Title`` sections of a presentation body: (number, title, text under it)."""
    parts = re.split(r"^## (\d+)\.[ ]?(.*)$", body, flags=re.M)
    assert not parts[0].strip(), f"text before the first slide: {parts[0]!r}"
    return [(int(parts[i]), parts[i + 1].strip(), parts[i + 2].strip()) for i in range(1, len(parts), 3)]


def imported(tmp_path, source, **options):
    """Import into tmp_path/content and load the result with the project's own loader."""
    content = tmp_path / "content"
    result = import_file(source, content, **options)
    doc = render(parse(result.markdown, result.markdown.parent))
    return result, doc


# -- docx ------------------------------------------------------------------------------


def test_docx_headings_lists_tables_emphasis_links(tmp_path):
    source = make_docx(tmp_path / "protokoll.docx", created=dt.datetime(2019, 3, 1, 9, 30))
    result, doc = imported(tmp_path, source)
    assert result.markdown == tmp_path / "content" / "hu" / "tamogatott-lakhatas-protokoll.md"
    assert (doc.title, doc.type, doc.lang, doc.date) == ("Támogatott lakhatás protokoll", "protocol", "hu", result.date)
    assert result.date == dt.date(2019, 3, 1)
    body = doc.body
    assert "Támogatott lakhatás protokoll" not in body  # the title lives in front matter only
    assert "## Bevezetés" in body and "### Felelősök" in body
    assert "A protokoll **kötelező** és *ajánlott* elemeket tartalmaz." in body
    assert "[az FSZK oldalán](https://fszk.hu/tars)" in body
    assert "- első pont\n- második pont\n    - alpont" in body
    assert "1. egy\n2. kettő" in body
    assert "| Szolgáltatás | Felelős |\n|---|---|\n| Étkeztetés | A \\| B |" in body
    assert "2016\\. utolsó negyedévében" in body  # not turned into a numbered list
    assert "<li>alpont</li>" in doc.html and "<table>" in doc.html and "<strong>kötelező</strong>" in doc.html
    assert "<p>2016. utolsó negyedévében hat helyszínen.</p>" in doc.html
    assert doc.attachments == ["protokoll.docx"]
    assert (result.markdown.parent / "protokoll.docx").read_bytes() == source.read_bytes()
    assert doc.source == "Imported from protokoll.docx"


def test_docx_title_from_title_paragraph_and_template_date_ignored(tmp_path):
    source = make_docx(tmp_path / "p.docx", title=None)
    extracted = extract(source)
    assert extracted.title == "Támogatott lakhatás protokoll"
    assert not extracted.body.startswith("Támogatott")
    assert extracted.date is None  # python-docx's blank template stamp is not the document's date


def test_corrupt_docx_is_refused(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ImportFailure, match="not a readable Word document"):
        extract(bad)


# -- pptx ------------------------------------------------------------------------------


def test_pptx_one_section_per_slide(tmp_path):
    source = make_pptx(tmp_path / "prezentace.pptx")
    result, doc = imported(tmp_path, source, lang="cs")
    assert doc.type == "presentation" and doc.title == "Transformuje Kraj nebo kraj?"
    got = slides(doc.body)
    assert [(n, t) for n, t, _ in got] == [
        (1, "Transformuje Kraj nebo kraj?"),
        (2, "Pracovní skupiny"),
        (3, "Zapojené organizace"),
        (4, ""),
        (5, "Děkuji Vám za pozornost."),
    ]
    assert got[0][2] == "aneb možnosti spolupráce na procesu transformace"
    assert got[1][2] == (
        "- Skupina pro transformaci pobytových služeb\n"
        "    - vedoucí skupiny – regionální pracovník\n"
        "- [Web kraje](https://www.msk.cz)\n"
        "- **Podmínky členství**\n\n"
        "> Notes: Zmínit termíny setkání.\n>\n> Předat kontakty."
    )
    assert got[2][2] == "| Rok | Počet organizací |\n|---|---|\n| 2011 | 31 |\n| 2012 | 34 |"
    assert got[3][2] == ""
    assert got[4][2] == CS_TEXT
    # the site's slide anchors line up with the slide numbers
    assert [f"slide-{n}" for n in range(1, 6)] == re.findall(r'<h2 id="(slide-\d+)"', doc.html)
    assert "<blockquote>" in doc.html


def test_pptx_title_from_properties(tmp_path):
    extracted = extract(make_pptx(tmp_path / "p.pptx", title="Transformace v MSK"))
    assert extracted.title == "Transformace v MSK"
    assert extracted.type == "presentation"


# -- pdf -------------------------------------------------------------------------------


def test_pdf_reading_order_headings_and_metadata(tmp_path):
    source = make_pdf(tmp_path / "guidance.pdf")
    result, doc = imported(tmp_path, source)
    assert (doc.title, doc.lang, doc.type) == ("Supported living guidance", "en", "guidance")
    assert result.date == dt.date(2018, 9, 4)
    body = doc.body
    headings = re.findall(r"^(#+) (.*)$", body, flags=re.M)
    assert headings == [("##", "Why a service ring"), ("##", "Who takes part"), ("##", "How to start")]
    # wrapped lines are joined back into one paragraph, in order
    assert f"{EN_TEXT} Chapter 1 explains the details. {EN_TEXT}" in body
    assert body.index("Chapter 1 explains") < body.index("Who takes part") < body.index("Chapter 2 explains")
    assert "- first step of chapter 3\n- second step of chapter 3" in body
    assert "Social services portal" not in body and "Page 2" not in body  # running header, page numbers
    assert "Supported living guidance" not in body


def test_pdf_title_from_largest_text_without_metadata(tmp_path):
    extracted = extract(make_pdf(tmp_path / "untitled.pdf", title=None))
    assert extracted.title == "Supported living guidance"


def test_encrypted_pdf_is_refused(tmp_path):
    with pytest.raises(ImportFailure, match="encrypted"):
        extract(make_pdf(tmp_path / "locked.pdf", password="secret"))


def test_corrupt_pdf_is_refused(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not a pdf body\n")
    with pytest.raises(ImportFailure, match="PDF"):
        extract(bad)


# -- html ------------------------------------------------------------------------------


def test_html_keeps_the_article_and_drops_chrome(tmp_path):
    source = tmp_path / "gyuru.html"
    source.write_text(PAGE_HTML, "utf-8")
    result, doc = imported(tmp_path, source)
    assert (doc.title, doc.lang, result.date) == ("Hogyan szervezzünk szolgáltatási gyűrűt?", "hu", dt.date(2018, 9, 4))
    body = doc.body
    for chrome_text in ("Címlap", "Hírek", "secret-script-text", "Vissza a teljes oldalra", "Megosztás", "Ajánlók"):
        assert chrome_text not in body
    assert "Szociális Ágazati Portál" not in body and "©" not in body and "ábrája" not in body
    assert "Az **FSZK** TÁRS Projektje 2018 szeptemberétől *tovább folytatja* a fórumsorozatot." in body
    assert "[tlprotokoll@fszk.hu](mailto:tlprotokoll@fszk.hu)" in body
    assert HU_TEXT in body
    assert "## Helyszínek" in body
    assert "Szeged  \nKecskemét és Pécs" in body  # <br> is a hard line break, spaces collapsed
    assert "<p>Szeged<br>\nKecskemét és Pécs</p>" in doc.html
    assert "- szeptember 4. – Esztergom\n- szeptember 18. – Fülpösdaróc\n    - jelentkezés nyitva" in body
    assert "| Helyszín | Dátum |" in body
    assert "*A szolgáltatási gyűrű.*" in body
    assert 'href="mailto:tlprotokoll@fszk.hu"' in doc.html


def test_html_without_text_is_refused(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav>Címlap</nav><script>x()</script></body></html>", "utf-8")
    with pytest.raises(ImportFailure, match="no article text"):
        extract(page)


# -- txt -------------------------------------------------------------------------------


def test_txt_capture_loses_its_chrome(tmp_path):
    source = tmp_path / "halozat.txt"
    source.write_text(CAPTURE_TXT, "utf-8")
    result, doc = imported(tmp_path, source)
    assert doc.title == "Megkezdi működését a támogató szolgálatok szakmai hálózata"
    assert result.markdown.name == "megkezdi-mukodeset-a-tamogato-szolgalatok-szakmai-halozata.md"
    assert doc.lang == "hu"
    assert doc.body == (
        f"{HU_TEXT}\n\n"
        "2016\\. utolsó negyed évében a tervek szerint hat helyszínen valósul meg a műhelymunka.\n\n"
        "- október 7. – Szeged\n- október 14. – Kecskemét\n\n"
        "Kérdéseit az alábbi elérhetőségen jelezheti: [tlprotokoll@fszk.hu](mailto:tlprotokoll@fszk.hu)"
    )


def test_txt_slide_transcript_becomes_a_presentation(tmp_path):
    source = tmp_path / "prezentace.txt"
    source.write_text(TRANSCRIPT_TXT, "utf-8")
    _, doc = imported(tmp_path, source)
    assert doc.type == "presentation" and doc.lang == "cs"
    assert doc.title == "Transformuje Kraj nebo kraj ?"
    assert slides(doc.body) == [
        (1, "Transformuje Kraj nebo kraj ?", "aneb možnosti spolupráce na procesu transformace"),
        (2, "Národní centrum podpory transformace", CS_TEXT),
        (3, "Děkuji Vám za pozornost.", "Mgr. Šárka Hlisnikovská"),
        (4, "", ""),
    ]


def test_txt_hard_wrapped_lines_and_legacy_encoding(tmp_path):
    source = tmp_path / "wrapped.txt"
    text = (
        "Szolgáltatási gyűrű\n\n"
        "A szolgáltatási gyűrű a helyi\nszolgáltatások összessége, amelyekre\na lakók támaszkodnak.\n\n"
        "Második bekezdés rövid sorokkal,\nhogy a sorok összeálljanak.\n"
    )
    source.write_bytes(text.encode("cp1250"))
    extracted = extract(source)
    assert extracted.title == "Szolgáltatási gyűrű"
    assert extracted.body == (
        "A szolgáltatási gyűrű a helyi szolgáltatások összessége, amelyekre a lakók támaszkodnak.\n\n"
        "Második bekezdés rövid sorokkal, hogy a sorok összeálljanak.\n"
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("chrome.txt", b"Vissza a teljes oldalra\n\nReklamy Google\n", "no text"),
        ("binary.txt", b"\x00\x01\x02binary", "not a text file"),
        ("notes.xyz", b"text", "unsupported file type '.xyz'"),
        ("old.doc", b"\xd0\xcf\x11\xe0", "save it as .docx"),
    ],
)
def test_unreadable_inputs_get_a_clear_reason(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportFailure, match=re.escape(message)):
        extract(path)


# -- chrome rules, Markdown escaping, names -----------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Webtartalom-megjelenítő Webtartalom-megjelenítő",
        "  Vissza a teljes oldalra ",
        "Prezentace se nahrává, počkejte prosím",
        "Podobné prezentace",
        'Stáhnout ppt "Transformuje Kraj nebo kraj ?"',
        "Reklamy Google",
        'Prezentace na téma: "Transformuje Kraj nebo kraj ?"— Transkript prezentace:',
        "CímlapTevékenységekSzakmaközi hálózat",
        "Ugrás a Gyerekesély oldalra",
    ],
)
def test_chrome_lines(line):
    assert is_chrome(line)


@pytest.mark.parametrize("line", ["Szakmaközi hálózat", "Úvod", "Vissza a teljes oldalra mutat a link a cikkben."])
def test_text_is_not_chrome(line):
    assert not is_chrome(line)


def test_tail_marker_cuts_only_near_the_end():
    lines = ["Ajánlók", "Első bekezdés.", "Második bekezdés.", "Harmadik bekezdés.", "Ajánlók", "Másik cikk"]
    assert clean_lines(lines) == ["Ajánlók", "Első bekezdés.", "Második bekezdés.", "Harmadik bekezdés."]


@pytest.mark.parametrize(
    "text",
    [
        "2016. utolsó negyed évében",
        "- nem lista",
        "# nem címsor",
        "> nem idézet",
        "a *csillag* és _aláhúzás_ és [zárójel] és `kód`",
        "1 < 2 és <b>nem html</b>",
        "snake_case_name marad",
    ],
)
def test_escaped_text_renders_verbatim(text):
    html = render_markdown(escape_block(text))
    assert html.startswith("<p>"), html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">") == text


def test_plain_text_links_addresses():
    assert plain_text("Írjon: tl@fszk.hu vagy https://fszk.hu/tars.") == (
        "Írjon: [tl@fszk.hu](mailto:tl@fszk.hu) vagy <https://fszk.hu/tars>."
    )


def test_slugify_is_ascii():
    assert slugify("Támogatott Lakhatás — protokoll (2019)") == "tamogatott-lakhatas-protokoll-2019"
    long = slugify("Transformace pobytových sociálních služeb v Moravskoslezském kraji a spolupráce")
    assert long == "transformace-pobytovych-socialnich-sluzeb-v"  # at most 60 characters, cut at a word


def test_office_files_without_text_are_refused(tmp_path):
    import docx
    import pptx

    docx.Document().save(tmp_path / "blank.docx")
    pptx.Presentation().save(tmp_path / "blank.pptx")
    with pytest.raises(ImportFailure, match="no text"):
        extract(tmp_path / "blank.docx")
    with pytest.raises(ImportFailure, match="no slides"):
        extract(tmp_path / "blank.pptx")


def test_text_that_reads_as_a_character_reference_stays_text():
    """A page that writes the characters ``&#x41;`` (``&amp;#x41;`` in its HTML) keeps them, not an 'A'."""
    import re
    from html import unescape

    from indexer.documents.render import render_markdown
    from indexer.importers.markdown import escape_inline

    for text in ("&#x41; &#65; &amp; <b> AT&T; R&D", "a < b & c > d"):
        html = render_markdown(escape_inline(text))
        assert unescape(re.sub(r"<[^>]+>", "", html)).strip() == text
