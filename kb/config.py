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
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from indexer.documents.access import AccessRule, AccessRules
from indexer.errors import KbError
from indexer.guards.limits import Limits, use_limits
from kb.config_kinds import INTERFACE_LANGUAGES, MIN_SECRET_CHARS, Invalid, _secret  # noqa: F401
from kb.settings import (  # noqa: F401 (the names other modules take from kb.config)
    _CHECKED_OVERRIDES,
    _SECTIONS,
    AUTH_MODES,
    BY_KEY,
    CONFIG_FILE,
    DEFAULT_CONTENT_DIR,
    DEFAULT_HOOK_MAX_BODY,
    DEFAULT_INDEX_DIR,
    DEFAULT_TYPES,
    DEVELOPMENT_SECRET,
    ENGINE_MAX_QUERY_CHARS,
    FACET_SLUGS,
    HOOK_MAX_BODY_CEILING,
    LOG_LEVELS,
    MAKE_A_SECRET,
    SETTINGS,
    Setting,
)


class ConfigError(KbError, ValueError):
    """A configuration value that cannot work; the message names the source, the setting and a fix."""


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
    analytics_enabled: bool = True
    analytics_path: Path | None = None  # None: analytics/ beside the index folder (analytics_dir)
    analytics_min_days: int = 3
    analytics_retention_days: int = 90
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
    def analytics_dir(self) -> Path:
        """The searches store's folder: ``analytics.path``, else ``analytics/`` beside the index folder."""
        return Path(self.analytics_path) if self.analytics_path else Path(self.index_dir).parent / "analytics"

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
