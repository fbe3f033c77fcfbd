"""What story assignment keeps between the batches of one ingest run: report features and word statistics.

A run stores its dump in batches, one transaction each, and every batch compares its reports with
recent ones, mostly the run's own earlier reports. Reading their features and word statistics back
from the database for every batch was about a third of assignment's time, so one run keeps them:

* features (:class:`EventFeatures`) depend on their report alone and never change once stored; the
  most recently used :data:`CACHE_MAX` are kept (older ones are read again when needed);
* word statistics change with every stored batch: after each batch's features are stored, the kept
  counts get that batch's own increments, and all are dropped when the database holds more documents
  than this run added (another process stored some in between), so the numbers used are always the
  database's.

A batch that rolls back may leave ids that the database reuses for other articles (SQLite rowids), so
a failed batch calls :meth:`StoryCache.reset`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping

import numpy as np

from summarizer.events import EventFeatures

# Reports' features one run keeps in memory at most. A batch of 500 reports with 50 candidates each, or
# a settle of 2,000, can touch tens of thousands of reports in a busy window; beyond this the least
# recently used are dropped (they are in story_features, read again when needed), so a long dump is
# ingested in the same memory however many stories its window holds. A run's end settles up to 2,000
# reports against their candidates, more than 4,000 reports in all on the bench's event dumps: at 4,000
# it re-read features it had just dropped (a tenth of the settle). Words are interned (a run's reports
# share them), so a feature takes about 3.6 KB and 8,000 about 29 MB, what 4,000 took uninterned.
CACHE_MAX = 8000
# Word statistics kept at most (about 100 bytes a word: 10 MB); past it they are all dropped and the
# next batch reads the words it needs again. The bench dump's vocabulary keeps growing (40,000 words
# after 10,000 stories, 52,000 after 22,000, still about a new word a story), so the statistics grow to
# this cap on any long dump: 200,000 held about 20 MB. What a batch needs (its reports' and their
# candidates' words) is far fewer, so a drop is rare.
WORDS_MAX = 100_000
# Words numbered for the reports' term arrays at most (about 100 bytes each); past it, between two
# batches, the numbering starts again and the arrays are rebuilt as reports are compared.
VOCABULARY_MAX = 100_000


class StoryCache:
    """Features by article id (least recently used dropped first) and word statistics, for one run."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = CACHE_MAX if limit is None else limit
        self.features: dict[int, EventFeatures] = {}  # insertion order = use order (see touch)
        self.df: dict[str, int] = {}
        self.n_docs: int | None = None
        # Each held report's words as arrays (column numbers in ``words``, 1 + log of the count): what
        # bot.ingest.story_vectors weighs with a pass's IDF. They depend on the report alone, as features do.
        self.vocabulary: dict[str, int] = {}
        self.words: list[str] = []
        self.generation = 0  # moves when the numbering starts again
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def arrays(self, article_id: int, features: EventFeatures) -> tuple[np.ndarray, np.ndarray]:
        """(column of each word, 1 + log of its count) of a held report, built at its first use in the run."""
        found = self._arrays.get(article_id)
        if found is None:
            vocabulary, words = self.vocabulary, self.words
            cols = []
            for word in features.terms:
                col = vocabulary.get(word)
                if col is None:
                    col = vocabulary[word] = len(words)
                    words.append(word)
                cols.append(col)
            n = len(cols)
            counts = np.fromiter(features.terms.values(), dtype=np.float64, count=n)
            found = self._arrays[article_id] = (np.fromiter(cols, dtype=np.int64, count=n), 1.0 + np.log(counts))
        return found

    def touch(self, ids: Iterable[int]) -> list[int]:
        """Mark ``ids`` as just used; returns those not held."""
        missing = []
        for i in ids:
            found = self.features.pop(i, None)
            if found is None:
                missing.append(i)
            else:
                self.features[i] = found
        return missing

    def add(self, found: Mapping[int, EventFeatures], keep: Collection[int] = ()) -> list[int]:
        """Hold ``found``; drop the least recently used beyond the limit, never ``keep`` nor ``found``.

        Returns the ids dropped (their per-pass vectors go too).
        """
        self.features.update(found)
        dropped: list[int] = []
        excess = len(self.features) - self.limit
        if excess > 0:
            keep = set(keep)
            for i in self.features:
                if len(dropped) >= excess:
                    break
                if i not in found and i not in keep:
                    dropped.append(i)
            for i in dropped:
                del self.features[i]
                self._arrays.pop(i, None)
        return dropped

    def stored(self, counts: Counter[str], docs: int, n_docs_now: int) -> None:
        """A batch of ``docs`` reports with word ``counts`` was stored; the database now counts ``n_docs_now``."""
        if self.n_docs is None or self.n_docs + docs != n_docs_now or len(self.df) > WORDS_MAX:
            self.df.clear()  # someone else stored reports meanwhile (or nothing is known yet): read afresh
        else:
            df = self.df
            for word, n in counts.items():
                if word in df:
                    df[word] += n
        self.n_docs = n_docs_now
        if len(self.words) > VOCABULARY_MAX:
            self._renumber()

    def _renumber(self) -> None:
        self.vocabulary.clear()
        self.words.clear()
        self._arrays.clear()
        self.generation += 1

    def reset(self) -> None:
        self.features.clear()
        self.df.clear()
        self.n_docs = None
        self._renumber()
