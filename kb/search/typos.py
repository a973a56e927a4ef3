"""Typo candidates from the index vocabulary: a symmetric-delete index in the manner of SymSpell.

Why: Whoosh's ``FuzzyTerm`` walks a Levenshtein automaton over the term list in Python,
which took seconds per mistyped word on a real vocabulary. Here each folded word of the
index's vocabulary is keyed by its first ``PREFIX`` letters and by each one-letter
deletion of them (hashed to 32 bits, the word ids bucketed by key in one numpy array);
a query word looks up its own prefix and its deletions of up to two letters, and the
few words found are checked with the Damerau (optimal string alignment) distance, so a
transposition is one edit. Folded words: accents cost nothing.

A key is shared by a deletion of the query and a deletion of the index word, so one
substitution, transposition, insertion or deletion is always found, and two edits
mostly; when a long word has no candidate one edit away, the words that share its
first letter are checked one by one (:meth:`Vocabulary.scan`), so two edits are
always found too.
"""

from __future__ import annotations

import heapq
import itertools
import operator
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.format.term_file import field_terms
from indexer.text.analysis import ACCENT_SEPARATOR, fold

PREFIX = 8  # letters of a word that are keyed (SymSpell's prefix length idea)
MIN_LENGTH = 4  # shorter words are not corrected: too many neighbours
LOAD = 16  # delete keys per bucket on average (bench/README.md, "Typo index memory")
CHUNK = 1 << 12  # words a Vocabulary is built from at a time (bench/README.md, "Typo index memory")


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

    Kept compact (it lives as long as its segments are searched): words and spellings
    as one string each with end offsets, the delete-key index as 32-bit arrays.
    """

    def __init__(self, entries: Iterable[tuple[str, int, str]]):
        """``entries``: (folded word, document frequency, spelling or "") in term order.

        Read ``CHUNK`` words at a time: what a build holds besides the result is the key
        sort's array, not a Python object a word.
        """
        columns = texts, spelled, lengths, frequencies, codes = [], [], [], [], []
        entries = iter(entries)
        while part := list(itertools.islice(entries, CHUNK)):
            for column, value in zip(columns, _chunk(part), strict=True):
                column.append(value)
        del columns
        self._text = "".join(texts)
        self._spelled = b"".join(spelled)  # UTF-8: most are accented, a str of them 2 bytes a letter
        del texts, spelled
        self._starts = _starts(np.concatenate(lengths) + 1 if lengths else np.zeros(0, dtype=np.int32))
        ends = np.flatnonzero(np.frombuffer(self._spelled, dtype=np.uint8) == ord("\n")) + 1
        self._spelled_starts = _starts(np.diff(ends, prepend=0))
        self.frequencies = np.concatenate(frequencies) if frequencies else np.zeros(0, dtype=np.int32)
        # The delete keys, bucketed (CSR), 4 bytes a key: the entries of the keys in bucket b are
        # entries[offsets[b]:offsets[b + 1]], each a word id and, in the bits the ids leave free,
        # a fingerprint of its key (its low bits), so a look-up drops almost every other key's
        # word before checking a distance. A bucket holds about LOAD keys; the keys are not kept.
        total = len(self) + sum(int(np.minimum(part, PREFIX).sum()) for part in lengths)
        self._buckets = max(1, total // LOAD)
        self._id_bits = max(1, len(self).bit_length())
        pairs = np.empty(total, dtype=np.uint64)  # bucket << 32 | entry, sorted once
        at = first = 0
        for part, part_lengths in zip(codes, lengths, strict=True):
            for keys, ident in _delete_keys(part, part_lengths, first):
                pairs[at : at + len(keys)] = (self._bucket(keys) << np.uint64(32)) | self._entry(keys, ident)
                at += len(keys)
            first += len(part)
        del codes, lengths
        pairs.sort()
        bounds = np.arange(self._buckets + 1, dtype=np.uint64) << np.uint64(32)
        self._offsets = np.searchsorted(pairs, bounds).astype(np.uint32)
        self.entries = _low_halves(pairs)  # in bucket order

    def _bucket(self, keys: np.ndarray) -> np.ndarray:
        """Each 32-bit key's bucket (multiply and shift: any number of buckets, the key's high bits decide)."""
        return (keys.astype(np.uint64) * np.uint64(self._buckets)) >> np.uint64(32)

    def _entry(self, keys: np.ndarray, ident) -> np.ndarray:
        """Word ids with their keys' fingerprints above them, as 32 bits (the fingerprint is empty
        when the ids need all 32)."""
        fingerprint = (keys.astype(np.uint64) << np.uint64(self._id_bits)) & np.uint64(0xFFFFFFFF)
        return fingerprint | np.asarray(ident, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def word(self, ident: int) -> str:
        return self._text[int(self._starts[ident]) : int(self._starts[ident + 1]) - 1]

    def spelling(self, ident: int) -> str:
        """How documents most often write the word (accents), else the folded word."""
        spelled = self._spelled[int(self._spelled_starts[ident]) : int(self._spelled_starts[ident + 1]) - 1]
        return spelled.decode() if spelled else self.word(ident)

    def is_spelled_otherwise(self, word: str) -> bool:
        """Whether documents of these segments write the folded ``word`` with accents."""
        lo, hi = self.starting(word)
        return lo < hi and self.word(lo) == word and self.spelling(lo) != word

    @property
    def nbytes(self) -> int:
        arrays = (self._offsets, self.entries, self.frequencies, self._starts, self._spelled_starts)
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
        letter's words completes the set.
        """
        if not word or not len(self):
            return {}
        lo, hi = self.starting(word[0])
        if lo == hi:
            return {}
        found = {}
        for start in range(lo, hi, CHUNK):  # a letter's words are many: not one list of them
            end = min(start + CHUNK, hi)
            block = self._text[int(self._starts[start]) : int(self._starts[end]) - 1].split("\n")
            for other, distance, index in process.extract(
                word, block, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                if other != word:
                    ident = start + index
                    found[other] = (int(distance), int(self.frequencies[ident]), self.spelling(ident))
        return found

    def lookup(self, word: str, edits: int) -> dict[str, tuple[int, int, str]]:
        """``{index word: (distance, frequency, spelling)}`` within ``edits`` of ``word`` (folded)."""
        if not len(self.entries) or edits <= 0:
            return {}
        probes = np.unique(_pack(_codes(sorted(_deletions(word[:PREFIX], edits)))))
        buckets = self._bucket(probes)
        lows, highs = self._offsets[buckets], self._offsets[buckets + 1]
        sizes = (highs - lows).astype(np.int64)
        # Every entry of the probes' buckets (one arange over several ranges); those whose fingerprint is
        # their probe's are the words with that key, but for a few collisions the distance check drops.
        at = np.repeat(lows.astype(np.int64) - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        entries = self.entries[at]
        id_mask = np.uint32((1 << self._id_bits) - 1)
        fingerprints = np.repeat(self._entry(probes, 0), sizes)
        ids = np.unique(entries[(entries & ~id_mask) == fingerprints] & id_mask)
        lengths = self._starts[ids + 1].astype(np.int64) - self._starts[ids] - 1
        ids = ids[np.abs(lengths - len(word)) <= edits]  # a shared key is of the prefix: the rest may be longer
        found: dict[str, tuple[int, int, str]] = {}
        for ident in ids.tolist():
            other = self.word(ident)
            if other == word:
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


def _chunk(entries: list[tuple[str, int, str]]) -> tuple[str, bytes, np.ndarray, np.ndarray, np.ndarray]:
    """Some entries' words and spellings joined (each ending in a newline), the words' lengths,
    frequencies and letter codes (:func:`_codes`)."""
    words, counts, spellings = zip(*entries, strict=True)
    return (
        "".join(w + "\n" for w in words),
        "".join(w + "\n" for w in spellings).encode(),
        np.fromiter(map(len, words), dtype=np.int32, count=len(words)),
        np.fromiter(counts, dtype=np.int32, count=len(words)),
        _codes(words),
    )


def _deletions(prefix: str, edits: int) -> set[str]:
    """``prefix`` and every string made from it by deleting up to ``edits`` letters."""
    found = {prefix}
    frontier = {prefix}
    for _ in range(edits):
        frontier = {s[:i] + s[i + 1 :] for s in frontier for i in range(len(s))}
        found |= frontier
    return found


def _delete_keys(codes: np.ndarray, lengths: np.ndarray, first: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The words' prefix keys, then the keys of each one-letter deletion of the prefix, as (keys, word
    ids from ``first``). Deleting a short word's padding would give its prefix again: those are left out."""
    ident = np.arange(first, first + len(codes), dtype=np.uint64)
    yield _pack(codes), ident
    for i in range(PREFIX):
        keep = lengths > i
        yield _pack(np.delete(codes[keep], i, axis=1)), ident[keep]


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


def _low_halves(pairs: np.ndarray) -> np.ndarray:
    """The low 32 bits of each of ``pairs`` (uint64), moved to the front of the same memory, which is
    then shrunk: a build's peak holds the pairs, not the pairs and a copy of their halves."""
    halves = pairs.view(np.uint32)
    low = 0 if sys.byteorder == "little" else 1
    size, done = len(pairs), 0
    if size:
        halves[0], done = halves[low], 1
    while done < size:  # [done, end) from [2 done, 2 end): a block reads past where it writes
        end = min(2 * done, size)
        halves[done:end] = halves[2 * done + low : 2 * end + low : 2]
        done = end
    del halves
    pairs.resize((size + 1) // 2, refcheck=False)
    return pairs.view(np.uint32)[:size]


def _starts(sizes: np.ndarray) -> np.ndarray:
    """Where each of the parts of these sizes starts in their concatenation, and one more: the end."""
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    return starts.astype(np.uint32) if starts[-1] < 2**32 else starts


#: The fields whose words a typo may be meant as: the words as documents write them, and their
#: dictionary forms (what people type most; ``rozpčoet`` is one edit from ``rozpočet``, which the
#: documents hold only as ``rozpočtu``).
FIELDS = ("words", "lemmas")


def vocabulary_of(readers: list) -> Vocabulary:
    """One Vocabulary of the ``words`` and ``lemmas`` fields of several segments (their readers).

    Why one for several: segments share most of their words, so one vocabulary of a full
    build's segments holds far fewer words than theirs together (bench/README.md, "Typo
    index memory"), and a word's frequency and spelling are then the index's, not a segment's.
    """
    per_segment = [merged_terms([field_terms(reader, name) for name in FIELDS], max) for reader in readers]
    return vocabulary_from_terms(merged_terms(per_segment))


def merged_terms(
    streams: list[Iterable[tuple[str, int]]], combine: Callable[[int, int], int] = operator.add
) -> Iterator[tuple[str, int]]:
    """Sorted ``(term, doc frequency)`` streams as one sorted stream, a term's frequencies combined:
    added up for segments (a document is in one segment, so the sum is the index's document
    frequency), the larger for two fields of one segment (a document may hold a word in both)."""
    if len(streams) == 1:
        yield from streams[0]
        return
    last, total = None, 0
    for term, frequency in heapq.merge(*streams):  # tuples: a term's entries come together
        if term == last:
            total = combine(total, frequency)
            continue
        if last is not None:
            yield last, total
        last, total = term, frequency
    if last is not None:
        yield last, total


def vocabulary_from_terms(terms: Iterable[tuple[str, int]], separator: str = ACCENT_SEPARATOR) -> Vocabulary:
    """A Vocabulary of sorted ``(term, doc frequency)`` pairs of the ``words`` field."""
    return Vocabulary(spelled_words(terms, separator))


def spelled_words(
    terms: Iterable[tuple[str, int]], separator: str = ACCENT_SEPARATOR
) -> Iterator[tuple[str, int, str]]:
    """``(folded word, doc frequency, best spelling or "")`` of sorted ``words`` terms, in term order.

    A folded word's accent keys (``word|accented``) name how documents spell it; the
    most frequent is what "Did you mean" shows. In term order they come after every
    longer word the folded word starts (``|`` sorts after the letters), so the words
    that are prefixes of the current term are kept on a stack to find their owner; the
    words are given out whenever the stack is empty (their spellings are final then).
    """
    pending: list[list] = []  # [word, frequency, spelling, the spelling's frequency], in term order
    stack: list[list] = []  # the pending words that are prefixes of the current term
    for term, frequency in terms:
        folded, bar, accented = term.partition(separator)
        while stack and not folded.startswith(stack[-1][0]):
            stack.pop()
        if not stack and pending:  # every pending word's spelling is final
            yield from ((word, count, spelled) for word, count, spelled, _ in pending)
            pending.clear()
        if bar:
            if stack and stack[-1][0] == folded and frequency > stack[-1][3]:
                stack[-1][2:] = [accented, frequency]
            continue
        if len(term) < MIN_LENGTH - 1 or term.isdigit():
            continue
        entry = [term, frequency, "", 0]
        stack.append(entry)
        pending.append(entry)
    yield from ((word, count, spelled) for word, count, spelled, _ in pending)


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
