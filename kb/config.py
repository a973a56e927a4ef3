"""All configuration in one place: the settings table, ``kb.toml``, environment variables, explicit overrides.

Precedence, lowest first: the defaults, the site file ``kb.toml``, environment
variables (``KB_INDEX_DIR``, ...), explicit values (command-line options,
``create_app`` arguments). Every value is typed and checked here; a bad one is a
:class:`ConfigError` naming where it came from, the key, what was expected and a
hint (``kb.toml: index.workers: expected an integer ≥ 1, got "many" (hint: ...)``).

The site file is ``$KB_CONFIG``, else ``kb.toml`` in the working directory, else
``kb.toml`` beside the content folder. Paths in it are relative to the file.
Run ``python -m kb.config`` to print the README's settings table.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from indexer.documents.access import AccessRule, AccessRules
from indexer.documents.model import DOC_TYPES
from indexer.errors import KbError
from indexer.guards.limits import Limits, use_limits
from kb.config_kinds import (
    INTERFACE_LANGUAGES,
    MIN_SECRET_CHARS,
    Invalid,
    _access_groups,
    _access_rules,
    _boolean,
    _cache_path,
    _choice,
    _header_name,
    _hidden_text,
    _hours,
    _https_or_local_url,
    _integer_at_least,
    _link,
    _names,
    _networks,
    _path,
    _secret,
    _site_url,
    _subset,
    _text,
    _types,
    _url_base,
)

DEFAULT_CONTENT_DIR = "content"
DEFAULT_INDEX_DIR = "instance/index"
CONFIG_FILE = "kb.toml"
#: The type vocabulary when the site file names none (content/README.md explains each).
DEFAULT_TYPES: tuple[str, ...] = DOC_TYPES
#: Facets of the results page, as kb.search.facets names them (slugs).
FACET_SLUGS: tuple[str, ...] = ("type", "topic", "language", "organisation", "region", "year")
#: The search engine's own cut (kb.search.plan.MAX_QUERY_CHARS, not imported: it would load Whoosh).
ENGINE_MAX_QUERY_CHARS = 500
LOG_LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")
#: Largest push webhook body read (GitHub's own cap is 25 MB; an ordinary push is far smaller).
DEFAULT_HOOK_MAX_BODY = 1024 * 1024
#: The most kb.web.http lets that route take at all; a larger setting could never be reached.
HOOK_MAX_BODY_CEILING = 25 * 1024 * 1024
#: Used by ``kb serve`` and tests when no secret is set; kb.wsgi refuses to start with it.
DEVELOPMENT_SECRET = "dev-only-not-secret"
MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
#: How a reader signs in (kb.web.auth): nobody does, a proxy in front says who, or an OpenID provider.
AUTH_MODES: tuple[str, ...] = ("none", "header", "oidc")


class ConfigError(KbError, ValueError):
    """A configuration value that cannot work; the message names the source, the setting and a fix."""


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: its kb.toml key, the Config field, its variable and meaning.

    The default is the Config field's own (one place); ``shown`` is the README's wording of it.
    """

    key: str  # dotted, as in kb.toml: ``index.workers``
    field: str  # the Config attribute
    parse: Callable[[object, bool], object]
    help: str
    hint: str = ""
    env: str | None = None
    shown: str | None = None
    is_path: bool = False  # relative paths in kb.toml are relative to the file


_LIMIT_HINT = "a whole number; more lets an odd file through (and costs its time), less refuses it sooner"

