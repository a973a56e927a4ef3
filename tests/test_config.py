"""The site file kb.toml, the environment and the options: precedence, types, errors, and what each setting does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.config import SETTINGS, Config, ConfigError, settings_table
from kb.web import create_app

from .conftest import CONTENT, ROOT


def write_config(folder: Path, text: str) -> Path:
    path = folder / "kb.toml"
    path.write_text(text, "utf-8")
    return path


def load(tmp_path, text: str = "", env: dict | None = None, **overrides) -> Config:
    path = write_config(tmp_path, text)
    return Config.load(overrides, environ={"KB_CONFIG": str(path), **(env or {})})


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = Config.load(environ={})
    assert config.config_file is None
    assert config.content_dir == Path("content") and config.index_dir == Path("instance/index")
    assert config.doc_types == ("protocol", "forum", "presentation", "guidance", "article", "news")
    assert config.index_workers is None and config.log_level == "INFO" and config.glossary_default is True


def test_the_file_is_found_in_the_working_directory_or_beside_the_content(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, '[site]\ntitle = "Here"\n')
    assert Config.load(environ={}).site_title == "Here"
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "content").mkdir(parents=True)
    write_config(elsewhere, '[site]\ntitle = "Beside"\n')
    monkeypatch.chdir(tmp_path / "elsewhere" / "content")
    assert Config.load(environ={"KB_CONTENT_DIR": str(elsewhere / "content")}).site_title == "Beside"


def test_precedence_file_then_environment_then_options(tmp_path):
    text = '[index]\nworkers = 3\n[log]\nlevel = "warning"\n[paths]\nindex = "ix"\n'
    config = load(tmp_path, text)
    assert config.index_workers == 3 and config.log_level == "WARNING"
    assert config.index_dir == tmp_path / "ix"  # relative to the file, not the working directory
    config = load(tmp_path, text, env={"KB_INDEX_WORKERS": "2", "KB_INDEX_DIR": "/srv/ix"})
    assert config.index_workers == 2 and config.index_dir == Path("/srv/ix")
    assert load(tmp_path, text, env={"KB_INDEX_DIR": "/srv/ix"}, index_dir="/opt/ix").index_dir == Path("/opt/ix")


def test_cache_folder_off(tmp_path):
    assert load(tmp_path, env={"KB_CACHE_DIR": "off"}).cache_dir is None
    assert load(tmp_path, '[paths]\ncache = "c"\n').cache_dir == tmp_path / "c"


@pytest.mark.parametrize(
    "text, env, message",
    [
        (
            '[index]\nworkers = "many"\n',
            {},
            'kb.toml: index.workers: expected an integer ≥ 1, got "many" (hint: 1 on a small machine',
        ),
        ("[index]\nworkers = 0\n", {}, "kb.toml: index.workers: expected an integer ≥ 1, got 0"),
        ("", {"KB_INDEX_WORKERS": "many"}, 'KB_INDEX_WORKERS: expected an integer ≥ 1, got "many" (hint:'),
        ("", {"KB_LOG_LEVEL": "loud"}, 'KB_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got "loud"'),
        (
            '[search]\nmax_query_chars = "500"\n',
            {},
            'search.max_query_chars: expected an integer from 1 to 500, got "500"',
        ),
        ("[search]\nmax_query_chars = 501\n", {}, "got 501 (hint: the engine reads at most 500 characters)"),
        ('[site]\nlanguages = ["hu", "de"]\n', {}, "site.languages: expected a non-empty list of hu, cs, en"),
        ('[search]\nfacets = ["colour"]\n', {}, "search.facets: expected a non-empty list of type, topic"),
        ('[glossary]\ndefault = "yes"\n', {}, 'glossary.default: expected true or false, got "yes"'),
        ('[site]\nedit_uri = "github.com/x"\n', {}, "site.edit_uri: expected an http(s) URL"),
        ('[site]\nurl = "kb.example.org"\n', {}, "site.url: expected an http(s) address with a host and no query"),
        ('[site]\nurl = "ftp://kb.example.org"\n', {}, "site.url: expected an http(s) address"),
        (
            '[site]\nurl = "https://kb.example.org/?lang=hu"\n',
            {},
            'got "https://kb.example.org/?lang=hu" (hint: scheme',
        ),
        ('[site]\nurl = "https://kb.example.org/#top"\n', {}, "site.url: expected an http(s) address"),
        ('[site]\nurl = "https://user:pw@kb.example.org"\n', {}, "site.url: expected an http(s) address"),
        ('[site]\nurl = "https://kb.example.org:99999"\n', {}, "site.url: expected an http(s) address"),
        ('[site]\nurl = "https:///path"\n', {}, "site.url: expected an http(s) address"),
        ("[site]\nurl = 443\n", {}, "site.url: expected an http(s) address"),
        ("", {"KB_SITE_URL": "https://kb example.org"}, "KB_SITE_URL: expected an http(s) address"),
        ("[index]\nwokers = 2\n", {}, "kb.toml: index.wokers: unknown setting (hint: did you mean 'index.workers'?)"),
        ('[types.protocol]\nde = "Protokoll"\n', {}, "types: expected a table of type ids"),
        ("[index\n", {}, "kb.toml: not valid TOML"),
        ("[limits]\nnesting = 0\n", {}, "kb.toml: limits.nesting: expected an integer ≥ 1, got 0 (hint: a whole"),
        ("", {"KB_MAX_DOC_SECONDS": "soon"}, 'KB_MAX_DOC_SECONDS: expected an integer ≥ 1, got "soon" (hint:'),
    ],
)
def test_bad_values_name_the_file_key_expected_type_and_a_hint(tmp_path, text, env, message):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text, env=env)
    assert message in str(error.value)


def test_the_limits_come_from_the_file_and_the_environment(tmp_path):
    from indexer.guards import limits

    assert load(tmp_path).limits == limits.Limits()
    text = "[limits]\nnesting = 7\ndoc_bytes = 5_000\n"
    assert (load(tmp_path, text).limits.nesting, load(tmp_path, text).limits.doc_bytes) == (7, 5000)
    config = load(tmp_path, text, env={"KB_MAX_NESTING": "9", "KB_MAX_IMPORT_SECONDS": "3"})
    assert (config.limits.nesting, config.limits.import_seconds, config.limits.doc_bytes) == (9, 3, 5000)
    assert {limit.setting for limit in limits.ALL} == {s.env for s in SETTINGS if s.key.startswith("limits.")}


def test_site_url_is_kept_without_a_trailing_slash(tmp_path):
    assert load(tmp_path).site_url == ""
    assert load(tmp_path, '[site]\nurl = "https://kb.example.org/"\n').site_url == "https://kb.example.org"
    assert (
        load(tmp_path, '[site]\nurl = "HTTPS://kb.example.org:8443/kb/"\n').site_url == "https://kb.example.org:8443/kb"
    )
    assert load(tmp_path, env={"KB_SITE_URL": "http://127.0.0.1:8000"}).site_url == "http://127.0.0.1:8000"


def test_the_query_limit_matches_the_engine():
    from kb.config import ENGINE_MAX_QUERY_CHARS
    from kb.search.plan import MAX_QUERY_CHARS

    assert ENGINE_MAX_QUERY_CHARS == MAX_QUERY_CHARS


def test_missing_kb_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="KB_CONFIG: no such file"):
        Config.load(environ={"KB_CONFIG": str(tmp_path / "nope.toml")})


def test_cli_reports_a_bad_file_as_a_usage_error(tmp_path):
    path = write_config(tmp_path, '[index]\nworkers = "many"\n')
    result = CliRunner().invoke(main, ["index", "--content", str(CONTENT)], env={"KB_CONFIG": str(path)})
    assert result.exit_code == 2
    assert 'index.workers: expected an integer ≥ 1, got "many"' in result.output


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert settings_table() in readme, "README settings table out of date: paste the output of python -m kb.config"
    for setting in SETTINGS:
        assert f"`{setting.key}`" in readme


VOCABULARY = """
[types.protocol]
en = "Protocol"
hu = "Eljárásrend"

