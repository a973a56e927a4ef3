"""indexer.text.lemmas: lemmas from the on-disk table equal simplemma's own, and many look-ups switch to memory."""

from __future__ import annotations

import marshal
import os

import simplemma
from simplemma.strategies import DefaultStrategy

from indexer.text import lemmas

LANG = "ms"  # the smallest dictionary simplemma ships: the table builds in a blink
WORDS = ["makanan", "dimakan", "berlari", "pelarian", "rumah-rumah", "Kucing", "anak-anaknya", "xyzzy", "mereka"]


def lemmatizer(factory):
    return simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))


def test_table_gives_simplemmas_own_lemmas(tmp_path, monkeypatch):
    factory = lemmas.AdaptiveDictionaryFactory(lemmas.Settings(tmp_path))
    from_disk = [lemmatizer(factory).lemmatize(w, LANG) for w in WORDS]
    assert from_disk == [simplemma.lemmatize(w, lang=LANG) for w in WORDS]
    assert lemmas.store_path(LANG, tmp_path).is_file()
    store = factory._stores[LANG]
    assert store is not None and store.lookups > 0 and LANG not in factory._in_memory


def test_many_lookups_switch_to_the_in_memory_dictionary(tmp_path, monkeypatch):
    factory = lemmas.AdaptiveDictionaryFactory(lemmas.Settings(tmp_path, switch_after=3))
    results = [lemmatizer(factory).lemmatize(w, LANG) for w in WORDS]
    assert LANG in factory._in_memory
    assert results == [simplemma.lemmatize(w, lang=LANG) for w in WORDS]


def test_off_means_in_memory_only(tmp_path, monkeypatch):
    factory = lemmas.AdaptiveDictionaryFactory(lemmas.Settings(None))
    assert lemmatizer(factory).lemmatize("makanan", LANG) == simplemma.lemmatize("makanan", lang=LANG)
    assert factory._stores[LANG] is None and LANG in factory._in_memory


def test_expecting_many_words_skips_the_table(tmp_path):
    settings = lemmas.Settings(tmp_path)
    factory = lemmas.AdaptiveDictionaryFactory(settings)
    with settings.expectation():
        settings.expect_many()
        assert lemmatizer(factory).lemmatize("makanan", LANG) == simplemma.lemmatize("makanan", lang=LANG)
    assert LANG not in factory._stores and not lemmas.store_path(LANG, tmp_path).exists()
    assert settings.many is False  # one build's expectation, not the process's


def test_the_in_memory_dictionary_answers_as_simplemmas_mapping():
    """The factory's own view of simplemma's in-memory dictionary (one call per look-up): the same
    answers for present, absent, re-cased and non-ASCII keys, and the same lemmas."""
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    factory = lemmas.AdaptiveDictionaryFactory(lemmas.Settings(None))
    factory.load("hu")
    ours, theirs = factory.get_dictionary("hu"), DEFAULT_DICTIONARY_FACTORY.get_dictionary("hu")
    assert type(ours) is not type(theirs)  # the fast view, not simplemma's mapping itself
    keys = [*list(theirs)[:2000:7], "házakban", "Házakban", "xyzzy", "", "szolgáltatásfejlesztési", "ő"]
    assert [ours.get(key) for key in keys] == [theirs.get(key) for key in keys]
    assert [key in ours for key in keys] == [key in theirs for key in keys]
    assert [ours.get(key, "-") for key in keys] == [theirs.get(key, "-") for key in keys]
    assert 3 not in ours and len(ours) == len(theirs)
    words = ["házakban", "gyerekszegénységet", "szolgáltatásokat", "ülésének", "Budapesten", "xyzzy"]
    assert [lemmatizer(factory).lemmatize(w, "hu") for w in words] == [simplemma.lemmatize(w, lang="hu") for w in words]


