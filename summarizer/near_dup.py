"""Near-duplicate stories: the same text seen again, possibly revised.

Wires re-send stories: a new paragraph at the end, a corrected figure, a sharpened lead. Those are one
story, and the newer version should replace the older. Different stories that share boilerplate (a
standard background paragraph, a "Reporting by ..." line) are not.

Texts are compared as sets of word 5-gram shingles (lower-cased words, punctuation dropped):

* **Jaccard** |A∩B| / |A∪B| is symmetric: high when two texts are mostly the same.
* **Containment** |A∩B| / |A| of the old text A in the new text B: a re-sent story that grew by several
  paragraphs has a modest Jaccard with its first version but still contains almost all of it.

:class:`NearDuplicateIndex` estimates both with MinHash signatures (128 permutations, fixed seed, SHA-1
hashing: the same text gives the same signature in every process) and proposes candidates by LSH bands.
The signatures are the ones datasketch 2's ``MinHash`` (its default "affine32" scheme) computes, written
here in numpy because datasketch's LSH imports scipy (41 MB of RSS at ingest) only to choose its band
layout, which is fixed here. An index of n texts holds n x 128 uint32 values (512 bytes a text) in one
array; a lookup compares the new signature's bands with all n rows at once (n is the revision window,
5,000 at most: about a hundred microseconds).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1
# LSH only proposes candidates; every candidate is then checked against the two thresholds below, which
# costs microseconds, so the cheap error is proposing too many. At a threshold of 0.2 datasketch's
# MinHashLSH picks 28 bands of 2 rows (its optimum for 128 permutations, equal weights): a pair with
# Jaccard 0.3 is proposed 93% of the time and one with 0.5 always: an old story whose revision doubled
# in length is found; one that tripled (Jaccard about 0.33) almost always.
LSH_BANDS = 28  # of 2 rows each
# Two texts sharing at least 60% of their combined shingles are the same story whatever their order.
# Measured on the sample dump's 395-word CSIS casualties story: one figure corrected 0.97, one sentence
# reworded 0.90; two different stories carrying the same 49-word background-and-promo paragraph 0.17.
DUPLICATE_THRESHOLD = 0.6
# A new text containing at least 80% of the old text's shingles is a revision of it. Same story: a
# corrected figure plus an added paragraph 0.99, one reworded sentence 0.93, its first four paragraphs
# within the whole 1.0; a story that merely shares that boilerplate paragraph with another about 0.3.
REVISION_CONTAINMENT = 0.8
# Below this many words an "old" text is too short to be called revised: a caption or a credit line is
# contained in every story that repeats it.
MIN_REVISION_WORDS = 20
_MIN_REVISION_SHINGLES = MIN_REVISION_WORDS - SHINGLE_WORDS + 1

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _TOKEN.findall(text.lower())]


def shingles(text: str) -> set[str]:
    """Word 5-grams of the normalised text (the whole text as one shingle when it is shorter)."""
    return _shingles_of(_words(text))


def _shingles_of(words: list[str]) -> set[str]:
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    # zip of five shifted views: the 5-grams without slicing the list once per position.
    return set(map(" ".join, zip(*(words[k:] for k in range(SHINGLE_WORDS)), strict=False)))


def containment(old_text: str, new_text: str) -> float:
    """Share of the old text's shingles found in the new text (exact, 0.0 for an empty old text)."""
    old, new = shingles(old_text), shingles(new_text)
    return len(old & new) / len(old) if old else 0.0


def is_revision(old_text: str, new_text: str) -> bool:
    """True when ``new_text`` contains most (>= REVISION_CONTAINMENT) of ``old_text``'s shingles.

    That covers a re-send with an added paragraph, a corrected figure or a reworded sentence, and an
    identical re-send. It is not symmetric: a story that grew is a revision of its first version, not
    the other way round (unless it grew by less than a fifth). An old text under MIN_REVISION_WORDS words
    is a revision only of an identical text.
    """
    return _is_revision_of(_words(old_text), _words(new_text))


def _is_revision_of(old: list[str], new: list[str]) -> bool:
    """:func:`is_revision` on already tokenized texts."""
    if len(old) < MIN_REVISION_WORDS:
        return bool(old) and old == new
    old_shingles = _shingles_of(old)
    return len(old_shingles & _shingles_of(new)) / len(old_shingles) >= REVISION_CONTAINMENT


@dataclass(frozen=True, slots=True)
class Version:
    """One copy of a story, for :func:`pick_newer`."""

    id: str
    text: str
    published_at: datetime | None = None
    truncated: bool = False  # the dump ended mid-story: never preferred over a complete copy