[types.recipe]
en = "Recipe"
cs = "Recept"
"""


def test_kb_check_and_kb_index_read_the_type_vocabulary(content_factory, tmp_path):
    content_factory("hu/a.md", "title: A\ntype: recipe\nlang: hu", "Támogatott lakhatás recept.")
    content_factory("hu/b.md", "title: B\ntype: forum\nlang: hu", "Fórum a lakhatásról.")
    runner = CliRunner()
    args = ["check", "--content", str(content_factory.root)]
    default = runner.invoke(main, args, env={"KB_CONFIG": None})
    assert default.exit_code == 1 and "hu/a.md:3: error: field 'type' is 'recipe'" in default.output
    path = write_config(tmp_path, VOCABULARY)  # beside the content folder: found without KB_CONFIG
    configured = runner.invoke(main, args, env={"KB_CONFIG": None})
    assert configured.exit_code == 1 and "hu/b.md:3: error: field 'type' is 'forum'" in configured.output
    assert "hu/a.md" not in configured.output
    index = ["index", "--content", str(content_factory.root), "--index", str(tmp_path / "ix")]
    indexed = runner.invoke(main, index, env={"KB_CONFIG": str(path)})
    assert "1 added" in indexed.output and "1 failed" in indexed.output
    new = runner.invoke(
        main, ["new", "--content", str(content_factory.root), "--type", "recipe", "R"], env={"KB_CONFIG": str(path)}
    )
    assert new.exit_code == 0, new.output


def test_type_labels_follow_the_interface_language(corpus_index, tmp_path):
    config = load(tmp_path, VOCABULARY + "\n[types.forum]\nen = 'Meeting'\n", content_dir=CONTENT,
                  index_dir=corpus_index, testing=True)  # fmt: skip
    client = create_app(config).test_client()
    page = client.get("/doc/hu/tl-szolgaltatasi-gyuru-forum", headers={"Accept-Language": "hu"}).text
    assert "Meeting" in page  # no Hungarian label: the English one


def test_site_title_languages_facets_and_query_length(corpus_index, tmp_path):
    text = '[site]\ntitle = "Módszertár"\nlanguages = ["hu", "cs"]\n[search]\nfacets = ["year", "type"]\n'
    text += "max_query_chars = 9\n"
    config = load(tmp_path, text, content_dir=CONTENT, index_dir=corpus_index, testing=True)
    client = create_app(config).test_client()
    home = client.get("/").text
    assert '<html lang="hu"' in home  # English is not offered: the first language is the fallback
    assert "· Módszertár</title>" in home and ">English<" not in home
    results = client.get("/search?q=lakhatas").text
    assert re.findall(r'<h3 id="facet-(\w+)"', results) == ["year", "type"]
    assert client.get("/api/search?q=tamogatott+lakhatas").json["query"] == "tamogatot"
    assert client.get("/api/suggest?q=tamogatott+lakhatas").json["query"] == "tamogatot"


MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


@pytest.mark.parametrize(
    "text, env, message",
    [
        (
            '[server]\nsecret_key = "Tr0ub4dor"\n',
            {},
            "kb.toml: server.secret_key: expected at least 32 characters, got 9",
        ),
        ("", {"KB_SECRET_KEY": "S" * 31}, "KB_SECRET_KEY: expected at least 32 characters, got 31"),
        ('[hooks]\ngit_secret = "hunter2"\n', {}, "kb.toml: hooks.git_secret: expected at least 32 characters, got 7"),
        ("", {"KB_GIT_HOOK_SECRET": "horse"}, "KB_GIT_HOOK_SECRET: expected at least 32 characters, got 5"),
    ],
)
def test_short_secrets_are_refused_with_how_to_make_one(tmp_path, text, env, message):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text, env=env)
    assert message in str(error.value) and MAKE_ONE in str(error.value)
    for secret in ("Tr0ub4dor", "S" * 31, "hunter2", "horse"):
        assert secret not in str(error.value)  # a secret is never echoed


@pytest.mark.parametrize("name, key", [("secret_key", "server.secret_key"), ("git_hook_secret", "hooks.git_secret")])
def test_short_secrets_given_to_the_app_are_refused_too(name, key):
    with pytest.raises(ConfigError, match=f"{key}: expected at least 32 characters, got 3") as error:
        create_app({name: "abc", "testing": True})
    assert MAKE_ONE in str(error.value)


def test_long_secrets_and_no_secret_are_accepted(tmp_path):
    config = load(tmp_path, f'[server]\nsecret_key = "{"k" * 32}"\n[hooks]\ngit_secret = "{"h" * 40}"\n')
    assert config.secret_key == "k" * 32 and config.git_hook_secret == "h" * 40
    assert load(tmp_path).secret_key == "" and load(tmp_path).git_hook_secret == ""


def test_gunicorn_refuses_a_short_secret_key_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_INDEX_DIR=str(tmp_path / "ix"), KB_CACHE_DIR="off", KB_SECRET_KEY="x")
    gunicorn = [sys.executable, "-m", "gunicorn", "-b", "127.0.0.1:0", "-w", "1", "kb.wsgi:app"]
    with subprocess.Popen(gunicorn, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True) as server:
        try:
            _, stderr = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail(f"gunicorn started with a one-character secret key: {server.communicate()[1][-2000:]}")
    assert server.returncode != 0
    assert "KB_SECRET_KEY: expected at least 32 characters, got 1" in stderr and MAKE_ONE in stderr
    assert "Traceback" not in stderr, stderr


def test_wsgi_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_INDEX_DIR=str(tmp_path / "ix"), KB_CACHE_DIR="off")
    done = subprocess.run([sys.executable, "-c", "import kb.wsgi"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode != 0 and "no secret key. Set KB_SECRET_KEY" in done.stderr
    env["KB_SECRET_KEY"] = "x" * 32
    done = subprocess.run([sys.executable, "-c", "import kb.wsgi"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
