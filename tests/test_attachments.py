"""Attachments: listed on the document page, served with the right type, nothing outside content/ reachable."""

from __future__ import annotations

import pytest

from indexer import pipeline
from kb.web import create_app

PDF = b"%PDF-1.4\n% test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("attachments")
    content = tmp_path / "content"
    (content / "hu" / "kepek").mkdir(parents=True)
    (content / "hu" / "protokoll.pdf").write_bytes(PDF)
    (content / "hu" / "dia.pptx").write_bytes(b"PK\x03\x04pptx")
    (content / "hu" / "kepek" / "abra.png").write_bytes(PNG)
    (content / "hu" / "script.html").write_text("<script>alert(1)</script>", "utf-8")
    (content / "hu" / ".rejtett.pdf").write_bytes(PDF)
    (content / "hu" / "a.md").write_text(
        "---\ntitle: Melléklet\ntype: protocol\nlang: hu\nattachments: [protokoll.pdf, dia.pptx]\n---\n\n"
        "A támogatott lakhatás protokollja a mellékletben olvasható.\n\n![Ábra](kepek/abra.png)\n\n"
        "[A protokoll](protokoll.pdf) és [a másik dokumentum](../cs/b.md#cast).\n",
        "utf-8",
    )
    (content / "cs").mkdir()
    (content / "cs" / "b.md").write_text("---\ntitle: B\ntype: protocol\nlang: cs\n---\n\nSociální služby.\n", "utf-8")
    (content / "hu" / "files").mkdir()
    (content / "hu" / "files" / "lista.md").write_text("---\ntitle: Lista\ntype: guidance\n---\n\nSzöveg.\n", "utf-8")
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret outside the content directory")
    (content / "hu" / "kifele.pdf").symlink_to(secret)
    (tmp_path / "outside.pdf").write_bytes(b"%PDF outside")
    index = tmp_path / "ix"
    pipeline.build(content, index)
    return create_app({"content_dir": content, "index_dir": index, "testing": True}).test_client()


def test_attachments_are_listed_with_type_and_size(site):
    html = site.get("/doc/hu/a").get_data(as_text=True)
    assert '<h2 id="attachments-h">Attachments</h2>' in html
    assert (
        '<a href="/doc/hu/a/files/protokoll.pdf" download>protokoll.pdf</a> <span class="meta">PDF, 16 bytes</span>'
        in html
    )
    assert '<a href="/doc/hu/a/files/dia.pptx" download>dia.pptx</a>' in html


def test_a_document_in_a_folder_named_files_is_still_a_page(site):
    response = site.get("/doc/hu/files/lista")
    assert response.status_code == 200 and "<h1>Lista</h1>" in response.get_data(as_text=True)


def test_body_links_point_at_site_urls(site):
    html = site.get("/doc/hu/a").get_data(as_text=True)
    assert '<img alt="Ábra" src="/doc/hu/a/files/kepek/abra.png">' in html
    assert 'href="/doc/hu/a/files/protokoll.pdf"' in html
    assert 'href="/doc/cs/b#cast"' in html
    assert site.get("/doc/cs/b").status_code == 200


@pytest.mark.parametrize(
    ("url", "mimetype", "disposition"),
    [
        ("/doc/hu/a/files/protokoll.pdf", "application/pdf", "attachment; filename=protokoll.pdf"),
        (
            "/doc/hu/a/files/dia.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "attachment; filename=dia.pptx",
        ),
        ("/doc/hu/a/files/kepek/abra.png", "image/png", "inline; filename=abra.png"),
    ],
)
def test_files_are_served_with_their_types(site, url, mimetype, disposition):
    response = site.get(url)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data in (PDF, PNG, b"PK\x03\x04pptx")


@pytest.mark.parametrize(
    "url",
    [
        "/doc/hu/a/files/../../../outside.pdf",
        "/doc/hu/a/files/%2e%2e/%2e%2e/%2e%2e/outside.pdf",
        "/doc/hu/a/files/..%2f..%2f..%2foutside.pdf",
        "/doc/hu/a/files/%2e%2e%2f%2e%2e%2f%2e%2e%2foutside.pdf",
        "/doc/hu/a/files/kepek/..%2f..%2f..%2f..%2foutside.pdf",
        "/doc/hu/a/files//etc/passwd",
        "/doc/hu/a/files/%2fetc%2fpasswd",
        "/doc/hu/a/files/%2Fetc%2Fhostname",
        "/doc/hu/a/files/protokoll.pdf%00.png",
        "/doc/hu/a/files/..%5c..%5c..%5coutside.pdf",
        "/doc/hu/a/files/kifele.pdf",
        "/doc/hu/a/files/.rejtett.pdf",
        "/doc/hu/a/files/script.html",
        "/doc/hu/a/files/a.md",
        "/doc/hu/a/files/nincs.pdf",
        "/doc/hu/nincs/files/protokoll.pdf",
        "/doc/../secret/files/x.pdf",
    ],
)
def test_nothing_outside_the_content_directory_is_reachable(site, url):
    response = site.get(url)
    assert response.status_code == 404, url
    assert b"%PDF" not in response.data  # neither file's content leaks (the path may be echoed in links)


def test_a_replaced_file_is_not_answered_from_the_old_validators(tmp_path):
    """Attachments are validated by the file (send_file's ETag), not by the index's state."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text("---\ntitle: A\ntype: guidance\nattachments: [x.pdf]\n---\n\nText.\n", "utf-8")
    (content / "x.pdf").write_bytes(b"%PDF first")
    pipeline.build(content, tmp_path / "ix")
    client = create_app({"content_dir": content, "index_dir": tmp_path / "ix", "testing": True}).test_client()
    first = client.get("/doc/a/files/x.pdf")
    assert first.status_code == 200 and first.headers.get("ETag")
    (content / "x.pdf").write_bytes(b"%PDF second, longer")
    again = client.get("/doc/a/files/x.pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.data == b"%PDF second, longer"
