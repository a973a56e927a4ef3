"""The settings table: every kb.toml key, the Config field it sets, its type, variable and meaning.

:mod:`kb.config` reads kb.toml and the environment through it; ``python -m kb.config`` prints
it as the README's table. The value parsers are in :mod:`kb.config_kinds`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from indexer.documents.model import DOC_TYPES
from kb.config_kinds import (
    INTERFACE_LANGUAGES,
    MIN_SECRET_CHARS,
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
    Setting("analytics.enabled", "analytics_enabled", _boolean,
            "Record searches for `/editors/searches` and `kb analytics` (masked queries, never who searched)",
            hint="false records nothing", env="KB_ANALYTICS"),
    Setting("analytics.path", "analytics_path", _path,
            "Folder of the searches store, one SQLite file per host (`kb analytics` reads them all)",
            hint="a writable folder on a local disk", env="KB_ANALYTICS_PATH", is_path=True,
            shown="`analytics/` beside the index folder"),
    Setting("analytics.min_days", "analytics_min_days", _integer_at_least(1),
            "Days on which a query must have been searched before editors see its text (before: counted only)",
            hint="a whole number ≥ 1; more hides rare, possibly personal queries longer"),
    Setting("analytics.retention_days", "analytics_retention_days", _integer_at_least(1),
            "Days single searches and opened results are kept; after that only daily counts per query remain",
            hint="a whole number ≥ 1"),
)  # fmt: skip
BY_KEY = {s.key: s for s in SETTINGS}
#: Settings whose value is checked even when a program passes it (create_app's dict, an option).
_CHECKED_OVERRIDES = {s.field: s for s in SETTINGS if s.parse is _secret}
_SECTIONS = {s.key.split(".")[0] for s in SETTINGS}
