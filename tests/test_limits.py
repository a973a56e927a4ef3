"""A budget per document: pathological Markdown is refused at once with the limit and its
setting named, and every other document is still indexed (indexer/guards/limits.py, markdown_shapes.py,
deadline.py). The commands run as subprocesses with a generous timeout, so a file that
stalls the build fails the test instead of hanging the suite; nothing here times anything."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import pipeline
from indexer.documents.load import DocumentError, parse
from indexer.documents.model import Document
from indexer.documents.render import render
from indexer.guards import deadline, limits, markdown_shapes
from kb.cli import main
from kb.config import Config, ConfigError
from kb.search import SearchService
from kb.web import create_app

KB = shutil.which("kb", path=str(Path(sys.executable).parent)) or "kb"
TIMEOUT = 180  # far above the few seconds these take; only a stalled build reaches it
HU = "A támogatott lakhatás a fogyatékos emberek önálló életét segíti a lakóotthonokban."
CS = "Podporované bydlení pomáhá lidem s postižením žít samostatně v komunitě."

#: file -> (body, words of the expected message, the setting it names). Each of these ran
#: for over a minute (or crashed with RecursionError) before the limits.
PATHOLOGICAL = {
    "brackets.md": ("[" * 50_000 + "]" * 50_000, "'[' brackets nested", "KB_MAX_NESTING"),
    "open-brackets.md": ("[" * 50_000 + " text", "'[' brackets nested", "KB_MAX_NESTING"),
    "charrefs.md": ("&#x41;" * 200_000, "too many character references", "KB_MAX_CHARACTER_REFERENCES"),
    "list-on-one-line.md": ("- " * 3_000 + "item", "lists or quotes nested too deeply", "KB_MAX_NESTING"),
    "list-indented.md": (
        "".join("  " * i + "- item\n" for i in range(1_000)),
        "lists or quotes nested too deeply",
        "KB_MAX_NESTING",
    ),
    "quotes.md": ("> " * 3_000 + "quote", "lists or quotes nested too deeply", "KB_MAX_NESTING"),
    "unclosed-links.md": ("[a](" * 20_000, "too many links or tags", "KB_MAX_LINKS"),
    "table.md": (
        "\n".join("|" + "|".join(["cell"] * 5_000) + "|" if r != 1 else "|" + "---|" * 5_000 for r in range(20)),
        "table row with too many columns",
        "KB_MAX_TABLE_COLUMNS",
    ),
    "huge.md": ((HU + "\n\n") * 30_000, "file too large", "KB_MAX_DOC_BYTES"),
}


@pytest.fixture()
def apply_settings():
    """Applies the limits of ``Config.load(environ=...)`` to this process as ``kb`` does; the defaults after."""
    before = limits.current()
    yield lambda env: limits.use_limits(Config.load(environ=env).limits)
    limits.use_limits(before)


def front(title: str, lang: str = "hu") -> str:
    return f"---\ntitle: {title}\ntype: article\nlang: {lang}\n---\n\n"


@pytest.fixture(scope="module")
def odd_folder(tmp_path_factory) -> Path:
    """Two good documents beside every pathological file and a front matter nested 50,000 deep."""
    content = tmp_path_factory.mktemp("odd") / "content"
    (content / "odd").mkdir(parents=True)
    (content / "hu.md").write_text(front("Lakhatás") + HU, "utf-8")
    (content / "cs.md").write_text(front("Bydlení", "cs") + CS, "utf-8")
    for name, (body, _, _) in PATHOLOGICAL.items():
        (content / "odd" / name).write_text(front(name) + "Első bekezdés.\n\n" + body + "\n", "utf-8")
    (content / "odd" / "deep-front-matter.md").write_text(
        f"---\ntitle: x\ntype: article\ntags: {'[' * 50_000}\n---\n\nSzöveg.\n", "utf-8"
    )
    return content


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KB, *args], capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, **(env or {})}
    )


def error_lines(output: str) -> dict[str, str]:
    """file name -> its ``path:line: error: message`` line."""
    return {line.split(":", 1)[0].rsplit("/", 1)[-1]: line for line in output.splitlines() if ": error: " in line}


def assert_every_pathological_file_named(output: str) -> None:
    errors = error_lines(output)
    for name, (_, words, setting) in PATHOLOGICAL.items():
        assert name in errors, f"{name} not reported in:\n{output}"
        assert words in errors[name] and setting in errors[name], errors[name]
        assert errors[name].startswith(f"odd/{name}:"), errors[name]
    assert "front matter nested too deeply" in errors["deep-front-matter.md"]
    assert "Traceback" not in output


def test_kb_index_reports_each_odd_file_and_indexes_the_others(odd_folder, tmp_path):
    index = tmp_path / "index"
    done = run("index", "--full", "--content", str(odd_folder), "--index", str(index))
    assert done.returncode == 2, done.stderr
    assert_every_pathological_file_named(done.stderr)
    assert f"2 added, 0 updated, 0 removed, 0 unchanged, {len(PATHOLOGICAL) + 1} failed" in done.stdout
    service = SearchService(index)
    try:
        assert [h.id for h in service.search("lakhatás").hits] == ["hu"]
        assert [h.id for h in service.search("bydlení").hits] == ["cs"]
    finally:
        service.close()
    again = run("index", "--content", str(odd_folder), "--index", str(index))  # incremental: the same errors
    assert again.returncode == 2
    assert_every_pathological_file_named(again.stderr)


def test_kb_check_reports_each_odd_file(odd_folder):
    done = run("check", "--content", str(odd_folder), "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    text = "\n".join(f"{p['path']}:{p['line']}: {p['severity']}: {p['message']}" for p in report["problems"])
    assert_every_pathological_file_named(text)
    assert {p["path"] for p in report["problems"] if p["severity"] == "error"} == {
        f"odd/{name}" for name in [*PATHOLOGICAL, "deep-front-matter.md"]
    }


def test_the_line_is_where_the_odd_paragraph_starts(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(front("a") + "Egy.\n\nKettő.\n\n" + "[" * 500 + "\n", "utf-8")
    with pytest.raises(DocumentError) as caught:
        render(parse(path, tmp_path))
    assert caught.value.problem.line == 11  # 5 lines of front matter, then blank, Egy., blank, Kettő., blank


def test_a_setting_raises_or_lowers_a_limit(apply_settings):
    doc = Document(id="a", path="a.md", title="a", type="article", body="[" * 20 + "x" + "]" * 20)
    render(doc)
    apply_settings({"KB_MAX_NESTING": "10"})
    with pytest.raises(DocumentError, match="limit 10 levels, set by KB_MAX_NESTING"):
        render(doc)
    with pytest.raises(ConfigError, match='KB_MAX_NESTING: expected an integer ≥ 1, got "ten"'):
        apply_settings({"KB_MAX_NESTING": "ten"})  # not a number: an error naming the variable, not the default
    assert limits.MAX_NESTING.value == 10
    apply_settings({"KB_MAX_DOC_BYTES": "1_000"})
    assert limits.MAX_DOC_BYTES.value == 1000 and limits.MAX_NESTING.value == limits.MAX_NESTING.default


def test_the_time_limit_stops_rendering_and_clears_the_alarm(apply_settings):
    """The last line of defence, behind the checks: with the link check lifted, the clock stops it."""
    apply_settings({"KB_MAX_LINKS": str(10**9), "KB_MAX_DOC_SECONDS": "1"})
    doc = Document(id="a", path="a.md", title="a", type="article", body="[a](" * 20_000)
    with pytest.raises(DocumentError, match="rendering took too long .*KB_MAX_DOC_SECONDS"):
        render(doc)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


def test_the_time_limit_is_not_applied_off_the_main_thread():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(deadline.available()))
    thread.start()
    thread.join()
    assert seen == [False]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(["[", "]", "- ", "> ", "1. ", "    ", "\n", "\n\n", "word ", "](", "&#x41;", "|", "`", "*"]),
        max_size=3_000,
    )
)
def test_random_markup_renders_or_is_refused_clearly(tokens):
    """Whatever the nesting of brackets, lists, quotes and links: a page, or a clear error."""
    doc = Document(id="a", path="a.md", title="a", type="article", body="".join(tokens))
    try:
        render(doc)
    except DocumentError as exc:
        assert any(limit.setting in exc.problem.message for limit in limits.ALL), exc.problem.message


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=5_000), st.sampled_from(["[{}]", "- ", "> ", "[a]("]))
def test_nesting_beyond_the_limit_is_refused_before_rendering(depth, shape):
    body = "[" * depth + "x" + "]" * depth if shape == "[{}]" else shape * depth + "x"
    limit = limits.MAX_LINKS.value if shape == "[a](" else limits.MAX_NESTING.value
    try:
        markdown_shapes.check_markdown(body)
    except markdown_shapes.TooComplex:
        assert depth > limit
    else:
        assert depth <= limit
        render(Document(id="a", path="a.md", title="a", type="article", body=body))


def test_kb_import_refuses_a_page_nested_too_deeply_and_imports_the_others(tmp_path, apply_settings):
    src = tmp_path / "in"
    src.mkdir()
    deep = "<div>" * 20_000 + "Szöveg." + "</div>" * 20_000
    (src / "deep.html").write_text(f"<html><body><article>{deep}</article></body></html>", "utf-8")
    (src / "huge.txt").write_text("".join(f"{i}. bekezdés: {HU}\n\n" for i in range(500)), "utf-8")
    (src / "good.txt").write_text(f"Lakhatás\n\n{HU}\n", "utf-8")
    result = CliRunner().invoke(
        main,
        ["import", str(src), "--out", str(tmp_path / "out")],
        env={"KB_CONTENT_DIR": str(tmp_path / "c"), "KB_MAX_DOC_BYTES": "20000"},
    )  # the command applies the limit to this process: apply_settings puts the defaults back
    assert result.exit_code == 2
    errors = error_lines(result.stderr)
    assert "elements nested too deeply: 20,003 levels" in errors["deep.html"]
    assert "KB_MAX_HTML_NESTING" in errors["deep.html"]
    assert "the converted text is too large" in errors["huge.txt"] and "KB_MAX_DOC_BYTES" in errors["huge.txt"]
    assert "1 imported, 2 failed" in result.stderr


def test_the_live_preview_shows_the_limit_on_the_document_page(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    page = content / "a.md"
    page.write_text(front("Lakhatás") + HU, "utf-8")
    index = tmp_path / "ix"
    pipeline.build(content, index)
    app = create_app({"content_dir": content, "index_dir": index, "testing": True, "preview": True})
    page.write_text(front("Lakhatás") + "[" * 50_000, "utf-8")
    app.extensions["kb_preview"].update(pipeline.build(content, index))
    html = app.test_client().get("/doc/a").get_data(as_text=True)
    assert "KB_MAX_NESTING" in html and "támogatott lakhatás" in html  # the error, and the last good text
