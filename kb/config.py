"""All configuration in one place: defaults, environment variables, explicit overrides.

Precedence: an explicit value (command-line option, ``create_app`` argument) over
the environment (``KB_CONTENT_DIR``, ``KB_INDEX_DIR``) over the defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_CONTENT_DIR = "content"
DEFAULT_INDEX_DIR = "instance/index"


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the setting."""


@dataclass(frozen=True)
class Config:
    content_dir: Path = Path(DEFAULT_CONTENT_DIR)
    index_dir: Path = Path(DEFAULT_INDEX_DIR)
    testing: bool = False
    secret_key: str = "dev-only-not-secret"
    max_query_chars: int = 500
    preview: bool = False  # kb serve --watch: live reload, problems shown on document pages
    glossary_default: bool = field(default_factory=lambda: os.environ.get("KB_GLOSSARY_DEFAULT", "1") != "0")

    @classmethod
    def load(cls, overrides: dict | None = None, environ: dict | None = None) -> Config:
        env = os.environ if environ is None else environ
        values: dict = {
            "content_dir": env.get("KB_CONTENT_DIR") or DEFAULT_CONTENT_DIR,
            "index_dir": env.get("KB_INDEX_DIR") or DEFAULT_INDEX_DIR,
        }
        if env.get("KB_SECRET_KEY"):
            values["secret_key"] = env["KB_SECRET_KEY"]
        known = {f.name for f in fields(cls)}
        for key, value in (overrides or {}).items():
            name = key.lower()
            if name not in known:
                raise ConfigError(f"unknown setting '{key}'; known settings: {', '.join(sorted(known))}")
            if value is not None:
                values[name] = value
        config = cls(**values)
        return replace(config, content_dir=Path(config.content_dir), index_dir=Path(config.index_dir))
