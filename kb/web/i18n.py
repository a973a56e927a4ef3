"""The interface language: Flask-Babel set-up, the language switcher and locale-aware formatting.

The interface speaks Hungarian, Czech and English. A reader's choice is kept in a
cookie; without one, the browser's ``Accept-Language`` decides. Catalogues are
committed as ``.po`` files; a wheel carries them compiled, and a checkout with
stale ``.mo`` files gets them compiled into the cache folder at start
(:mod:`kb.web.catalogues`), so a fresh clone works with no build step.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from kb.config import INTERFACE_LANGUAGES
from kb.web.catalogues import catalogue_dir

UI_LANGUAGES: tuple[str, ...] = INTERFACE_LANGUAGES  # every language with a catalogue
DEFAULT_LANGUAGE = "en"
COOKIE = "kb_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

#: Labels of the default type vocabulary, in the interface language (kb.toml [types] can name its own).
TYPE_LABELS = {
    "protocol": _l("Protocol"),
    "forum": _l("Forum"),
    "presentation": _l("Presentation"),
    "guidance": _l("Guidance"),
    "article": _l("Article"),
    "news": _l("News"),
}

#: The search service's notices (kb/search.py), so that they are in the catalogues too.
SERVICE_MESSAGES = (
    _l("Type a word to search."),
    _l("Nothing searchable in that query."),
    _l("Only very common words in that query: add a more specific word."),
)

bp = Blueprint("i18n", __name__)


def offered_languages() -> tuple[str, ...]:
    """The interface languages this site offers (``site.languages``)."""
    return current_app.config["KB"].languages


def fallback_language() -> str:
    """English when offered, else the first offered language."""
    offered = offered_languages()
    return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in offered else offered[0]


def select_locale() -> str:
    """The cookie if it names an offered language, else the best ``Accept-Language`` match, else the fallback."""
    chosen = request.cookies.get(COOKIE)
    if chosen in offered_languages():
        return chosen
    return request.accept_languages.best_match(offered_languages()) or fallback_language()


def ui_language() -> str:
    return str(get_locale() or fallback_language())


def reader_languages() -> list[str]:
    """The languages a reader can read, most preferred first: the interface language, then Accept-Language."""
    langs = [ui_language()]
    for value, _quality in request.accept_languages:
        code = value.split("-")[0].lower()
        if code and code != "*" and code not in langs:
            langs.append(code)
    return langs


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after switching language (no open redirect).

    Anything else goes home: another site, a backslash, and text that is not printable
    (a CR LF would forge a header; browsers drop tabs and newlines, so ``/\t/x`` is ``//x``).
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if not target.isprintable():  # control, format and line-separator characters
        return "/"
    try:
        parts = urlsplit(target)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc:
        return "/"
    return target


@bp.route("/language/<code>")
def switch_language(code: str):
    """Remember the chosen interface language and go back to the page the reader was on."""
    response = redirect(safe_next(request.args.get("next")), code=303)
    if code in offered_languages():
        # Secure behind HTTPS (request.is_secure: gunicorn believes X-Forwarded-Proto from its loopback proxy).
        secure = request.is_secure
        response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True, secure=secure)
    return response


# -- formatting --------------------------------------------------------------------


def language_name(code: str | None, in_language: str | None = None) -> str:
    """A language's name in the interface language (``cs`` -> "Czech", "čeština", "cseh")."""
    if not code:
        return ""
    try:
        name = Locale.parse(in_language or ui_language()).languages.get(code)
    except (ValueError, TypeError):
        name = None
    return name or code.upper()


def native_name(code: str) -> str:
    """A language's name in itself, capitalised for a menu ("Magyar", "Čeština", "English")."""
    name = language_name(code, in_language=code)
    return name[:1].upper() + name[1:]


def local_date(value: str | date | None, style: str = "long") -> str:
    """An ISO date in the interface language's format; anything unparseable is shown as given."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, format=style)


def local_timestamp(value: float | None) -> str:
    """A file modification time (seconds since the epoch) as a local date and time."""
    if not value:
        return ""
    return format_datetime(datetime.fromtimestamp(value), format="medium")


def local_number(value: float | int | None, pattern: str | None = None) -> str:
    if value is None:
        return ""
    return format_decimal(value, format=pattern) if pattern else format_decimal(value)


def type_label(value: str | None) -> str:
    """The site file's label in the interface language, else its English one, else the catalogue's, else the id."""
    value = value or ""
    labels = current_app.config["KB"].types.get(value) or {}
    label = labels.get(ui_language()) or labels.get(DEFAULT_LANGUAGE) or TYPE_LABELS.get(value)
    return str(label or value)


def init_app(app: Flask) -> None:
    config = app.config["KB"]
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogue_dir(TRANSLATIONS, config.cache_dir)))
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(local_number, "number")
    app.add_template_filter(local_timestamp, "local_timestamp")
    app.add_template_filter(language_name, "language_name")
    app.add_template_filter(type_label, "type_label")

    @app.context_processor
    def interface_language() -> dict:
        return {
            "ui_lang": ui_language(),
            "ui_languages": [(code, native_name(code)) for code in offered_languages()],
            "site_title": config.site_title,
        }

    @app.after_request
    def vary_on_language(response):
        """Pages differ by cookie and Accept-Language: caches must not mix them up."""
        if response.mimetype == "text/html":
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
        return response
