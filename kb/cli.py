"""The ``kb`` command: index, serve, search and check the knowledge base from a shell."""

from __future__ import annotations

import gc
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from indexer.generation.storage import IndexUnavailable
from kb.config import Config, ConfigError, apply_process_settings, build_options

if TYPE_CHECKING:  # the build is imported by the commands that build: a one-off search needs none of it
    from indexer import pipeline

content_option = click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Content directory (default: $KB_CONTENT_DIR or ./content).",
)
index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index directory (default: $KB_INDEX_DIR or ./instance/index).",
)


def load_config(**overrides) -> Config:
    """The configuration (kb.toml, environment, these options), applied to this process."""
    try:
        config = Config.load(overrides)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    apply_process_settings(config)
    return config


def check_type(config: Config, doc_type: str | None) -> None:
    if doc_type is not None and doc_type not in config.doc_types:
        choices = ", ".join(config.doc_types)
        raise click.BadParameter(f"'{doc_type}' is not one of: {choices} (kb.toml [types])", param_hint="'--type'")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Multilingual methodology knowledge base: index Markdown, search it, serve it."""


def run_index(config: Config, full: bool, quiet: bool = False) -> pipeline.IndexSummary:
    """Index with a progress bar on a terminal; print problems and the summary line."""
    from indexer import pipeline

    if not config.content_dir.is_dir():
        raise click.ClickException(f"content directory not found: {config.content_dir}")
    show_bar = sys.stderr.isatty() and not quiet
    try:
        if show_bar:
            with click.progressbar(length=0, label="Indexing", file=sys.stderr) as bar:

                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                summary = pipeline.build(
                    config.content_dir, config.index_dir, full=full, progress=progress, **build_options(config)
                )
        else:
            summary = pipeline.build(config.content_dir, config.index_dir, full=full, **build_options(config))
    except pipeline.BuildFailed as exc:  # a full disk, a read-only folder: one line, no traceback
        raise click.ClickException(str(exc)) from None
    for problem in summary.problems + summary.glossary_problems + summary.warnings:
        click.echo(str(problem), err=True)
    if not quiet or summary.failed:
        click.echo(summary.line())
    restricted = summary.audiences.restricted
    if restricted and config.auth_mode == "none":
        click.echo(
            f"warning: {restricted} document{'s are' if restricted != 1 else ' is'} for some groups only and "
            'served to no one: nobody signs in with auth.mode = "none" (set auth.mode in kb.toml)',
            err=True,
        )
    return summary


@main.command("index")
@content_option
@index_option
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of updating what changed.")
def index_command(content_dir: Path | None, index_dir: Path | None, full: bool) -> None:
    """Build or update the search index. Exit 2 when some documents failed."""
    config = load_config(content_dir=content_dir, index_dir=index_dir)
    # What the imports made lives as long as this short process: the collector need not walk it again and
    # again while the build makes its many small objects (a large part of an editor's one-file update otherwise).
    # Not in `kb serve`, whose process lives on.
    gc.freeze()
    summary = run_index(config, full)
    if summary.failed:
        sys.exit(2)


@main.command("publish")
@content_option
@index_option
def publish_command(content_dir: Path | None, index_dir: Path | None) -> None:
    """Pull the content repository and re-index it: what the push webhook does, and what it left pending.

    Run it every few minutes (cron, a systemd timer) on the host that builds the index: it
    finishes a publish whose worker was recycled or killed, and publishes pushes no hook
    announced. Exit 1 when the pull or the re-index failed (the publish stays pending), 2
    when some documents failed (they keep their last good version).
    """
    from kb.publish import PublishError, can_publish, pending_marker, publish

    config = load_config(content_dir=content_dir, index_dir=index_dir)
    if not config.content_dir.is_dir():
        raise click.ClickException(f"content directory not found: {config.content_dir}")
    if not can_publish(config.index_dir):
        raise click.ClickException(
            f"cannot write {config.index_dir} or {pending_marker(config.index_dir)} here "
            "(a read-only mount?): publish on the host that builds the index"
        )
    gc.freeze()  # a short process, as kb index
    try:
        summary = publish(config.content_dir, config.index_dir, build_options(config), always=True)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in summary.problems + summary.glossary_problems + summary.warnings:
        click.echo(str(problem), err=True)
    click.echo(f"published: {summary.line()}")
    if summary.failed:
        sys.exit(2)


def warm_up(app) -> None:
    """Open the index and load the lemma dictionaries before the first visitor, not during their request."""
    try:
        app.extensions["kb_search"].open()
    except IndexUnavailable:
        pass  # the site shows its maintenance page until an index exists


@main.command()
@content_option
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-index", is_flag=True, help="Serve the index as it is, without refreshing it first.")
@click.option(
    "--watch",
    is_flag=True,
    help="Live preview for editors: re-index on every save, reload open pages, show problems on document pages.",
)
def serve(content_dir: Path | None, index_dir: Path | None, host: str, port: int, no_index: bool, watch: bool) -> None:
    """Serve the site; brings the index up to date first."""
    from kb import devserver
    from kb.web import create_app

    config = load_config(content_dir=content_dir, index_dir=index_dir, preview=watch or None, local=True)
    summary = None
    if (watch or not no_index) and config.content_dir.is_dir():
        summary = run_index(config, full=False)
    elif watch:
        raise click.UsageError(f"content directory not found: {config.content_dir}")
    try:
        app = create_app(config)
    except ConfigError as exc:  # a setting only the app checks (analytics.path): named, no traceback
        raise click.UsageError(str(exc)) from None
    watcher = None
    if watch:
        from kb.watch import ContentWatcher

        preview = app.extensions["kb_preview"]
        if summary is not None:
            preview.update(summary)

        def rebuilt(result: pipeline.IndexSummary) -> None:
            for problem in result.problems + result.warnings:
                click.echo(str(problem), err=True)
            click.echo(result.line())
            preview.update(result)

        watcher = ContentWatcher(
            config.content_dir, config.index_dir, rebuilt, build_options=build_options(config)
        ).start()
        click.echo(f"Watching {config.content_dir} for changes (live preview)")
    warm_up(app)
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        devserver.serve(app, host, port, click.echo)  # a busy port: werkzeug says so and exits 1
    finally:
        if watcher is not None:
            watcher.stop()


@main.command()
@index_option
@click.option("--lang", help="Only documents in this language (ISO 639-1).")
@click.option("--type", "doc_type", help="Only documents of this type.")
@click.option("--tag", help="Only documents with this tag.")
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as /api/search.")
@click.argument("query", nargs=-1, required=True)
def search(
    index_dir: Path | None,
    lang: str | None,
    doc_type: str | None,
    tag: str | None,
    limit: int,
    as_json: bool,
    query: tuple[str, ...],
) -> None:
    """Search the index from the shell."""
    from kb.search import SearchService

    config = load_config(index_dir=index_dir)
    service = SearchService(config.index_dir, warm=False)  # one query: a few words' lemmas, not whole dictionaries
    try:
        result = service.search(
            " ".join(query)[: config.max_query_chars], lang=lang, type=doc_type, tag=tag, limit=limit
        )
    except IndexUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        service.close()
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    if result.message:
        click.echo(result.message)
    if result.relaxed:
        click.echo("No document has all the words; showing documents with some of them.")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    click.echo(f"{result.total} result(s) in {result.took_ms:.1f} ms")
    for number, hit in enumerate(result.hits, start=1):
        click.echo(f"{number:>2}. {hit.title}  [{hit.lang}, {hit.type}{', ' + hit.date if hit.date else ''}]")
        click.echo(f"    {hit.url}  score {hit.score:.2f}")


@main.command("eval")
@index_option
@click.option("-v", "--verbose", is_flag=True, help="List the queries whose first result is not relevant.")
@click.argument("golden", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def eval_command(index_dir: Path | None, verbose: bool, golden: Path) -> None:
    """Score search against golden queries: recall@10, MRR@10, nDCG@10 per language.

    Exit 1 when an overall figure is below a threshold the file sets.
    """
    from kb.evaluation import GoldenFileError, evaluate, format_report, load_golden
    from kb.search import SearchService

    config = load_config(index_dir=index_dir)
    try:
        queries, thresholds = load_golden(golden)
    except GoldenFileError as exc:
        raise click.ClickException(str(exc)) from None
    service = SearchService(config.index_dir)
    try:
        report = evaluate(service, queries, thresholds)
    except IndexUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        service.close()
    click.echo(format_report(report, verbose=verbose))
    failures = report.failures()
    for failure in failures:
        click.echo(f"FAIL: {failure}", err=True)
    if failures:
        sys.exit(1)


@main.command()
@content_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="'text': one 'path:line: severity: message' line each; 'json': one object for tools.",
)
def check(content_dir: Path | None, strict: bool, output_format: str) -> None:
    """Validate every document. Exit 1 on errors (warnings too with --strict), 0 otherwise."""
    from indexer.authoring.check import check as check_content

    config = load_config(content_dir=content_dir)
    if not config.content_dir.is_dir():
        raise click.UsageError(f"content directory not found: {config.content_dir}")
    report = check_content(
        config.content_dir, types=config.doc_types, glossary_default=config.glossary_default, access=config.access
    )
    if strict:
        report = report.strict()
    if output_format == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            click.echo(str(problem))
        click.echo(report.summary(), err=True)
    if report.errors:
        sys.exit(1)


@main.command()
@content_option
@click.option("--type", "doc_type", required=True, help="The document's type (the vocabulary: kb.toml [types]).")
@click.option("--lang", help="ISO 639-1 code (hu, cs, en, ...); the file goes into that language's folder.")
@click.option("--translation-key", help="Key shared with the document's translations.")
@click.option("--date", "date_text", help="ISO date (default: today).")
@click.argument("title")
def new(
    content_dir: Path | None,
    doc_type: str,
    lang: str | None,
    translation_key: str | None,
    date_text: str | None,
    title: str,
) -> None:
    """Write a new document scaffold and print its path (never overwrites a file)."""
    from indexer.authoring.scaffold import ScaffoldError, create

    config = load_config(content_dir=content_dir)
    check_type(config, doc_type)
    try:
        path = create(
            config.content_dir,
            title,
            doc_type,
            lang=lang,
            translation_key=translation_key,
            date=date_text,
            types=config.doc_types,
        )
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(path)


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--type", "doc_type", help="Document type (default: guessed; the vocabulary: kb.toml [types]).")
@click.option("--lang", help="Language code, e.g. hu or cs (default: detected from the text).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write (default: <content dir>/<lang>/).",
)
@click.option("--force", is_flag=True, help="Replace existing Markdown files and attachments.")
def import_command(
    files: tuple[Path, ...], doc_type: str | None, lang: str | None, out_dir: Path | None, force: bool
) -> None:
    """Convert docx, pptx, pdf, html and txt files into Markdown documents for review.

    Each FILE becomes <slug>.md with front matter, and the original is copied beside it
    as an attachment. A folder imports the supported files in it. Exit 2 when some failed.
    """
    from indexer.importers import EXTRACTORS, ImportFailure, import_file

    if lang is not None and not (len(lang.strip()) == 2 and lang.strip().isalpha()):
        raise click.BadParameter(f"'{lang}' is not a two-letter language code such as hu or cs", param_hint="--lang")
    config = load_config()
    check_type(config, doc_type)
    inputs: list[Path] = []
    for path in files:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTRACTORS)
            inputs.extend(found)
            if not found:
                click.echo(f"{path}: warning: no files to import in this folder", err=True)
        else:
            inputs.append(path)
    claimed: set[Path] = set()
    done = failed = 0
    for path in inputs:
        try:
            result = import_file(path, config.content_dir, out_dir, doc_type, lang, force, claimed)
        except ImportFailure as exc:
            failed += 1
            click.echo(f"{path}: error: {exc}", err=True)
            continue
        done += 1
        how = "detected" if result.lang_detected else "given"
        click.echo(f"{path} -> {result.markdown}  [{result.type}, {result.lang} ({how}), {result.title!r}]")
    hint = "; review the new files, then run 'kb check' and 'kb index'" if done else ""
    click.echo(f"{done} imported, {failed} failed{hint}", err=True)
    if failed:
        sys.exit(2)


@main.command("analytics")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only searches from this day (YYYY-MM-DD) on.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def analytics_command(since, as_json: bool) -> None:
    """What readers searched for and did not find (the editors' /editors/searches)."""
    from kb.analytics.text import render

    click.echo(render(load_config(), since.date() if since else None, as_json))


if __name__ == "__main__":
    main()
