"""The typo index's properties (kb/search/typos.py): one vocabulary over several segments
answers as the segments' vocabularies together do, and the bucketed delete-key index finds
what the delete keys promise."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from indexer.text.analysis import accent_key
from kb.search import typos

ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "c": "č", "s": "š"}
folded_words = st.text(alphabet="abcdeiosu", min_size=2, max_size=11)


@st.composite
def segments(draw) -> list[list[tuple[str, int]]]:
    """Random folded words, some with accented spellings, spread over 1-4 segments: each
    segment's sorted ``words`` terms with document frequencies, as ``field_terms`` yields them."""
    words = draw(st.lists(folded_words, min_size=1, max_size=40, unique=True))
    count = draw(st.integers(1, 4))
    terms: list[dict[str, int]] = [{} for _ in range(count)]
    for word in words:
        spellings = [word] + [
            "".join(ACCENTS.get(c, c) if draw(st.booleans()) else c for c in word)
            for _ in range(draw(st.integers(0, 2)))
        ]
        for segment in draw(st.sets(st.integers(0, count - 1), min_size=1)):
            for spelled in spellings:
                frequency = draw(st.integers(1, 9))
                if spelled == word:  # the folded term is in every document the word is in
                    terms[segment][word] = terms[segment].get(word, 0) + frequency
                else:
                    terms[segment][accent_key(spelled)] = frequency
                    terms[segment][word] = terms[segment].get(word, 0) + frequency
    return [sorted(segment.items()) for segment in terms]


def best_spellings(streams: list[list[tuple[str, int]]]) -> dict[str, str]:
    """Each folded word's most frequent accented spelling over all segments (first in term order on a tie)."""
    totals: dict[str, int] = {}
    for stream in streams:
        for term, frequency in stream:
            totals[term] = totals.get(term, 0) + frequency
    best: dict[str, tuple[int, str]] = {}
    for term in sorted(totals):
        folded, bar, accented = term.partition("|")
        if bar and totals[term] > best.get(folded, (0, ""))[0]:
            best[folded] = (totals[term], accented)
    return {folded: accented for folded, (_, accented) in best.items()}


def queries(streams: list[list[tuple[str, int]]]) -> list[str]:
    """The index words themselves, one edit and two edits away from them, and words nothing is near."""
    words = sorted({t for stream in streams for t, _ in stream if "|" not in t})
    found = ["zzzzzz", "abababababab"]
    for word in words:
        found += [word, word[1:], word[:-1] + "o", "x" + word, word[::-1], word + "ie"]
    return found


@settings(max_examples=60, deadline=None)
@given(segments())
def test_one_vocabulary_of_segments_answers_as_their_vocabularies_do(streams):
    separate = [typos.vocabulary_from_terms(stream) for stream in streams]
    (grouped,) = [typos.vocabulary_from_terms(typos.merged_terms(streams))]
    spelled = best_spellings(streams)
    for word in queries(streams):
        expected = typos.candidates(separate, word, limit=100)
        found = typos.candidates([grouped], word, limit=100)
        assert [(c.word, c.distance, c.frequency) for c in found] == [
            (c.word, c.distance, c.frequency) for c in expected
        ]
        assert all(c.spelled == spelled.get(c.word, c.word) for c in found)  # the spelling of the summed frequencies
        top = [(c.word, c.distance, c.frequency) for c in typos.candidates([grouped], word)]
        assert top == [(c.word, c.distance, c.frequency) for c in typos.candidates(separate, word)]
        assert grouped.is_spelled_otherwise(word) == any(v.is_spelled_otherwise(word) for v in separate)
        for prefix in {word[:1], word[:3], word}:
            expected = typos.completions(separate, prefix, 1000)  # every word: no segment's list is cut short
            found = typos.completions([grouped], prefix, 1000)
            assert [(c.word, c.frequency) for c in found] == [(c.word, c.frequency) for c in expected]
            assert [c.word for c in typos.completions([grouped], prefix, 3)] == [c.word for c in found[:3]]


def deletions(text: str, edits: int) -> set[str]:
    """``text`` and every string made from it by deleting up to ``edits`` letters."""
    return {
        "".join(kept) for n in range(min(edits, len(text)) + 1) for kept in itertools.combinations(text, len(text) - n)
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdeioж", min_size=1, max_size=12), min_size=1, max_size=300, unique=True),
    st.lists(st.text(alphabet="abcdeioxж", min_size=1, max_size=13), max_size=10),
)
def test_the_bucketed_delete_keys_find_what_the_keys_promise(words, typed):
    """A lookup finds every index word that shares a delete key with the query (the query's prefix
    less up to ``edits`` letters, the word's less up to one) and is within ``edits``, and nothing
    farther; so every word one edit away is found. ``candidates`` adds, when no word is one edit
    from a long query, every word with its first letter two edits away."""
    words = sorted(words)
    vocabulary = typos.Vocabulary((w, 1, "") for w in words)
    mistyped = [w[1:] + "o" for w in words[:20]] + [w[:2] + w[3:] + "ie" for w in words[20:40]]
    for query in typed + words[:20] + mistyped:
        distances = {w: OSA.distance(query, w) for w in words if w != query}
        for edits in (1, 2):
            near = {w for w, d in distances.items() if d <= edits}
            keys = deletions(query[: typos.PREFIX], edits)
            promised = {w for w in near if keys & deletions(w[: typos.PREFIX], 1)}
            found = vocabulary.lookup(query, edits)
            assert promised <= found.keys() <= near, (query, edits)
            assert all(distance == distances[w] for w, (distance, _, _) in found.items())
            if edits == 1:
                assert found.keys() == near
        if typos.max_edits(query) == 2:
            found = {c.word: c.distance for c in typos.candidates([vocabulary], query, limit=10**6)}
            assert all(distance == distances[w] <= 2 for w, distance in found.items())
            if not any(d == 1 for d in distances.values()):
                assert {w for w, d in distances.items() if d <= 2 and w[0] == query[0]} <= found.keys()


@given(st.lists(st.integers(0, 2**64 - 1), max_size=70))
def test_the_entries_are_the_low_halves_of_the_sorted_pairs(values):
    """The build moves each pair's low 32 bits to the front of the pairs' own memory."""
    pairs = np.array(values, dtype=np.uint64)
    assert typos._low_halves(pairs.copy()).tolist() == pairs.astype(np.uint32).tolist()