def test_the_in_memory_dictionary_loads_from_its_copy_in_the_cache_folder(tmp_path, monkeypatch, caplog):
    """The first whole load keeps a copy; later loads read it (simplemma's own file untouched),
    and an unreadable copy is decoded afresh and replaced, with a warning that names it."""
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    from indexer.text import lemma_store

    expected = _load_dictionary_from_disk(LANG)
    copy = lemma_store.copy_path(LANG, tmp_path)
    assert lemma_store.decoded(LANG, tmp_path) == expected and copy.is_file()

    def untouched(lang):
        raise AssertionError("decoded simplemma's file again")

    monkeypatch.setattr(lemma_store, "_load_dictionary_from_disk", untouched)
    factory = lemmas.AdaptiveDictionaryFactory(lemmas.Settings(tmp_path))
    factory.load(LANG)
    assert lemmatizer(factory).lemmatize("makanan", LANG) == simplemma.lemmatize("makanan", lang=LANG)

    monkeypatch.setattr(lemma_store, "_load_dictionary_from_disk", _load_dictionary_from_disk)
    for garbage in (copy.read_bytes()[:1000], b"\x00not marshal", marshal.dumps([1, 2])):
        copy.write_bytes(garbage)
        caplog.clear()
        assert lemma_store.decoded(LANG, tmp_path) == expected
        assert str(copy) in caplog.text
        caplog.clear()
        assert lemma_store.decoded(LANG, tmp_path) == expected and not caplog.text  # the copy was replaced


def test_a_cache_folder_that_cannot_be_written_still_gives_the_dictionary(tmp_path, monkeypatch):
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    from indexer.text import lemma_store

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert lemma_store.decoded(LANG, blocker / "cache") == _load_dictionary_from_disk(LANG)
    try:
        lemma_store.decoded("xx", blocker / "cache")
    except ValueError as exc:
        assert "xx" in str(exc)
    else:
        raise AssertionError("an unknown language must be refused")


def test_missing_tables_are_written_side_by_side_before_the_first_look_up(tmp_path, monkeypatch):
    """A new machine's first build writes its languages' tables in parallel (``prepare_tables``):
    each one is there afterwards and answers as simplemma does, and tables already there are kept."""
    from indexer.text import lemma_store

    monkeypatch.setattr(lemma_store.os, "cpu_count", lambda: 2)  # the pool even on a one-core runner
    kept = lemmas.store_path("id", tmp_path)
    lemma_store.write_store("id", tmp_path)
    before = kept.stat().st_mtime_ns
    lemmas.prepare_tables(["ms", "eo", "id", "xx"], lemmas.Settings(tmp_path))  # xx: no such dictionary, left alone
    assert lemmas.store_path("ms", tmp_path).is_file() and lemmas.store_path("eo", tmp_path).is_file()
    assert kept.stat().st_mtime_ns == before and not lemmas.store_path("xx", tmp_path).exists()

    def decoded_again(lang):
        raise AssertionError(f"the {lang} table should already be there")

    monkeypatch.setattr(lemma_store, "_load_dictionary_from_disk", decoded_again)
    factory = lemmas.AdaptiveDictionaryFactory(lemmas.Settings(tmp_path))
    assert [lemmatizer(factory).lemmatize(w, LANG) for w in WORDS] == [simplemma.lemmatize(w, lang=LANG) for w in WORDS]
    assert factory._stores[LANG] is not None


def test_no_tables_are_written_beforehand_when_words_go_to_memory(tmp_path):
    settings = lemmas.Settings(tmp_path)
    with settings.expectation():
        settings.expect_many()
        lemmas.prepare_tables(["ms", "eo"], settings)
    lemmas.prepare_tables(["ms", "eo"], lemmas.Settings(None))
    assert list(tmp_path.iterdir()) == []


def test_a_table_writer_killed_beforehand_leaves_the_table_to_its_first_look_up(tmp_path, monkeypatch, caplog):
    """A child that dies (out of memory) must not hang the build: the look-up writes the table itself."""
    from indexer.text import lemma_store

    monkeypatch.setattr(lemma_store.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(lemma_store, "_write_one", _killed)
    with caplog.at_level("INFO", logger="kb.lemmas"):
        lemmas.prepare_tables(["ms", "eo"], lemmas.Settings(tmp_path))
    assert "not written beforehand" in caplog.text and not lemmas.store_path(LANG, tmp_path).exists()
    factory = lemmas.AdaptiveDictionaryFactory(lemmas.Settings(tmp_path))
    assert lemmatizer(factory).lemmatize("makanan", LANG) == simplemma.lemmatize("makanan", lang=LANG)
    assert lemmas.store_path(LANG, tmp_path).is_file()


def _killed(job):
    os._exit(9)  # as the kernel's out-of-memory killer would end it