SETTINGS: tuple[Setting, ...] = (
    Setting("site.title", "site_title", _text, "Site name in page titles and the header",
            hint="any text; empty for the translated 'Methodology Knowledge Base'", shown='`""` (translated default)'),
    Setting("site.languages", "languages", _subset(INTERFACE_LANGUAGES),
            "Interface languages offered (English is the fallback when offered, else the first)",
            hint="choose from the catalogues in kb/web/translations", shown='`["hu", "cs", "en"]`'),
    Setting("site.edit_uri", "edit_uri", _url_base,
            "Base URL of the content repository's edit page; the document's path in the content folder is "
            "appended (MkDocs' repo_url + edit_uri); empty: no 'edit this page' link",
            hint='e.g. "https://github.com/org/kb-content/edit/main/content/"'),
    Setting("site.url", "site_url", _site_url,
            "The site's public address; every absolute URL (feeds, sitemap, robots.txt, OpenSearch, Atom ids) "
            "starts with it. Empty: they follow each request's `Host` header and scheme, which any client sets",
            hint='scheme and host as readers type them, e.g. "https://kb.example.org" (a path prefix is allowed)',
            env="KB_SITE_URL"),
    Setting("paths.content", "content_dir", _path, "The content folder", hint="a folder of Markdown documents",
            env="KB_CONTENT_DIR", is_path=True),
    Setting("paths.index", "index_dir", _path, "The index folder (shared by all web workers)",
            hint="a writable folder", env="KB_INDEX_DIR", is_path=True),
    Setting("paths.cache", "cache_dir", _cache_path,
            "Lemma tables and dictionaries, language profiles, compiled catalogues kept between runs (about 330 MB)",
            hint='a writable folder, or "off" to keep them in memory', env="KB_CACHE_DIR", is_path=True,
            shown='`"~/.cache/kb-methodology"`'),
    Setting("index.workers", "index_workers", _integer_at_least(1),
            "Processes `kb index` uses for a full build or a large update",
            hint="1 on a small machine; each worker of a large build peaks at about 1.6 GB", env="KB_INDEX_WORKERS",
            shown="one per core"),
    Setting("search.max_query_chars", "max_query_chars", _integer_at_least(1, ENGINE_MAX_QUERY_CHARS),
            "Longest search text; longer text is cut before searching",
            hint=f"the engine reads at most {ENGINE_MAX_QUERY_CHARS} characters"),
    Setting("search.word_cache", "word_cache", _integer_at_least(100),
            "Words whose analysis each of a web worker's eight word caches keeps (a build keeps up to 200,000); "
            "about 50 MB a worker when all are full (bench/README.md, \"Memory a stranger can fill\")",
            hint="more for a site with a large vocabulary and memory to spare", env="KB_WORD_CACHE"),
    Setting("search.facets", "facets", _subset(FACET_SLUGS), "Facets shown on the results page, in order",
            hint="a list of facet names", shown="all six, in this order: " + ", ".join(FACET_SLUGS)),
    Setting("glossary.default", "glossary_default", _boolean, "Search through the bundled default glossary too",
            hint="false to use only content/glossary/*.yaml", env="KB_GLOSSARY_DEFAULT"),
    Setting("log.level", "log_level", _choice(LOG_LEVELS, upper=True),
            "Level of the kb loggers (the request log is INFO)", hint="WARNING hides the request log",
            env="KB_LOG_LEVEL"),
    Setting("health.details", "health_details", _boolean,
            "`/healthz` also answers the index statistics (documents per language, generation, segments) and "
            "why the index cannot be used; otherwise a status only, for anyone who asks",
            hint="true only where strangers cannot reach /healthz", env="KB_HEALTH_DETAILS"),
    Setting("server.secret_key", "secret_key", _secret,
            f"Flask's secret key, at least {MIN_SECRET_CHARS} characters; `kb.wsgi` refuses to start without it",
            hint=f"make one with: {MAKE_A_SECRET}", env="KB_SECRET_KEY", shown="none"),
    Setting("hooks.git_secret", "git_hook_secret", _secret,
            f"Shared secret of the push webhook `POST /hooks/git`, at least {MIN_SECRET_CHARS} characters; "
            "empty: the route does not exist",
            hint=f"make one with: {MAKE_A_SECRET}, and set the same in the content repository's webhook",
            env="KB_GIT_HOOK_SECRET", shown="none"),
    Setting("hooks.max_body_bytes", "git_hook_max_body", _integer_at_least(1024, HOOK_MAX_BODY_CEILING),
            "Largest push webhook body, in bytes; a larger or unsized (chunked) one is refused before it is read "
            "(413, 411) and the periodic `kb publish` publishes that push instead. Keep `deploy/haproxy.cfg`'s "
            "figure the same",
            hint=f"the default {DEFAULT_HOOK_MAX_BODY} holds a push of hundreds of commits",
            env="KB_GIT_HOOK_MAX_BODY"),
    Setting("limits.doc_bytes", "max_doc_bytes", _integer_at_least(1),
            "Size of one content file, and of one imported document's Markdown, in bytes; a larger file is "
            "refused with `path:line: error: …`", hint=_LIMIT_HINT, env="KB_MAX_DOC_BYTES"),
    Setting("limits.nesting", "max_nesting", _integer_at_least(1),
            "Depth of nested `[` brackets (or `[` left open) in a paragraph, and of lists and quotes",
            hint=_LIMIT_HINT, env="KB_MAX_NESTING"),
    Setting("limits.character_references", "max_character_references", _integer_at_least(1),
            "Character references (`&#x41;`, `&amp;` …) in one paragraph", hint=_LIMIT_HINT,
            env="KB_MAX_CHARACTER_REFERENCES"),
    Setting("limits.links", "max_links", _integer_at_least(1),
            "Link openers (`](`, `][`, `<a`, `<http…`) in one paragraph", hint=_LIMIT_HINT, env="KB_MAX_LINKS"),
    Setting("limits.table_columns", "max_table_columns", _integer_at_least(1), "Columns of a table row",
            hint=_LIMIT_HINT, env="KB_MAX_TABLE_COLUMNS"),
    Setting("limits.doc_seconds", "max_doc_seconds", _integer_at_least(1),
            "Seconds to render one document: the last line of defence behind the `limits.*` checks of its Markdown",
            hint=_LIMIT_HINT, env="KB_MAX_DOC_SECONDS"),
    Setting("limits.html_nesting", "max_html_nesting", _integer_at_least(1),
            "Depth of nested elements of a web page given to `kb import`", hint=_LIMIT_HINT,
            env="KB_MAX_HTML_NESTING"),
    Setting("limits.import_bytes", "max_import_bytes", _integer_at_least(1),
            "Size of one file given to `kb import`, in bytes", hint=_LIMIT_HINT, env="KB_MAX_IMPORT_BYTES"),
    Setting("limits.import_seconds", "max_import_seconds", _integer_at_least(1),
            "Seconds to read one file given to `kb import`", hint=_LIMIT_HINT, env="KB_MAX_IMPORT_SECONDS"),
    Setting("types", "types", _types,
            "The `type` vocabulary: one `[types.<id>]` table each, with a label per interface language "
            "(`en = \"Protocol\"`)", hint="[types.protocol] en = \"Protocol\", hu = \"Protokoll\"",
            shown=", ".join(DEFAULT_TYPES)),
    Setting("access.groups", "access_groups", _access_groups,
            "The groups a document may be restricted to (`access: [staff]` in front matter, `access.rules`); "
            "`kb check` reports any other name", hint='e.g. ["staff", "partners"]', shown="`[]`"),
    Setting("access.rules", "access_rules", _access_rules,
            "`[[access.rules]]` tables, each `path = \"internal/**\"` (a glob over the document's path in the "
            "content folder; `*` stays in a folder, `**` crosses folders) and `groups = [\"staff\"]` or "
            "`\"public\"`: the default of the documents it matches, whose own `access:` wins. The first rule "
            "that matches counts", hint='[[access.rules]] path = "internal/**" groups = ["staff"]', shown="none"),
    Setting("auth.mode", "auth_mode", _choice(AUTH_MODES),
            "How readers sign in: `none` (nobody; editors' pages only in `kb serve`), `header` (a proxy in front "
            "names the reader and groups), `oidc` (an OpenID Connect provider)", env="KB_AUTH_MODE",
            hint="header: a proxy that removes those headers from clients; oidc: auth.issuer, auth.client_id"),
    Setting("auth.user_header", "auth_user_header", _header_name, "Header mode: the header naming the reader",
            hint="what the proxy's sign-in step sets"),
    Setting("auth.groups_header", "auth_groups_header", _header_name,
            "Header mode: the header of the reader's groups, comma-separated", hint="what the proxy sets"),
    Setting("auth.trusted_proxies", "auth_trusted_proxies", _networks,
            "Header mode: the peers (addresses or CIDR networks) whose headers are believed; others' are ignored",
            hint="the proxy's address as the web workers see it", shown='`["127.0.0.1", "::1"]`'),
    Setting("auth.editor_groups", "auth_editor_groups", _names,
            "Groups who see /editors (signed out: 401; signed in without one: 404)", shown='`["editors"]`',
            hint='group names as the proxy or provider spells them, e.g. ["editors"]'),
    Setting("auth.session_hours", "auth_session_hours", _hours, "OIDC mode: hours a sign-in lasts", hint="e.g. 8"),
    Setting("auth.issuer", "auth_issuer", _https_or_local_url,
            "OIDC mode: the provider's issuer (its `/.well-known/openid-configuration` is read)",
            hint='as the provider names itself, e.g. "https://login.example.org/realms/kb"'),
    Setting("auth.client_id", "auth_client_id", _text, "OIDC mode: this site's client id at the provider",
            hint="registered with the redirect URI <site.url>/auth/callback"),
    Setting("auth.client_secret", "auth_client_secret", _hidden_text,
            "OIDC mode: the client secret (empty: a public client, PKCE only)", env="KB_OIDC_CLIENT_SECRET",
            hint="set it in the environment rather than in the file", shown="none"),
    Setting("auth.groups_claim", "auth_groups_claim", _text,
            "OIDC mode: the claim of the reader's groups (a list, or a comma/space separated string)",
            hint='"groups" for most providers'),
    Setting("auth.sign_in_url", "auth_sign_in_url", _link,
            "Header mode: where the 401 page's sign-in link points (the proxy's sign-in); empty: no link",
            hint='e.g. "/oauth2/start"'),
)  # fmt: skip
BY_KEY = {s.key: s for s in SETTINGS}
#: Settings whose value is checked even when a program passes it (create_app's dict, an option).
_CHECKED_OVERRIDES = {s.field: s for s in SETTINGS if s.parse is _secret}
_SECTIONS = {s.key.split(".")[0] for s in SETTINGS}