def pick_newer(earlier: Version, later: Version) -> Version:
    """Which of two near-duplicate copies to keep (returns that argument itself); ``later`` arrived second.

    1. A complete copy beats a truncated one.
    2. A longer revision supersedes: if one copy contains the other but not the reverse (it grew by more
       than a fifth), the containing copy wins, whatever the timestamps say (a late, cut-short re-send
       does not replace the full story).
    3. Otherwise the newer wins: the later ``published_at`` when both are known and differ, else ``later``.
    """
    if earlier.truncated != later.truncated:
        return later if earlier.truncated else earlier
    earlier_words, later_words = _words(earlier.text), _words(later.text)  # tokenize once for both checks
    earlier_in_later = _is_revision_of(earlier_words, later_words)
    later_in_earlier = _is_revision_of(later_words, earlier_words)
    if earlier_in_later != later_in_earlier:
        return later if earlier_in_later else earlier
    if earlier.published_at and later.published_at and earlier.published_at != later.published_at:
        # Naive and aware datetimes cannot be compared; the store keeps one kind, so this is a guard only.
        try:
            return earlier if earlier.published_at > later.published_at else later
        except TypeError:
            return later
    return later


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations for SEED: odd multipliers and offsets, modulo 2**32."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer (a bijection on 32 bits): spreads the SHA-1 prefixes before permuting."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def _hashes32(grams: set[str]) -> np.ndarray:
    """The first 4 bytes of each shingle's SHA-1 as little-endian uint32, read as one buffer (not an int each)."""
    sha1 = hashlib.sha1
    return np.frombuffer(b"".join([sha1(g.encode("utf-8")).digest()[:4] for g in grams]), dtype="<u4")


def signature(grams: set[str], permutations: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The MinHash of a shingle set: NUM_PERM uint32 minima of a * fmix(sha1_32(g)) + b (mod 2**32)."""
    a, b = permutations
    if not grams:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    hv = _fmix32(_hashes32(grams).astype(np.uint32))
    return (hv[:, None] * a + b).min(axis=0)


class NearDuplicateIndex:
    """MinHash LSH index of story texts: ``add`` them, ``find`` near-duplicates of a new one.

    A found id is a near-duplicate when the estimated Jaccard is >= DUPLICATE_THRESHOLD or either text
    contains >= REVISION_CONTAINMENT of the other (estimated from the signatures and shingle counts).
    Use :func:`pick_newer` to decide which copy stays, and ``remove`` the one that does not. The index
    keeps signatures only (no texts): rows of one array, a removed row filled by the last one.
    """

    def __init__(self) -> None:
        self._perms = _permutations()
        self._rows: dict[str, int] = {}  # doc id -> its row in the arrays below
        self._ids: list[str] = []  # row -> doc id
        self._signatures = np.empty((0, NUM_PERM), dtype=np.uint32)
        self._sizes = np.empty(0, dtype=np.int64)  # shingle counts
        self._order = np.empty(0, dtype=np.int64)  # when each row's text was added (ties in ``find``)
        self._added = 0
        self._last: tuple[str, np.ndarray, int] | None = None  # ``find`` then ``add`` of one text

    def _signature(self, text: str) -> tuple[np.ndarray, int]:
        if self._last is not None and self._last[0] == text:
            return self._last[1], self._last[2]
        grams = shingles(text)
        signed = signature(grams, self._perms)
        self._last = (text, signed, len(grams))
        return signed, len(grams)

    # Also reachable on the index, as the declared API lists it there.
    is_revision = staticmethod(is_revision)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._rows

    def add(self, doc_id: str, text: str) -> None:
        """Index ``text`` under ``doc_id`` (re-adding an id replaces its text). Empty texts are skipped."""
        if doc_id in self._rows:
            self.remove(doc_id)
        signed, size = self._signature(text)
        if size == 0:
            return
        row = len(self._ids)
        if row == len(self._sizes):  # full: grow by half (amortised O(1) appends)
            capacity = max(16, row + row // 2)
            self._signatures = np.resize(self._signatures, (capacity, NUM_PERM))
            self._sizes = np.resize(self._sizes, capacity)
            self._order = np.resize(self._order, capacity)
        self._signatures[row], self._sizes[row], self._order[row] = signed, size, self._added
        self._rows[doc_id] = row
        self._ids.append(doc_id)
        self._added += 1

    def remove(self, doc_id: str) -> None:
        """Forget ``doc_id`` (e.g. once superseded); unknown ids are ignored."""
        row = self._rows.pop(doc_id, None)
        if row is None:
            return
        last = len(self._ids) - 1
        moved = self._ids.pop()
        if row != last:
            self._signatures[row], self._sizes[row], self._order[row] = (
                self._signatures[last], self._sizes[last], self._order[last])
            self._ids[row] = moved
            self._rows[moved] = row

    def find(self, text: str) -> list[str]:
        """Ids of indexed near-duplicates of ``text``, most similar first (ties: earliest added first)."""
        signed, size = self._signature(text)
        n = len(self._ids)
        if size == 0 or n == 0:
            return []
        stored = self._signatures[:n]
        # An LSH candidate shares both values of at least one of the first LSH_BANDS bands: a band of
        # two uint32 is compared as one uint64 (a quarter of the work of comparing values one by one).
        bands = stored.view(np.uint64)[:, :LSH_BANDS]
        proposed = (bands == signed.view(np.uint64)[:LSH_BANDS]).any(axis=1)
        found: list[tuple[float, int, str]] = []
        for row in np.flatnonzero(proposed).tolist():
            jaccard = float(np.count_nonzero(stored[row] == signed)) / NUM_PERM
            other_size = int(self._sizes[row])
            shared = jaccard * (size + other_size) / (1.0 + jaccard)
            smaller = min(size, other_size)
            contained = shared / smaller if smaller >= _MIN_REVISION_SHINGLES else 0.0
            if jaccard >= DUPLICATE_THRESHOLD or contained >= REVISION_CONTAINMENT:
                found.append((-jaccard, int(self._order[row]), self._ids[row]))
        return [doc_id for _, _, doc_id in sorted(found)]
