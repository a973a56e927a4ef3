"""Search analytics: what a search records through the real routes, and what it never keeps."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.analytics import masking, report, store
from kb.web import create_app
from tests.conftest import CONTENT


def make_app(index_dir: Path, folder: Path, **extra):
    values = {"content_dir": CONTENT, "index_dir": index_dir, "testing": True, "local": True}
    values.update(analytics_path=folder, **extra)
    return create_app(values)


@pytest.fixture()
def folder(tmp_path) -> Path:
    return tmp_path / "analytics"


@pytest.fixture()
def app(corpus_index, folder):
    app = make_app(corpus_index, folder)
    yield app
    app.extensions["kb_analytics"].close()


def flush(app) -> None:
    recorder = app.extensions["kb_analytics"]
    recorder.close()


def rows(folder: Path, table: str = "searches") -> list[dict]:
    data = store.load(folder)
    return {"searches": data.searches, "opens": data.opens, "daily": data.daily}[table]


def test_a_results_page_search_records_every_field(app, folder):
    client = app.test_client()
    answer = client.get("/search?q=t%C3%A1mogatott+lakhat%C3%A1s&lang=hu", headers={"Accept-Language": "cs"})
    assert answer.status_code == 200
    flush(app)
    [row] = rows(folder)
    assert row["query"] == "támogatott lakhatás"
    assert row["ui"] == "cs"
    assert row["qlang"] == "hu"
    assert row["filters"] == '{"lang": "hu"}'
    assert row["results"] > 0 and row["page"] == 1 and row["source"] == "page"
    assert row["took_ms"] > 0
    assert row["via_only"] == 0 and row["fuzzy"] == 0 and row["relaxed"] == 0
    assert row["day"] == datetime.now(tz=UTC).date().isoformat()


def test_api_search_records_typos_and_nothing_found(app, folder):
    client = app.test_client()
    assert client.get("/api/search?q=lakhats%C3%A1").status_code == 200
    assert client.get("/api/search?q=qqxxzzkw").status_code == 200
    assert client.get("/api/suggest?q=tamog").status_code == 200  # autocomplete: not a search
    flush(app)
    found = {r["query"]: r for r in rows(folder)}
    assert set(found) == {"lakhatsá", "qqxxzzkw"}
    assert found["lakhatsá"]["fuzzy"] == 1 and found["lakhatsá"]["source"] == "api"
    assert found["qqxxzzkw"]["results"] == 0


def test_filter_values_are_masked_too(app, folder):
    app.test_client().get("/api/search?q=szeged+06301234567&tag=jan.novak@example.cz&year=2018")
    flush(app)
    [row] = rows(folder)
    assert row["query"] == "szeged [phone]"
    assert row["filters"] == '{"tag": "[e-mail]", "year": "2018"}'


def test_an_opened_result_is_recorded_and_the_link_stays_the_documents(app, folder):
    client = app.test_client()
    page = client.get("/search?q=lakhat%C3%A1s").get_data(as_text=True)
    link = re.search(r'<a href="(/doc/[^"]+)" ping="([^"]+)"', page)
    assert link, "result links keep the document's address and ping /go"
    ping = link.group(2).replace("&amp;", "&")
    assert client.post(ping).status_code == 204
    redirected = client.get(ping)
    assert redirected.status_code == 302 and unquote(redirected.headers["Location"]) == unescape(link.group(1))
    flush(app)
    opens = rows(folder, "opens")
    assert [o["position"] for o in opens] == [1, 1]
    assert opens[0]["search"] == rows(folder)[0]["id"]


def test_go_never_redirects_off_site(app):
    from kb.web import recording

    client = app.test_client()
    assert client.get("/go?e=forged&p=1&d=hu/x").status_code == 404
    with app.test_request_context():
        signed = recording.Recorded("e1", "e1", "q").signed_event
    for doc in ("//evil.example/x", "https://evil.example/", "../../etc/passwd", ""):
        answer = client.get("/go", query_string={"e": signed, "p": 1, "d": doc})
        assert answer.status_code in (302, 404)
        if answer.status_code == 302:
            assert answer.headers["Location"].startswith("/doc/"), answer.headers["Location"]
    assert client.get("/go", query_string={"e": signed, "p": 0, "d": "hu/x"}).status_code == 404


def test_a_refinement_counts_with_the_search_it_refines(app, folder):
    client = app.test_client()
    page = client.get("/search?q=lakhat%C3%A1s").get_data(as_text=True)
    token = re.search(r'name="refines" value="([^"]+)"', page).group(1)
    client.get(f"/search?q=t%C3%A1mogatott+lakhat%C3%A1s&refines={token}")
    client.get(f"/search?q=egészen+más&refines={token}")  # not an edit of it: its own search
    client.get("/search?q=szeged")
    flush(app)
    events = rows(folder)
    assert len(events) == 4
    assert len({e["chain"] for e in events}) == 3
    built = report.build(store.load(folder), min_days=1)
    assert built.searches == 3 and built.raw_searches == 4
    assert ("támogatott lakhatás", 1) in built.top and all(q != "lakhatás" for q, _ in built.top)


@pytest.mark.parametrize("headers", [{"DNT": "1"}, {"Sec-GPC": "1"}, {"User-Agent": "Googlebot/2.1"}])
def test_do_not_track_privacy_control_and_robots_record_nothing(app, folder, headers):
    client = app.test_client()
    assert client.get("/search?q=szeged", headers=headers).status_code == 200
    assert client.get("/api/search?q=szeged", headers=headers).status_code == 200
    flush(app)
    assert rows(folder) == []


def test_a_revalidation_is_not_counted(app, folder):
    client = app.test_client()
    first = client.get("/search?q=szeged")
    again = client.get("/search?q=szeged", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    flush(app)
    assert len(rows(folder)) == 1


def test_disabled_records_nothing(corpus_index, folder):
    app = make_app(corpus_index, folder, analytics_enabled=False)
    assert app.test_client().get("/search?q=szeged").status_code == 200
    assert "kb_analytics" not in app.extensions and not folder.exists()


def test_a_bad_path_names_the_setting(corpus_index, tmp_path):
    from kb.config import ConfigError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="analytics.path"):
        make_app(corpus_index, blocker / "analytics")


def test_the_request_log_holds_no_query(app, caplog):
    with caplog.at_level("INFO", logger="kb.request"):
        app.test_client().get("/search?q=secret+words")
    assert "secret" not in caplog.text and "/search" in caplog.text


# -- masking -------------------------------------------------------------------


def test_masking_examples():
    assert masking.mask("  Ügy 12345  jan.novak@example.cz ") == "ügy ##### [e-mail]"
    assert masking.mask("hívjon: +36 30 123 4567") == "hívjon: [phone]"
    assert masking.mask("(06-1) 234-5678 szeged") == "[phone] szeged"


@settings(max_examples=300, deadline=None)
@given(st.text(), st.emails(), st.text())
def test_no_digit_and_no_email_survives(before, email, after):
    masked = masking.mask(f"{before} {email} {after}")
    assert not any(ch.isdigit() for ch in masked)
    assert "@" not in masked and email.lower() not in masked


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"\+?[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{4}", fullmatch=True))
def test_no_phone_number_survives(phone):
    assert masking.mask(f"call {phone} now") == "call [phone] now"


# -- the store -----------------------------------------------------------------


def search_row(event: str, query: str, ts: float, *, chain: str | None = None, results: int = 1) -> dict:
    return {"id": event, "chain": chain or event, "ts": ts, "day": store.day_of(ts), "query": query,
            "results": results, "page": 1, "qlang": "hu"}  # fmt: skip


def test_a_query_is_shown_only_after_min_days(tmp_path):
    conn = store.connect(tmp_path / store.file_name())
    day = 86400
    now = time.time()
    store.write(conn, [search_row(f"a{i}", "ritka", now - i * day) for i in range(2)], [])
    store.write(conn, [search_row(f"b{i}", "gyakori", now - i * day) for i in range(3)], [])
    built = report.build(store.load(tmp_path), min_days=3)
    assert built.top == [("gyakori", 3)] and built.hidden == 2 and built.searches == 5


def test_old_events_are_folded_into_daily_counts(tmp_path):
    conn = store.connect(tmp_path / store.file_name())
    now = time.time()
    old = now - 100 * 86400
    store.write(
        conn,
        [search_row("o1", "régi", old), search_row("o2", "régi", old + 1, chain="o1"),
         search_row("o3", "semmi", old, results=0), search_row("n1", "új", now)],
        [{"id": "c1", "search": "o2", "ts": old + 2, "day": store.day_of(old), "position": 2, "doc": "hu/x"}],
    )  # fmt: skip
    assert store.fold(conn, 90, now) == 3
    assert [r[0] for r in conn.execute("SELECT id FROM searches")] == ["n1"]
    assert conn.execute("SELECT count(*) FROM opens").fetchone()[0] == 0
    daily = {r[1]: r for r in conn.execute("SELECT * FROM daily")}
    assert daily["régi"][3:] == (1, 0, 1) and daily["semmi"][3:] == (1, 1, 0)
    built = report.build(store.load(tmp_path), min_days=1)
    assert built.searches == 3 and built.empty_total == 1


def _writer(folder: str, worker: int, count: int) -> None:
    recorder = store.Recorder(Path(folder), batch=7, interval=0.05)
    now = time.time()
    for i in range(count):
        recorder.add("search", search_row(f"w{worker}-{i}", f"q{worker}", now))
    recorder.close()


def test_concurrent_writers_lose_and_double_nothing(tmp_path):
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_writer, args=(str(tmp_path), n, 300)) for n in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    ids = [r["id"] for r in rows(tmp_path)]
    assert len(ids) == 1200 and len(set(ids)) == 1200


def _slow_writer(folder: str) -> None:
    recorder = store.Recorder(Path(folder), batch=50, interval=60)
    for i in range(100_000):
        recorder.add("search", search_row(f"k{i}", "q", time.time()))
        time.sleep(0.0002)


def test_a_killed_writer_loses_at_most_its_batch_and_never_corrupts(tmp_path):
    proc = multiprocessing.get_context("spawn").Process(target=_slow_writer, args=(str(tmp_path),))
    proc.start()
    path = tmp_path / store.file_name()
    deadline = time.time() + 60
    while time.time() < deadline and (not path.exists() or len(rows(tmp_path)) < 500):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = sorted(int(r[0][1:]) for r in conn.execute("SELECT id FROM searches"))
    assert kept == list(range(len(kept))) and len(kept) % 50 == 0  # whole batches, in order


# -- the editors' page and the command ---------------------------------------------


def test_the_editors_page_shows_queries_charts_and_exports(app, folder, corpus_index):
    client = app.test_client()
    for q in ("szeged", "qqxxzzkw", "respite care"):
        client.get(f"/search?q={q}")
    flush(app)
    page = client.get("/editors/searches")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "<table" in html and "kb new --type guidance" not in html  # 1 day < min_days
    assert client.get("/editors/searches.json").json["searches"] == 3
    csv_text = client.get("/editors/searches.csv").get_data(as_text=True)
    assert csv_text.startswith("section,key,value,count") and "searches,,,3" in csv_text
    shown = make_app(corpus_index, folder, analytics_min_days=1)
    html = shown.test_client().get("/editors/searches", headers={"Accept-Language": "hu"}).get_data(as_text=True)
    assert "qqxxzzkw" in html and "kb new --type guidance" in html
    shown.extensions["kb_analytics"].close()


def test_the_editors_page_is_hidden_from_the_public(corpus_index, folder):
    production = create_app({"content_dir": CONTENT, "index_dir": corpus_index, "analytics_path": folder})
    client = production.test_client()
    for path in ("/editors/searches", "/editors/searches.json", "/editors/searches.csv"):
        assert client.get(path).status_code == 404
    production.extensions["kb_analytics"].close()


def test_kb_analytics_prints_the_same(app, folder, monkeypatch):
    from kb.cli import main

    client = app.test_client()
    client.get("/search?q=szeged")
    flush(app)
    monkeypatch.setenv("KB_ANALYTICS_PATH", str(folder))
    since = (datetime.now(tz=UTC) - timedelta(days=1)).date().isoformat()
    result = CliRunner().invoke(main, ["analytics", "--since", since, "--json"])
    assert result.exit_code == 0, result.output
    assert '"searches": 1' in result.output
    text = CliRunner().invoke(main, ["analytics"])
    assert text.exit_code == 0 and "1" in text.output


def test_a_graceful_exit_writes_what_the_recorder_holds(tmp_path):
    import subprocess
    import sys

    script = (
        "import sys, time; from pathlib import Path; from kb.analytics import store\n"
        "r = store.Recorder(Path(sys.argv[1]), batch=1000, interval=600)\n"
        "[r.add('search', {'id': f'g{i}', 'chain': f'g{i}', 'ts': time.time(), 'day': '2026-01-01', 'query': 'q'})"
        " for i in range(25)]\n"
        "sys.exit(0)  # atexit (as on Ctrl+C, SIGTERM in kb serve, a gunicorn worker's exit) flushes\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, cwd=Path(__file__).parent.parent)
    assert len(store.load(tmp_path).searches) == 25


def test_hints_name_near_documents_a_glossary_label_and_a_scaffold(service):
    from kb.analytics.hints import hints
    from kb.search.audience import ANONYMOUS
    from kb.search.view import ReaderView

    found = hints(ReaderView(service, ANONYMOUS), "supported living", "cs")
    assert {"concept": "supported-living", "label": "supported living", "lang": "en"} in found["labels"]
    assert found["scaffold"] == "kb new --type guidance --lang cs 'supported living'"
    assert found["near"] and all(d["url"].startswith("/doc/") for d in found["near"])


def test_kb_serve_names_a_bad_analytics_path_without_a_traceback(corpus_index, tmp_path, monkeypatch):
    from kb.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KB_ANALYTICS_PATH", str(blocker / "analytics"))
    result = CliRunner().invoke(main, ["serve", "--no-index", "--index", str(corpus_index)])
    assert result.exit_code == 2 and "analytics.path" in result.output and "Traceback" not in result.output
