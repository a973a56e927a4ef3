"""The kinds of setting values: how kb.config reads each from kb.toml (TOML types) or from the
environment (text), and the :class:`Invalid` a parser raises, which kb.config turns into a
:class:`kb.config.ConfigError` naming the source, the key and a hint."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from indexer.documents.access import AccessError, AccessRule, clean_glob, group_name, parse_groups
from indexer.errors import KbError

#: Interface languages with a catalogue in kb/web/translations (English is the source language).
INTERFACE_LANGUAGES: tuple[str, ...] = ("hu", "cs", "en")
#: The shortest secret key or webhook secret accepted (a guessable one signs anyone's cookies or pushes).
MIN_SECRET_CHARS = 32


class Invalid(KbError, ValueError):
    """Raised by a kind's parser: ``expected`` says what would have worked; ``got``, when given,
    describes the value instead of showing it (a secret is never echoed)."""

    def __init__(self, expected: str, got: str | None = None):
        super().__init__(expected)
        self.expected = expected
        self.got = got


# -- kinds: how a value is read from the file (TOML types) or the environment (text) ----


def _text(value: object, from_env: bool) -> str:
    if not isinstance(value, str):
        raise Invalid("a string")
    return value


def _secret(value: object, from_env: bool) -> str:
    """A shared secret: empty (not set) or at least :data:`MIN_SECRET_CHARS` characters."""
    if not isinstance(value, str):
        raise Invalid("a string", got="a " + type(value).__name__)
    if value and len(value) < MIN_SECRET_CHARS:
        count = len(value)
        raise Invalid(f"at least {MIN_SECRET_CHARS} characters", got=f"{count} character{'s' if count != 1 else ''}")
    return value


def _integer_at_least(minimum: int, maximum: int | None = None) -> Callable[[object, bool], int]:
    expected = f"an integer ≥ {minimum}" if maximum is None else f"an integer from {minimum} to {maximum}"

    def parse(value: object, from_env: bool) -> int:
        if from_env and isinstance(value, str):  # digits, with _ between groups as in TOML: 2_000_000
            digits = value.strip().lstrip("+").replace("_", "")
            if digits.isascii() and digits.isdigit():
                value = int(digits)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise Invalid(expected)
        if maximum is not None and value > maximum:
            raise Invalid(expected)
        return value

    return parse


def _boolean(value: object, from_env: bool) -> bool:
    if from_env and isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if not isinstance(value, bool):
        raise Invalid("true or false" + (" (or 1/0, yes/no)" if from_env else ""))
    return value


def _path(value: object, from_env: bool) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("a folder path")
    return Path(value).expanduser()


def _cache_path(value: object, from_env: bool) -> Path | None:
    if isinstance(value, str) and value.strip().lower() == "off":
        return None
    try:
        return _path(value, from_env)
    except Invalid:
        raise Invalid('a folder path or "off"') from None


def _choice(options: tuple[str, ...], upper: bool = False) -> Callable[[object, bool], str]:
    def parse(value: object, from_env: bool) -> str:
        text = value.strip() if isinstance(value, str) else value
        text = text.upper() if upper and isinstance(text, str) else text
        if text not in options:
            raise Invalid("one of " + ", ".join(options))
        return text

    return parse


def _subset(options: tuple[str, ...]) -> Callable[[object, bool], tuple[str, ...]]:
    def parse(value: object, from_env: bool) -> tuple[str, ...]:
        if from_env and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        expected = f"a non-empty list of {', '.join(options)}"
        if not isinstance(value, list) or not value or any(item not in options for item in value):
            raise Invalid(expected + (" (comma-separated)" if from_env else ""))
        if len(set(value)) != len(value):
            raise Invalid(expected + ", each once")
        return tuple(value)

    return parse


def _url_base(value: object, from_env: bool) -> str:
    if not isinstance(value, str) or (value and not value.startswith(("https://", "http://"))):
        raise Invalid('an http(s) URL ending where the file\'s path goes, or ""')
    return value


def _site_url(value: object, from_env: bool) -> str:
    """``https://kb.example.org`` (or with a path prefix): the address absolute URLs start with; no trailing slash."""
    expected = 'an http(s) address with a host and no query or fragment ("https://kb.example.org"), or ""'
    if not isinstance(value, str):
        raise Invalid(expected)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        raise Invalid(expected) from None
    if (
        value != value.strip()
        or any(c.isspace() or ord(c) < 32 for c in value)
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc  # user:password@host
        or "?" in value
        or "#" in value
    ):
        raise Invalid(expected)
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _types(value: object, from_env: bool) -> dict[str, dict[str, str]]:
    """``[types.protocol] en = "Protocol"``: type ids in order, each with labels per interface language."""
    expected = 'a table of type ids, each a table of labels per interface language (en = "...")'
    if not isinstance(value, dict) or not value:
        raise Invalid(expected)
    vocabulary: dict[str, dict[str, str]] = {}
    for type_id, labels in value.items():
        if not type_id.replace("-", "").replace("_", "").isalnum() or not type_id.islower():
            raise Invalid(f"{expected}; type ids are lower-case words, not '{type_id}'")
        if not isinstance(labels, dict) or any(
            lang not in INTERFACE_LANGUAGES or not isinstance(text, str) or not text for lang, text in labels.items()
        ):
            raise Invalid(f"{expected}; '{type_id}' has {labels!r}")
        vocabulary[type_id] = dict(labels)
    return vocabulary


