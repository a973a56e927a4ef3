"""Sample files for the importer tests, built with the same libraries the importers read them with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pptx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from pptx.util import Inches

HU_TEXT = (
    "A Támogatott Lakhatás szolgáltatási gyűrűje a helyi szolgáltatások összessége, amelyekre a lakók "
    "támaszkodnak. A férőhely kiváltást megvalósító intézmények a beköltözés előtt megszervezik."
)
CS_TEXT = (
    "Transformace pobytových sociálních služeb umožňuje lidem s postižením přestěhování z velkých ústavů "
    "do běžného bydlení v místní komunitě. Kraj koordinuje pracovní skupiny a metodickou podporu."
)
EN_TEXT = (
    "The service ring is the set of local services a resident of supported living relies on. It is "
    "organised before people move in, together with the municipality and the providers of health care."
)


def _hyperlink(paragraph, text: str, url: str) -> None:
    """python-docx has no public call for adding a link; this is the documented oxml recipe."""
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    text_el = OxmlElement("w:t")
    text_el.text = text
    run.append(text_el)
    link.append(run)
    paragraph._p.append(link)


def make_docx(path: Path, title: str | None = "Támogatott lakhatás protokoll", created: dt.datetime | None = None):
    document = docx.Document()
    if title:
        document.core_properties.title = title
    if created:
        document.core_properties.created = created
    document.add_paragraph("Támogatott lakhatás protokoll", style="Title")
    document.add_heading("Bevezetés", level=1)
    paragraph = document.add_paragraph("A protokoll ")
    paragraph.add_run("kötelező").bold = True
    paragraph.add_run(" és ")
    paragraph.add_run("ajánlott").italic = True
    paragraph.add_run(" elemeket tartalmaz. Részletek: ")
    _hyperlink(paragraph, "az FSZK oldalán", "https://fszk.hu/tars")
    document.add_paragraph(HU_TEXT)
    document.add_paragraph("első pont", style="List Bullet")
    document.add_paragraph("második pont", style="List Bullet")
    document.add_paragraph("alpont", style="List Bullet 2")
    document.add_paragraph("egy", style="List Number")
    document.add_paragraph("kettő", style="List Number")
    document.add_heading("Felelősök", level=2)
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Szolgáltatás", (0, 1): "Felelős", (1, 0): "Étkeztetés", (1, 1): "A | B"}.items():
        table.cell(row, col).text = text
    document.add_paragraph("2016. utolsó negyedévében hat helyszínen.")
    document.save(path)
    return path


def make_pptx(path: Path, title: str | None = None) -> Path:
    deck = pptx.Presentation()
    if title:
        deck.core_properties.title = title
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = "Transformuje Kraj nebo kraj?"
    slide.placeholders[1].text = "aneb možnosti spolupráce na procesu transformace"

    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Pracovní skupiny"
    frame = slide.placeholders[1].text_frame
    frame.text = "Skupina pro transformaci pobytových služeb"
    sub = frame.add_paragraph()
    sub.text = "vedoucí skupiny – regionální pracovník"
    sub.level = 1
    linked = frame.add_paragraph().add_run()
    linked.text = "Web kraje"
    linked.hyperlink.address = "https://www.msk.cz"
    bold = frame.add_paragraph().add_run()
    bold.text = "Podmínky členství"
    bold.font.bold = True
    slide.notes_slide.notes_text_frame.text = "Zmínit termíny setkání.\nPředat kontakty."

    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Zapojené organizace"
    table = slide.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(1.5)).table
    for (row, col), text in {
        (0, 0): "Rok",
        (0, 1): "Počet organizací",
        (1, 0): "2011",
        (1, 1): "31",
        (2, 0): "2012",
        (2, 1): "34",
    }.items():
        table.cell(row, col).text = text

    deck.slides.add_slide(deck.slide_layouts[6])  # an empty slide keeps its number

    slide = deck.slides.add_slide(deck.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(2)).text_frame
    box.text = "Děkuji Vám za pozornost."
    box.add_paragraph().text = CS_TEXT
    deck.save(path)
    return path


class _Pdf(FPDF):
    def header(self):
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, "Social services portal - methodology", new_x="LMARGIN", new_y="NEXT")

    def footer(self):
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, f"Page {self.page_no()}")


def make_pdf(path: Path, title: str | None = "Supported living guidance", password: str | None = None) -> Path:
    pdf = _Pdf()
    if title:
        pdf.set_title(title)
    pdf.set_creation_date(dt.datetime(2018, 9, 4, 12, 0, tzinfo=dt.UTC))
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    chapters = ["Why a service ring", "Who takes part", "How to start"]
    for number, chapter in enumerate(chapters):
        pdf.add_page()
        if number == 0:
            pdf.set_font("Helvetica", "B", 22)
            pdf.cell(0, 14, "Supported living guidance", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 15)
        pdf.cell(0, 10, chapter, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, f"{EN_TEXT} Chapter {number + 1} explains the details. {EN_TEXT}")
        pdf.ln(4)
        pdf.multi_cell(0, 6, f"A short closing paragraph for chapter {number + 1}.")
        pdf.ln(4)
        pdf.multi_cell(0, 6, f"- first step of chapter {number + 1}\n- second step of chapter {number + 1}")
    pdf.output(str(path))
    return path


PAGE_HTML = """<!doctype html>
<html lang="hu"><head><meta charset="utf-8">
<title>Hogyan szervezzünk szolgáltatási gyűrűt? | Szociális portál</title>
<meta property="article:published_time" content="2018-09-04T10:00:00+02:00">
<script>trackVisitor("secret-script-text");</script><style>.x{color:red}</style></head>
<body>
<header><div class="logo">Szociális Ágazati Portál</div>
<nav><ul><li><a href="/">Címlap</a></li><li><a href="/hirek">Hírek</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Címlap</a> › Hírek</div>
<main><article>
<h1>Hogyan szervezzünk szolgáltatási gyűrűt?</h1>
<p>Vissza a teljes oldalra</p>
<p>Szeged<br>Kecskemét  <span> és </span>  Pécs</p>
<p>Az <strong>FSZK</strong> TÁRS Projektje 2018 szeptemberétől <em>tovább folytatja</em> a fórumsorozatot.
 Jelentkezés: <a href="mailto:tlprotokoll@fszk.hu">tlprotokoll@fszk.hu</a></p>
