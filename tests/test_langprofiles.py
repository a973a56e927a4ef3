"""indexer.text.langprofiles: detection from the cached profiles equals langdetect's own, probabilities included."""

from __future__ import annotations

from langdetect import detector_factory

from indexer.text import langprofiles

TEXTS = [
    "A támogatott lakhatás a fogyatékos emberek önálló életét segíti.",
    "Transformace sociálních služeb v kraji pokračuje.",
    "Supported living helps disabled people live on their own.",
    "Podpora bývania pre ľudí so zdravotným postihnutím na Slovensku.",
    "Wsparcie mieszkaniowe dla osób z niepełnosprawnościami.",
    "Betreutes Wohnen für Menschen mit Behinderung.",
    "ok",
]


def probabilities(factory, text):
    detector = factory.create()
    detector.append(text)
    return [(p.lang, p.prob) for p in detector.get_probabilities()]


def test_cached_profiles_detect_exactly_like_langdetect(tmp_path, monkeypatch):
    monkeypatch.setattr(detector_factory.DetectorFactory, "seed", 0)
    langprofiles.write_cache(tmp_path)
    cached = langprofiles.load_cache(tmp_path)
    fresh = detector_factory.DetectorFactory()
    fresh.load_profile(detector_factory.PROFILES_DIRECTORY)
    assert cached.langlist == fresh.langlist and len(cached.word_lang_prob_map) == len(fresh.word_lang_prob_map)
    for text in TEXTS:
        assert probabilities(cached, text) == probabilities(fresh, text), text


def test_install_uses_the_cache_and_off_leaves_langdetect_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(detector_factory, "_factory", None)
    langprofiles.install(None)
    assert detector_factory._factory is None
    langprofiles.install(tmp_path)
    assert isinstance(detector_factory._factory.word_lang_prob_map, langprofiles.LazyProbabilities)
    assert any(p.name.endswith(".table") for p in tmp_path.iterdir())
