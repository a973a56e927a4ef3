"""Typo candidates from the index vocabulary: a symmetric-delete index in the manner of SymSpell.

Why: Whoosh's ``FuzzyTerm`` walks a Levenshtein automaton over the term list in Python,
which took seconds per mistyped word on a real vocabulary. Here each folded word of a
segment's vocabulary is keyed by its first ``PREFIX`` letters and by each one-letter
deletion of them (hashed to 32 bits, sorted in a numpy array); a query word looks up
its own prefix and its deletions of up to two letters with one ``searchsorted``, and
the few words found are checked with the Damerau (optimal string alignment) distance,
so a transposition is one edit. Folded words: accents cost nothing.

A key is shared by a deletion of the query and a deletion of the index word, so one
substitution, transposition, insertion or deletion is always found, and two edits
mostly; when a long word has no candidate one edit away, the words that share its
first letter are checked one by one (:meth:`Vocabulary.scan`), so two edits are
always found too.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.analysis import ACCENT_SEPARATOR, fold
from kb.search.whoosh_internals.terms import field_terms

PREFIX = 8  # letters of a word that are keyed (SymSpell's prefix length idea)
MIN_LENGTH = 4  # shorter words are not corrected: too many neighbours


def max_edits(word: str) -> int:
    """Edits allowed for a typed word of this length: 1 from 4 letters, 2 from 7 (Meilisearch allows
    1 from 5 and 2 from 9 letters of the word meant; dropped letters make the typed word shorter).
    Only the nearest candidates are used, so a looser bound adds no noise where one edit finds words."""
    n = len(word)
    return 0 if n < MIN_LENGTH else 1 if n < 7 else 2


@dataclass
class Candidate:
    word: str  # folded, as indexed in the ``words`` field
    distance: int
    frequency: int  # documents that hold it
    spelled: str  # as documents most often write it (accents), else the folded word


class Vocabulary:
    """The folded words of one or more segments, their document frequencies and spellings, and the delete-key index.

    Kept compact (it lives as long as the segment is searched): words and spellings
    as one string each with end offsets, keys and word ids as 32-bit arrays.
    """

    def __init__(self, words: list[str], frequencies: list[int], spellings: list[str] | None = None):
        self._text, self._starts = _joined(words)
        self._spelled, self._spelled_starts = _joined(spellings or [""] * len(words))
        self.frequencies = np.asarray(frequencies, dtype=np.int32)
        # Each word's first letter: the words are in term order, so one letter's words are one run.
        self._first = np.fromiter((ord(w[0]) for w in words), dtype=np.uint32, count=len(words))
        if not words:
            self.keys = np.zeros(0, dtype=np.uint32)
            self.ids = np.zeros(0, dtype=np.uint32)
            return
        codes = _codes(words)  # (n, PREFIX) letter codes, 0 = past the end
        count = len(words)
        # Each word's prefix and its one-letter deletions, as (key << 32 | word id), sorted once.
        pairs = np.empty((PREFIX + 1) * count, dtype=np.uint64)
        ident = np.arange(count, dtype=np.uint64)
        pairs[:count] = (_pack(codes).astype(np.uint64) << np.uint64(32)) | ident
        for i in range(PREFIX):
            part = _pack(np.delete(codes, i, axis=1)).astype(np.uint64)
            pairs[(i + 1) * count : (i + 2) * count] = (part << np.uint64(32)) | ident
        del codes
        pairs.sort()
        self.keys = (pairs >> np.uint64(32)).astype(np.uint32)
        self.ids = (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)

    def __len__(self) -> int:
        return len(self._first)

    def word(self, ident: int) -> str:
        return self._text[int(self._starts[ident]) : int(self._starts[ident + 1]) - 1]

    def spelling(self, ident: int) -> str:
        """How documents most often write the word (accents), else the folded word."""
        spelled = self._spelled[int(self._spelled_starts[ident]) : int(self._spelled_starts[ident + 1]) - 1]
        return spelled or self.word(ident)

    def is_spelled_otherwise(self, word: str) -> bool:
        """Whether documents of these segments write the folded ``word`` with accents."""
        lo, hi = self.starting(word)
        return lo < hi and self.word(lo) == word and self.spelling(lo) != word

    @property
    def nbytes(self) -> int:
        arrays = (self.keys, self.ids, self.frequencies, self._starts, self._spelled_starts, self._first)
        return sum(a.nbytes for a in arrays) + len(self._text) + len(self._spelled)

    def starting(self, prefix: str) -> tuple[int, int]:
        """The ids of the words that start with ``prefix``: one run, the words being in term order."""
        lo, hi = 0, len(self)
        while lo < hi:  # the first word >= prefix
            mid = (lo + hi) // 2
            if self.word(mid) < prefix:
                lo = mid + 1
            else:
                hi = mid
        start, hi = lo, len(self)
        while lo < hi:  # the first word past the prefix's run
            mid = (lo + hi) // 2
            if self.word(mid).startswith(prefix) or self.word(mid) < prefix:
                lo = mid + 1
            else:
                hi = mid
        return start, lo

    def scan(self, word: str, edits: int) -> dict[str, tuple[int, int, str]]:
        """Like :meth:`lookup`, by checking every index word with the same first letter.

        The delete keys find every word one edit away but not every word two edits
        away (two substitutions); for those, one C-speed pass (rapidfuzz) over one
        letter's words, a few milliseconds at 10,000 documents, completes the set.
        """
        if not word or not len(self):
            return {}
        lo, hi = np.searchsorted(self._first, [ord(word[0]), ord(word[0]) + 1])
        if lo == hi:
            return {}
        block = self._text[int(self._starts[lo]) : int(self._starts[hi]) - 1].split("\n")
        found = {}
        for other, distance, index in process.extract(word, block, scorer=OSA.distance, score_cutoff=edits, limit=None):
            if other != word:
                ident = int(lo) + index
                found[other] = (int(distance), int(self.frequencies[ident]), self.spelling(ident))
        return found

    def lookup(self, word: str, edits: int) -> dict[str, tuple[int, int, str]]:
        """``{index word: (distance, frequency, spelling)}`` within ``edits`` of ``word`` (folded)."""
        if not len(self.keys) or edits <= 0:
            return {}
        probes = np.unique(_pack(_codes(sorted(_deletions(word[:PREFIX], edits)))))
        left = np.searchsorted(self.keys, probes, side="left")
        right = np.searchsorted(self.keys, probes, side="right")
        found: dict[str, tuple[int, int, str]] = {}
        for ident in {int(i) for lo, hi in zip(left, right, strict=True) for i in self.ids[lo:hi]}:
            other = self.word(ident)
            if abs(len(other) - len(word)) > edits or other == word:
                continue
            distance = OSA.distance(word, other, score_cutoff=edits)
            if distance <= edits:
                found[other] = (distance, int(self.frequencies[ident]), self.spelling(ident))
        return found


def candidates(vocabularies: list[Vocabulary], word: str, limit: int = 8) -> list[Candidate]:
    """The nearest index words to ``word`` over all vocabularies, nearest and most frequent first."""
    folded = fold(word.lower())
    edits = max_edits(folded)
    merged = _merge(vocabulary.lookup(folded, edits) for vocabulary in vocabularies)
    if edits == 2 and not any(entry[0] == 1 for entry in merged.values()):
        merged = _merge(vocabulary.scan(folded, edits) for vocabulary in vocabularies)
    ranked = sorted(merged.items(), key=lambda kv: (kv[1][0], -kv[1][1], kv[0]))
    return [Candidate(w, d, f, spelled) for w, (d, f, spelled) in ranked[:limit]]


def _merge(found: Iterable[dict[str, tuple[int, int, str]]]) -> dict[str, list]:
    """Candidates of several vocabularies: one entry a word, its frequencies added up."""
    merged: dict[str, list] = {}
    for segment in found:
        for other, (distance, frequency, spelled) in segment.items():
            entry = merged.setdefault(other, [distance, 0, spelled])
            entry[1] += frequency
    return merged


def _deletions(prefix: str, edits: int) -> set[str]:
    """``prefix`` and every string made from it by deleting up to ``edits`` letters."""
    found = {prefix}
    frontier = {prefix}
    for _ in range(edits):
        frontier = {s[:i] + s[i + 1 :] for s in frontier for i in range(len(s))}
        found |= frontier
    return found


def _codes(words: list[str]) -> np.ndarray:
    """The first PREFIX letters of each word as one-byte codes (0 pads a short word)."""
    padded = "".join(w[:PREFIX].ljust(PREFIX, "\0") for w in words)
    points = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).reshape(len(words), PREFIX)
    return np.where(points == 0, 0, points % 251 + 1).astype(np.uint8)


def _pack(codes: np.ndarray) -> np.ndarray:
    """Each row of letter codes hashed to 32 bits (a collision only adds a candidate the distance check drops)."""
    width = codes.shape[1]
    if width < PREFIX:  # a deletion: pad so it packs like a word of that length
        codes = np.concatenate([codes, np.zeros((codes.shape[0], PREFIX - width), dtype=np.uint8)], axis=1)
    packed = np.ascontiguousarray(codes).view(">u8").ravel().astype(np.uint64)
    mixed = packed * np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the high bits mix every letter
    return (mixed >> np.uint64(32)).astype(np.uint32)


def _joined(parts: list[str]) -> tuple[str, np.ndarray]:
    """``parts`` as one string, each followed by a newline, and where each starts (one more: the end)."""
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts)), out=starts[1:])
    return "".join(p + "\n" for p in parts), starts


def vocabulary_of(readers: list) -> Vocabulary:
    """One Vocabulary of the ``words`` fields of several segments (their readers).

    Why one for several: segments share most of their words, so one vocabulary of a full
    build's segments holds about half the words theirs would (bench/README.md, "Typo index
    memory"), and a word's frequency and spelling are then the index's, not a segment's.
    """
    return vocabulary_from_terms(merged_terms([field_terms(reader, "words") for reader in readers]))


def merged_terms(streams: list[Iterable[tuple[str, int]]]) -> Iterator[tuple[str, int]]:
    """Sorted ``(term, doc frequency)`` streams as one sorted stream, a term's frequencies added up
    (a document is in one segment, so the sum is the index's document frequency)."""
    if len(streams) == 1:
        yield from streams[0]
        return
    last, total = None, 0
    for term, frequency in heapq.merge(*streams):  # tuples: a term's entries come together
        if term == last:
            total += frequency
            continue
        if last is not None:
            yield last, total
        last, total = term, frequency
    if last is not None:
        yield last, total


def vocabulary_from_terms(terms: Iterable[tuple[str, int]], separator: str = ACCENT_SEPARATOR) -> Vocabulary:
    """A Vocabulary of sorted ``(term, doc frequency)`` pairs of the ``words`` field.

    A folded word's accent keys (``word|accented``) name how documents spell it; the
    most frequent is what "Did you mean" shows. In term order they come after every
    longer word the folded word starts (``|`` sorts after the letters), so the words
    that are prefixes of the current term are kept on a stack to find their owner.
    """
    words: list[str] = []
    frequencies: list[int] = []
    spellings: list[str] = []
    stack: list[list] = []  # [word, id, frequency of its best spelling so far]
    for term, frequency in terms:
        folded, bar, accented = term.partition(separator)
        while stack and not folded.startswith(stack[-1][0]):
            stack.pop()
        if bar:
            if stack and stack[-1][0] == folded and frequency > stack[-1][2]:
                spellings[stack[-1][1]] = accented
                stack[-1][2] = frequency
            continue
        if len(term) < MIN_LENGTH - 1 or term.isdigit():
            continue
        stack.append([term, len(words), 0])
        words.append(term)
        frequencies.append(frequency)
        spellings.append("")
    return Vocabulary(words, frequencies, spellings)


def completions(vocabularies: list[Vocabulary], prefix: str, limit: int) -> list[Candidate]:
    """The most frequent index words that start with ``prefix`` (folded), over all vocabularies."""
    merged: dict[str, list] = {}
    for vocabulary in vocabularies:
        lo, hi = vocabulary.starting(prefix)
        if lo == hi:
            continue
        frequencies = vocabulary.frequencies[lo:hi]
        best = np.argsort(-frequencies, kind="stable")[: limit * 2]
        for i in best:
            ident = lo + int(i)
            entry = merged.setdefault(vocabulary.word(ident), [0, 0, vocabulary.spelling(ident)])
            entry[1] += int(frequencies[i])
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1][1], kv[0]))
    return [Candidate(w, 0, f, spelled) for w, (_, f, spelled) in ranked[:limit]]