<p>HU_TEXT</p>
<h2>Helyszínek</h2>
<ul><li>szeptember 4. – Esztergom</li><li>szeptember 18. – Fülpösdaróc<ul><li>jelentkezés nyitva</li></ul></li></ul>
<table><tr><th>Helyszín</th><th>Dátum</th></tr><tr><td>Esztergom</td><td>szeptember 4.</td></tr></table>
<figure><img src="gyuru.png" alt="A képen a szolgáltatási gyűrű ábrája">
<figcaption>A szolgáltatási gyűrű.</figcaption></figure>
<div class="share-buttons"><a href="https://facebook.com/share">Megosztás</a></div>
</article></main>
<aside class="sidebar"><h3>Ajánlók</h3><p>Kiterjesztik a Gyermekszegénység Elleni Programot</p></aside>
<footer>© 2018 Szociális és Gyermekvédelmi Főigazgatóság</footer>
</body></html>
""".replace("HU_TEXT", HU_TEXT)

CAPTURE_TXT = f"""Webtartalom-megjelenítő Webtartalom-megjelenítő

Vissza a teljes oldalra

Megkezdi működését a támogató szolgálatok szakmai hálózata


A képen a kötelező infoblokk látható az alábbi feliratokkal: Magyarország kormánya, Európai Unió Európai \
Szociális alap, Széchenyi 2020{HU_TEXT}

2016. utolsó negyed évében a tervek szerint hat helyszínen valósul meg a műhelymunka.

  • október 7. – Szeged
  • október 14. – Kecskemét

Kérdéseit az alábbi elérhetőségen jelezheti: tlprotokoll@fszk.hu

Ajánlók

Kiterjesztik a Gyermekszegénység Elleni Programot

Ugrás a Gyerekesély oldalra
"""

TRANSCRIPT_TXT = f"""Prezentace se nahrává, počkejte prosím

Transformuje Kraj nebo kraj ?

Podobné prezentace

Prezentace na téma: "Transformuje Kraj nebo kraj ?"— Transkript prezentace:

1 Transformuje Kraj nebo kraj ?
aneb možnosti spolupráce na procesu transformace

2 Národní centrum podpory transformace
{CS_TEXT}

3 Děkuji Vám za pozornost.
Mgr. Šárka Hlisnikovská

4


Stáhnout ppt "Transformuje Kraj nebo kraj ?"

Podobné prezentace

Reklamy Google
"""