def default_cache_dir() -> Path:
    """~/.cache/kb-methodology (or under $XDG_CACHE_HOME): the one place this default is stated;
    :func:`apply_process_settings` gives the folder to indexer.text.lemmas."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kb-methodology"


_LIMITS = Limits()


@dataclass(frozen=True)
class Config:
    content_dir: Path = Path(DEFAULT_CONTENT_DIR)
    index_dir: Path = Path(DEFAULT_INDEX_DIR)
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    testing: bool = False
    secret_key: str = ""
    max_query_chars: int = 500
    word_cache: int = 20_000
    preview: bool = False  # kb serve --watch: live reload, problems shown on document pages
    site_title: str = ""
    languages: tuple[str, ...] = INTERFACE_LANGUAGES
    edit_uri: str = ""
    site_url: str = ""  # no trailing slash
    index_workers: int | None = None
    facets: tuple[str, ...] = FACET_SLUGS
    glossary_default: bool = True
    log_level: str = "INFO"
    git_hook_secret: str = ""
    health_details: bool = False
    git_hook_max_body: int = DEFAULT_HOOK_MAX_BODY
    # The budget of one document (indexer.guards.limits.Limits states the defaults).
    max_doc_bytes: int = _LIMITS.doc_bytes
    max_nesting: int = _LIMITS.nesting
    max_character_references: int = _LIMITS.character_references
    max_links: int = _LIMITS.links
    max_table_columns: int = _LIMITS.table_columns
    max_doc_seconds: int = _LIMITS.doc_seconds
    max_html_nesting: int = _LIMITS.html_nesting
    max_import_bytes: int = _LIMITS.import_bytes
    max_import_seconds: int = _LIMITS.import_seconds
    types: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {t: {} for t in DEFAULT_TYPES})
    access_groups: tuple[str, ...] = ()
    access_rules: tuple[AccessRule, ...] = ()
    auth_mode: str = "none"
    auth_user_header: str = "X-Forwarded-User"
    auth_groups_header: str = "X-Forwarded-Groups"
    auth_trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    auth_editor_groups: tuple[str, ...] = ("editors",)
    auth_session_hours: float = 8
    auth_issuer: str = ""
    auth_client_id: str = ""
    auth_client_secret: str = ""
    auth_groups_claim: str = "groups"
    auth_sign_in_url: str = ""
    local: bool = False  # set by `kb serve` (the editor's own machine), never by kb.toml
    config_file: Path | None = None  # the kb.toml read, if any

    @property
    def access(self) -> AccessRules:
        """The ``access.*`` settings as the indexer takes them."""
        return AccessRules(tuple(self.access_groups), tuple(self.access_rules))

    @property
    def limits(self) -> Limits:
        """The document budget the indexer applies (:func:`apply_process_settings` hands it over)."""
        return Limits(**{f.name: getattr(self, "max_" + f.name) for f in fields(Limits)})

    @property
    def doc_types(self) -> tuple[str, ...]:
        """The type vocabulary, in the site file's order."""
        return tuple(self.types)

    @classmethod
    def load(cls, overrides: dict | None = None, environ: Mapping[str, str] | None = None) -> Config:
        """Defaults, then kb.toml, then the environment, then ``overrides`` (by field name; None = not given)."""
        env = os.environ if environ is None else environ
        overrides = {key.lower(): value for key, value in (overrides or {}).items()}
        known = {f.name for f in fields(cls)}
        for name in overrides:
            if name not in known:
                raise ConfigError(f"unknown setting '{name}'; known settings: {', '.join(sorted(known))}")
        values: dict = {}
        path = find_config_file(env, overrides.get("content_dir"))
        if path is not None:
            values.update(read_config_file(path))
            values["config_file"] = path
        for setting in SETTINGS:
            if setting.env and env.get(setting.env):
                values[setting.field] = _parse(setting, env[setting.env], setting.env, from_env=True)
        for name, value in overrides.items():  # given by a program, not parsed above: the secrets are checked too
            if name in _CHECKED_OVERRIDES and value is not None:
                setting = _CHECKED_OVERRIDES[name]
                _parse(setting, value, setting.key, from_env=False)
        values.update({name: value for name, value in overrides.items() if value is not None})
        config = cls(**values)
        _check_auth(config)
        return replace(config, content_dir=Path(config.content_dir), index_dir=Path(config.index_dir))


