"""The interface language: catalogues, the switcher cookie, Accept-Language, locale formatting."""

import re

import pytest

from kb.web import i18n
from kb.web.catalogues import catalogue_dir, compile_catalogues

HU_DOC = "/doc/hu/tl-szolgaltatasi-gyuru-forum"


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_every_catalogue_translates_every_message():
    from babel.messages.pofile import read_po

    template = {m.id for m in read_po((i18n.TRANSLATIONS / "messages.pot").open("rb")) if m.id}
    for lang in ("hu", "cs"):
        with (i18n.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        ids = {m.id for m in catalog if m.id}
        assert ids == template, f"{lang}: run pybabel update (see README)"
        untranslated = [
            m.id for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
        ]
        assert not untranslated, (lang, untranslated)
        assert not [m.id for m in catalog if m.id and m.fuzzy], lang


def test_stale_catalogue_is_compiled(tmp_path):
    import shutil

    target = tmp_path / "cs" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(i18n.TRANSLATIONS / "cs" / "LC_MESSAGES" / "messages.po", target / "messages.po")
    assert compile_catalogues(tmp_path) == [target / "messages.mo"]
    assert compile_catalogues(tmp_path) == []  # up to date: nothing to do
    from babel.support import Translations

    assert Translations.load(str(tmp_path), ["cs"]).gettext("Skip to content") == "Přejít na obsah"


def test_stale_catalogues_compile_outside_the_package(tmp_path):
    """An installed package is never written to: stale catalogues are compiled into the cache folder."""
    import os
    import shutil

    source = tmp_path / "package"
    shutil.copytree(i18n.TRANSLATIONS, source)
    mo = source / "hu" / "LC_MESSAGES" / "messages.mo"
    os.utime(mo, (1, 1))  # older than its .po
    used = catalogue_dir(source, tmp_path / "cache")
    assert used.is_relative_to(tmp_path / "cache")
    assert (used / "hu" / "LC_MESSAGES" / "messages.mo").is_file()
    assert mo.stat().st_mtime == 1  # the package's own file untouched
    os.utime(mo)  # fresh again: the package's catalogues are used as they are
    assert catalogue_dir(source, tmp_path / "cache") == source


def test_default_is_english(client):
    page = client.get("/")
    assert html_lang(page) == "en" and "Skip to content" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "header, lang, text",
    [
        ("hu-HU,hu;q=0.9,en;q=0.5", "hu", "Ugrás a tartalomra"),
        ("cs,en;q=0.8", "cs", "Přejít na obsah"),
        ("de-DE,de;q=0.9,cs;q=0.7", "cs", "Přejít na obsah"),
        ("fr", "en", "Skip to content"),
    ],
)
def test_accept_language_decides_without_a_cookie(client, header, lang, text):
    page = client.get("/", headers={"Accept-Language": header})
    assert html_lang(page) == lang
    assert text in page.get_data(as_text=True)
    assert "Accept-Language" in page.headers.get("Vary", "")


def test_switcher_sets_a_cookie_that_wins_over_accept_language(client):
    switched = client.get("/language/cs?next=/search%3Fq%3DSzeged", headers={"Accept-Language": "hu"})
    assert switched.status_code == 303 and switched.headers["Location"] == "/search?q=Szeged"
    assert "kb_lang=cs" in switched.headers["Set-Cookie"]
    page = client.get("/search?q=Szeged", headers={"Accept-Language": "hu"})
    assert html_lang(page) == "cs"
    assert "výsled" in page.get_data(as_text=True)  # "1 výsledek pro", Czech plural forms


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "", "javascript:x"])
def test_switcher_never_redirects_off_site(client, target):
    response = client.get("/language/hu", query_string={"next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target",
    ["/\r\nSet-Cookie: kb_lang=xx", "/\nX", "/\t/evil.example", "/a\x00b", "/\x7f", "/\u2028x"],
)
def test_switcher_falls_back_home_on_control_characters(client, target):
    """A ``next`` with control characters (a header injection, a tab browsers drop) is a plain way home, not a 500."""
    response = client.get("/language/hu", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert response.headers.getlist("Set-Cookie") == [response.headers["Set-Cookie"]]
    assert response.headers["Set-Cookie"].startswith("kb_lang=hu;")


def test_switcher_keeps_a_raw_control_character_request_off_the_500_page(client):
    response = client.get("/language/en?next=/%0d%0aSet-Cookie:evil=1")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "evil" not in response.headers.get("Set-Cookie", "")


def test_unknown_language_changes_nothing(client):
    response = client.get("/language/xx?next=/")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers


def test_switcher_links_back_to_the_same_page(client):
    html = client.get("/search?q=Szeged&lang=hu").get_data(as_text=True)
    assert 'href="/language/cs?next=/search?q%3DSzeged%26lang%3Dhu"' in html
    assert 'aria-current="true">English</a>' in html


def test_dates_and_numbers_follow_the_interface_language(client):
    client.set_cookie("kb_lang", "hu")
    html = client.get(HU_DOC).get_data(as_text=True)
    assert '<time datetime="2018-09-01">2018. szeptember 1.</time>' in html
    client.set_cookie("kb_lang", "cs")
    assert '<time datetime="2018-09-01">1. září 2018</time>' in client.get(HU_DOC).get_data(as_text=True)
    client.set_cookie("kb_lang", "en")
    assert '<time datetime="2018-09-01">September 1, 2018</time>' in client.get(HU_DOC).get_data(as_text=True)


def test_number_formatting(app):
    with app.test_request_context(headers={"Accept-Language": "cs"}):
        assert i18n.local_number(12345) == "12\xa0345"
        assert i18n.language_name("hu") == "maďarština"
        assert i18n.local_date("not a date") == "not a date"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert i18n.local_number(12345) == "12,345"
        assert i18n.type_label("protocol") == "Protocol"


def test_query_is_escaped_inside_translated_text(client):
    client.set_cookie("kb_lang", "hu")
    html = client.get("/search", query_string={"q": "<script>x</script> Szeged"}).get_data(as_text=True)
    assert "<script>x" not in html and "&lt;script&gt;" in html