def _access_groups(value: object, from_env: bool) -> tuple[str, ...]:
    """``["staff", "partners"]``: the groups documents may name (``kb check`` holds them to it)."""
    expected = 'a list of group names (letters, digits, "-" and "_"), e.g. ["staff", "partners"]'
    if not isinstance(value, list):
        raise Invalid(expected)
    try:
        names = [group_name(item) for item in value]
    except AccessError as error:
        raise Invalid(f"{expected}; {error}") from None
    if len(set(names)) != len(names):
        raise Invalid(f"{expected}, each once")
    return tuple(names)


def _access_rules(value: object, from_env: bool) -> tuple[AccessRule, ...]:
    """``[[access.rules]] path = "internal/**" groups = ["staff"]``: folders' defaults, first match wins."""
    expected = 'tables [[access.rules]], each with path = "folder/**" and groups = ["group", ...] or "public"'
    if not isinstance(value, list):
        raise Invalid(expected)
    rules = []
    for number, table in enumerate(value, start=1):
        if not isinstance(table, dict) or set(table) != {"path", "groups"}:
            keys = ", ".join(table) if isinstance(table, dict) else "not a table"
            raise Invalid(f"{expected}; rule {number} has {keys or 'no keys'}")
        path = table["path"]
        if not isinstance(path, str) or not clean_glob(path):
            raise Invalid(f'{expected}; rule {number}\'s path is not a glob such as "internal/**"')
        try:
            groups = parse_groups(table["groups"])
        except AccessError as error:
            raise Invalid(f"{expected}; rule {number}'s groups: {error}") from None
        rules.append(AccessRule(clean_glob(path), groups))
    return tuple(rules)


def _hidden_text(value: object, from_env: bool) -> str:
    """A credential another system issued (an OpenID client secret): any length, never echoed."""
    if not isinstance(value, str):
        raise Invalid("a string", got="a " + type(value).__name__)
    return value


def _names(value: object, from_env: bool) -> tuple[str, ...]:
    """A list of names (groups): from the environment, comma-separated."""
    if from_env and isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or any(not isinstance(item, str) or not item.strip() for item in value):
        raise Invalid("a list of non-empty names" + (" (comma-separated)" if from_env else ""))
    return tuple(item.strip() for item in value)


def _header_name(value: object, from_env: bool) -> str:
    """An HTTP header's name: letters, digits and dashes (RFC 9110 allows more; no proxy needs them)."""
    if not isinstance(value, str) or not value or not all(c.isascii() and (c.isalnum() or c == "-") for c in value):
        raise Invalid('an HTTP header name such as "X-Forwarded-User"')
    return value


def _networks(value: object, from_env: bool) -> tuple[str, ...]:
    """Addresses or CIDR networks (``10.0.0.0/8``), each checked here; kb.web.auth reads them."""
    if from_env and isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    expected = 'a list of IP addresses or networks ("127.0.0.1", "::1", "10.0.0.0/8")'
    if not isinstance(value, list) or any(not isinstance(item, str) for item in value):
        raise Invalid(expected)
    networks = []
    for item in value:
        try:
            ipaddress.ip_network(item.strip(), strict=False)
            networks.append(item.strip())
        except ValueError:
            raise Invalid(expected, got=f"{item!r}, which is neither") from None
    return tuple(networks)


def _hours(value: object, from_env: bool) -> float:
    """A positive number of hours (8, or 0.5 for half an hour)."""
    if from_env and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 24 * 366:
        raise Invalid("a number of hours above 0 (at most a year)")
    return value


def _https_or_local_url(value: object, from_env: bool) -> str:
    """An OpenID issuer: https, or http on a loopback host (a test provider); no trailing slash."""
    expected = 'an https address ("https://login.example.org/realms/kb"), or http on 127.0.0.1/localhost, or ""'
    if not isinstance(value, str):
        raise Invalid(expected)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        raise Invalid(expected) from None
    local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or local) or "?" in value or "#" in value:
        raise Invalid(expected)
    return value.rstrip("/")


def _link(value: object, from_env: bool) -> str:
    """Where a link points: an http(s) address or a path on this site ("/login"), or ""."""
    if not isinstance(value, str) or (value and not (value.startswith(("https://", "http://", "/")))):
        raise Invalid('an http(s) address or a path starting with "/", or ""')
    if value.startswith("//") or any(c.isspace() for c in value):
        raise Invalid('an http(s) address or a path starting with "/", or ""')
    return value