def _check_auth(config: Config) -> None:
    """Settings that only make sense together: oidc mode needs its provider and its client id."""
    for key, value in (("auth.issuer", config.auth_issuer), ("auth.client_id", config.auth_client_id)):
        if config.auth_mode == "oidc" and not value:
            source, hint = str(config.config_file or "settings"), BY_KEY[key].hint
            raise ConfigError(f'{source}: {key}: required when auth.mode is "oidc", got nothing (hint: {hint})')


def apply_process_settings(config: Config) -> None:
    """The settings that belong to the process, not to one app: the cache folder, the limits and the log level."""
    from indexer.text import lemmas  # here: kb.config itself stays light to import

    lemmas.SETTINGS.use_cache_dir(config.cache_dir)
    use_limits(config.limits)
    logging.getLogger("kb").setLevel(config.log_level)


def build_options(config: Config) -> dict:
    """What :func:`indexer.pipeline.build` takes from the configuration (the indexer never reads it)."""
    return {
        "types": config.doc_types,
        "workers": config.index_workers,
        "glossary_default": config.glossary_default,
        "access": config.access,
    }


def _parse(setting: Setting, value: object, source: str, *, from_env: bool, key: str | None = None) -> object:
    try:
        return setting.parse(value, from_env)
    except Invalid as error:
        where = source if key is None else f"{source}: {key}"
        hint = f" (hint: {setting.hint})" if setting.hint else ""
        got = error.got if error.got is not None else _shown(value)
        raise ConfigError(f"{where}: expected {error.expected}, got {got}{hint}") from None


