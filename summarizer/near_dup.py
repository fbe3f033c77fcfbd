"""Near-duplicate stories: the same text seen again, possibly revised.

Wires re-send stories: a new paragraph at the end, a corrected figure, a sharpened lead. Those are one
story, and the newer version should replace the older. Different stories that share boilerplate (a
standard background paragraph, a "Reporting by ..." line) are not.

Texts are compared as sets of word 5-gram shingles (lower-cased words, punctuation dropped):

* **Jaccard** |A∩B| / |A∪B| is symmetric: high when two texts are mostly the same.
* **Containment** |A∩B| / |A| of the old text A in the new text B: a re-sent story that grew by several
  paragraphs has a modest Jaccard with its first version but still contains almost all of it.

:class:`NearDuplicateIndex` estimates both with datasketch MinHash signatures (128 permutations, fixed
seed, SHA-1 hashing: the same text gives the same signature in every process) and finds candidates with
MinHashLSH, so a lookup costs about the same against ten stories or ten thousand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from datasketch import LeanMinHash, MinHash, MinHashLSH

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1
# LSH only proposes candidates; every candidate is then checked against the two thresholds below, which
# costs microseconds, so the cheap error is proposing too many. At 0.2 (datasketch picks 28 bands of 2
# rows) a pair with Jaccard 0.3 is proposed 93% of the time and one with 0.5 always: an old story whose
# revision doubled in length is found; one that tripled (Jaccard about 0.33) almost always.
LSH_THRESHOLD = 0.2
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
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


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


class NearDuplicateIndex:
    """MinHash LSH index of story texts: ``add`` them, ``find`` near-duplicates of a new one.

    A found id is a near-duplicate when the estimated Jaccard is >= DUPLICATE_THRESHOLD or either text
    contains >= REVISION_CONTAINMENT of the other (estimated from the signatures and shingle counts).
    Use :func:`pick_newer` to decide which copy stays, and ``remove`` the one that does not.
    """

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._signatures: dict[str, tuple[LeanMinHash, int]] = {}
        self._order: dict[str, int] = {}
        self._added = 0
        # Copying an empty signature shares its permutations instead of re-deriving 128 per text.
        self._empty = MinHash(num_perm=NUM_PERM, seed=SEED)
        self._last: tuple[str, tuple[LeanMinHash, int]] | None = None  # ``find`` then ``add`` of one text

    def _signature(self, text: str) -> tuple[LeanMinHash, int]:
        if self._last is not None and self._last[0] == text:
            return self._last[1]
        grams = shingles(text)
        minhash = self._empty.copy()
        minhash.update_batch([g.encode("utf-8") for g in sorted(grams)])
        signed = LeanMinHash(minhash), len(grams)
        self._last = (text, signed)
        return signed

    # Also reachable on the index, as the declared API lists it there.
    is_revision = staticmethod(is_revision)

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._signatures

    def add(self, doc_id: str, text: str) -> None:
        """Index ``text`` under ``doc_id`` (re-adding an id replaces its text). Empty texts are skipped."""
        if doc_id in self._signatures:
            self.remove(doc_id)
        signature, size = self._signature(text)
        if size == 0:
            return
        self._lsh.insert(doc_id, signature)
        self._signatures[doc_id] = (signature, size)
        self._order[doc_id] = self._added
        self._added += 1

    def remove(self, doc_id: str) -> None:
        """Forget ``doc_id`` (e.g. once superseded); unknown ids are ignored."""
        if self._signatures.pop(doc_id, None) is not None:
            self._lsh.remove(doc_id)
            del self._order[doc_id]

    def find(self, text: str) -> list[str]:
        """Ids of indexed near-duplicates of ``text``, most similar first (ties: earliest added first)."""
        signature, size = self._signature(text)
        if size == 0:
            return []
        found: list[tuple[float, int, str]] = []
        for doc_id in self._lsh.query(signature):
            other, other_size = self._signatures[doc_id]
            jaccard = float(signature.jaccard(other))
            shared = jaccard * (size + other_size) / (1.0 + jaccard)
            smaller = min(size, other_size)
            contained = shared / smaller if smaller >= _MIN_REVISION_SHINGLES else 0.0
            if jaccard >= DUPLICATE_THRESHOLD or contained >= REVISION_CONTAINMENT:
                found.append((-jaccard, self._order[doc_id], doc_id))
        return [doc_id for _, _, doc_id in sorted(found)]