def _shown(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return repr(value)


def find_config_file(environ: Mapping[str, str], content_dir: Path | str | None = None) -> Path | None:
    """``$KB_CONFIG`` (which must exist), else ./kb.toml, else kb.toml beside the content folder."""
    if environ.get("KB_CONFIG"):
        path = Path(environ["KB_CONFIG"]).expanduser()
        if not path.is_file():
            raise ConfigError(f"KB_CONFIG: no such file: {path} (hint: unset it to use ./{CONFIG_FILE})")
        return path
    content = Path(content_dir or environ.get("KB_CONTENT_DIR") or DEFAULT_CONTENT_DIR)
    for candidate in (Path(CONFIG_FILE), content.parent / CONFIG_FILE):
        if candidate.is_file():
            return candidate
    return None


def read_config_file(path: Path) -> dict:
    """The typed values a kb.toml sets, by Config field; ConfigError for anything unknown or ill-typed."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    values: dict = {}
    for key, value in _flatten(data):
        setting = BY_KEY.get(key)
        if setting is None:
            near = difflib.get_close_matches(key, BY_KEY, n=1)
            hint = f" (hint: did you mean '{near[0]}'?)" if near else f" (hint: known settings: {', '.join(BY_KEY)})"
            raise ConfigError(f"{path}: {key}: unknown setting{hint}")
        parsed = _parse(setting, value, str(path), from_env=False, key=key)
        if setting.is_path and isinstance(parsed, Path) and not parsed.is_absolute():
            parsed = path.parent / parsed
        values[setting.field] = parsed
    _check_rule_groups(path, values)
    return values


def _check_rule_groups(path: Path, values: dict) -> None:
    """A rule names only groups of ``access.groups``: a typo would hide a folder from its readers."""
    known = values.get("access_groups", ())
    for number, rule in enumerate(values.get("access_rules", ()), start=1):
        for name in rule.groups:
            if name not in known:
                listed = ", ".join(known) or "none yet"
                raise ConfigError(
                    f"{path}: access.rules: rule {number} (path = {json.dumps(rule.path)}) names unknown group "
                    f"'{name}' (hint: the groups are: {listed}; add it to access.groups)"
                )


def _flatten(data: dict) -> list[tuple[str, object]]:
    """``{"index": {"workers": 2}, "types": {...}}`` -> ``[("index.workers", 2), ("types", {...})]``."""
    items: list[tuple[str, object]] = []
    for section, value in data.items():
        if section in BY_KEY or not isinstance(value, dict) or section not in _SECTIONS:
            items.append((section, value))
        else:
            items.extend((f"{section}.{key}", inner) for key, inner in value.items())
    return items


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def settings_table() -> str:
    """The README's settings table, generated from :data:`SETTINGS` and Config's defaults."""
    defaults = {f.name: f.default for f in fields(Config)}
    rows = ["| kb.toml key | environment | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = s.shown if s.shown is not None else f"`{_toml(defaults[s.field])}`"
        env = f"`{s.env}`" if s.env else ""
        rows.append(f"| `{s.key}` | {env} | {default} | {s.help} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
