"""Same event, different words: several outlets' reports of one event grouped into one story.

TF-IDF over the headline and lead paragraphs plus a shared-name check, clustered with average linkage
so that one loose pair cannot chain two events together. Numpy only: story assignment runs at every
ingest and must not pull in scikit-learn or scipy. :mod:`summarizer.stories` re-exports all of it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from summarizer.models import Document
from summarizer.stop_words import ENGLISH_STOP_WORDS

__all__ = [
    "DEFAULT_EVENT_THRESHOLD",
    "EventFeatures",
    "average_linkage",
    "document_frequencies",
    "event_features",
    "event_similarity",
    "group_features",
    "group_same_event",
    "idf_weights",
    "similarity_bound",
    "similarity_matrix",
    "similarity_of_rows",
    "similarity_to",
    "unit_vector",
]

# Average-linkage similarity for reports to count as one event. Chosen on the "tuning" reports in
# tests/fixtures/stories (same-event pairs mostly 0.25-0.6; different events on one topic - three
# Angelina Jolie surgery stories, Juul vs the FDA's planned ban - mostly 0.15-0.29), then checked on
# 68 held-out reports: pairwise precision 0.95 / recall 0.76 there, 0.94 / 0.79 on all 103 together.
# Lower it to merge more (recall), raise it to split more (precision).
DEFAULT_EVENT_THRESHOLD = 0.26
# A news lead states the event (who, what, where); later paragraphs drift into background that
# different events on one topic share. So only the headline and the first paragraphs are compared,
# and the headline and first paragraph count twice.
LEAD_PARAGRAPHS = 3
# The IDF is smoothed as if this many extra documents, containing none of the words, had been seen.
# Without it a two-document input gives shared words almost no weight (the IDF of a word in every
# document is the minimum), so the same pair would merge in a busy day and split on a quiet one.
IDF_PRIOR_DOCS = 50

# Words, keeping compounds ("e-cigarette", "mother-of-six") whole. Written without nested optional
# parts so the regex engine never backtracks: tokenising is most of the cost here.
_WORD = re.compile(r"(?u)\b\w+(?:[-'’]\w+)*")
# Names and figures: capitalised words (not sentence openers like "The"), acronyms and numbers.
_NAME = re.compile(r"\b[A-Z]\w+|\b\d[\d,.]*\d\b")
_NAME_STOP = frozenset(w.capitalize() for w in ENGLISH_STOP_WORDS) | {
    "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
}  # fmt: skip
_POSSESSIVE = re.compile(r"['’]s\b")


@dataclass(frozen=True, slots=True)
class EventFeatures:
    """What event similarity looks at in one report; depends on that report alone, so it can be stored.

    ``terms``: lead word counts, the headline and first paragraph counted twice (stop words dropped).
    ``names``: capitalised words, acronyms and figures of the lead (the shared-name veto).
    """

    terms: Mapping[str, int]
    names: frozenset[str]


def _lead_parts(doc: Document) -> tuple[str, str]:
    """(headline + first paragraph, the next lead paragraphs), possessives dropped ("Jolie's" -> "Jolie")."""
    lead = [p for p in doc.paragraphs if p.strip()][:LEAD_PARAGRAPHS]
    head = "\n".join([doc.title or "", *lead[:1]])
    return _POSSESSIVE.sub("", head), _POSSESSIVE.sub("", "\n".join(lead[1:]))


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]


def event_features(doc: Document) -> EventFeatures:
    """The lead's weighted word counts and names (see :class:`EventFeatures`)."""
    head, rest = _lead_parts(doc)
    terms = Counter(_words(head))
    terms.update(terms)  # headline and first paragraph twice
    terms.update(_words(rest))
    names = frozenset(n for n in _NAME.findall(f"{head}\n{rest}") if n not in _NAME_STOP)
    return EventFeatures(dict(terms), names)


def document_frequencies(features: Sequence[EventFeatures]) -> Counter[str]:
    """In how many of ``features`` each word occurs."""
    df: Counter[str] = Counter()
    for f in features:
        df.update(f.terms.keys())
    return df


def idf_weights(df: Mapping[str, int], n_docs: int) -> Callable[[str], float]:
    """IDF of a word seen in ``df[word]`` of ``n_docs`` documents, smoothed by IDF_PRIOR_DOCS unseen ones.

    The statistics may come from the input itself (a batch) or from a store of recent reports
    (incremental assignment): both give the same weights for the same counts.
    """
    scale = n_docs + IDF_PRIOR_DOCS + 1

    def idf(word: str) -> float:
        return math.log(scale / (df.get(word, 0) + 1)) + 1.0

    return idf


def _unit_rows(features: Sequence[EventFeatures], idf: Callable[[str], float]) -> np.ndarray:
    """Dense sublinear-TF x IDF rows over the input's own vocabulary, L2-normalised (cosine = dot)."""
    vocab: dict[str, int] = {}
    for f in features:
        for word in f.terms:
            vocab.setdefault(word, len(vocab))
    rows = np.zeros((len(features), max(len(vocab), 1)))
    weights = np.array([idf(w) for w in vocab]) if vocab else np.zeros(1)
    for i, f in enumerate(features):
        if f.terms:
            cols = np.fromiter((vocab[w] for w in f.terms), dtype=np.int64, count=len(f.terms))
            counts = np.fromiter(f.terms.values(), dtype=np.float64, count=len(f.terms))
            rows[i, cols] = (1.0 + np.log(counts)) * weights[cols]
    norms = np.linalg.norm(rows, axis=1)
    norms[norms == 0] = 1.0
    return rows / norms[:, None]


def similarity_matrix(features: Sequence[EventFeatures], idf: Callable[[str], float]) -> np.ndarray:
    """Pairwise event similarity in [0, 1]: lead TF-IDF cosine, zero where no name or figure is shared.

    The name check is a veto, not a bonus: a shared name is necessary for one event (same people,
    places, organisations or figures) but far from sufficient, since same-topic stories share names too.
    Two reports without any name at all are compared by their words alone.
    """
    return similarity_of_rows(_unit_rows(features, idf), features)


def similarity_of_rows(vectors: np.ndarray, features: Sequence[EventFeatures]) -> np.ndarray:
    """:func:`similarity_matrix` from the features' L2-normalised TF-IDF rows (computed elsewhere, e.g. kept
    by story assignment for a whole pass)."""
    sims = vectors @ vectors.T
    sims[_name_veto(features)] = 0.0
    np.fill_diagonal(sims, 1.0)
    return np.clip(sims, 0.0, 1.0)


def _name_veto(features: Sequence[EventFeatures]) -> np.ndarray:
    """Pairs that share no name while one of them has some (one matrix product, not a Python loop per pair)."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, f in enumerate(features):
        for name in f.names:
            rows.append(i)
            cols.append(vocab.setdefault(name, len(vocab)))
    incidence = np.zeros((len(features), max(len(vocab), 1)), dtype=np.float32)
    incidence[rows, cols] = 1.0
    has = np.array([bool(f.names) for f in features])
    return (has[:, None] | has[None, :]) & ~(incidence @ incidence.T > 0)


def unit_vector(features: EventFeatures, idf: Callable[[str], float]) -> dict[str, float]:
    """One report's row of the similarity's TF-IDF vectors, sparse: it depends on that report and the IDF only.

    Comparing one new report with its few candidates needs one row, not the matrix: with the vectors
    kept per report, that is a dot product over the new report's lead words per candidate.
    """
    weights = {w: (1.0 + math.log(c)) * idf(w) for w, c in features.terms.items()}
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    return {w: v / norm for w, v in weights.items()}


def similarity_to(a: EventFeatures, a_vector: Mapping[str, float], b: EventFeatures,
                  b_vector: Mapping[str, float]) -> float:
    """One entry of :func:`similarity_matrix` (the same name veto, the same cosine) from two unit vectors."""
    if (a.names or b.names) and a.names.isdisjoint(b.names):
        return 0.0
    dot = sum([a_vector[w] * b_vector[w] for w in a_vector.keys() & b_vector.keys()])  # shared words (C set op)
    return min(max(dot, 0.0), 1.0)


def similarity_bound(a_vector: Mapping[str, float], b: EventFeatures) -> float:
    """An upper bound of :func:`similarity_to` of ``a`` and ``b`` that needs no vector of ``b``: the norm of
    ``a``'s vector over the words both have (Cauchy-Schwarz, ``b``'s vector having norm 1 or none).

    Comparing a new report with many candidates, those below the threshold by this bound are skipped
    without building their vectors.
    """
    return math.sqrt(sum([a_vector[w] ** 2 for w in a_vector.keys() & b.terms.keys()]))


def event_similarity(docs: Sequence[Document]) -> np.ndarray:
    """:func:`similarity_matrix` of ``docs`` with the IDF learnt from ``docs`` themselves."""
    features = [event_features(d) for d in docs]
    return similarity_matrix(features, idf_weights(document_frequencies(features), len(features)))


def _components(linked: np.ndarray) -> list[list[int]]:
    """Connected components of a boolean adjacency matrix, each sorted, ordered by first member."""
    seen = np.zeros(len(linked), dtype=bool)
    out: list[list[int]] = []
    for start in range(len(linked)):
        if seen[start]:
            continue
        seen[start] = True
        stack, members = [start], [start]
        while stack:
            for nxt in np.flatnonzero(linked[stack.pop()] & ~seen):
                seen[nxt] = True
                stack.append(int(nxt))
                members.append(int(nxt))
        out.append(sorted(members))
    return out


def _agglomerate(sims: np.ndarray, threshold: float) -> list[list[int]]:
    """Average linkage on one component: merge the most similar pair of groups while their mean > threshold."""
    sims = sims.astype(np.float64, copy=True)
    sizes = np.ones(len(sims))
    members = [[i] for i in range(len(sims))]
    active = np.ones(len(sims), dtype=bool)
    np.fill_diagonal(sims, -np.inf)
    while True:
        flat = int(np.argmax(sims))
        i, j = divmod(flat, len(sims))
        if not sims[i, j] > threshold:
            break
        # Lance-Williams update for average linkage: the mean over all cross pairs of the merged group.
        merged = (sizes[i] * sims[i] + sizes[j] * sims[j]) / (sizes[i] + sizes[j])
        sims[i, :], sims[:, i] = merged, merged
        sims[i, i] = -np.inf
        sims[j, :], sims[:, j] = -np.inf, -np.inf
        sizes[i] += sizes[j]
        members[i].extend(members[j])
        active[j] = False
    return [sorted(members[k]) for k in np.flatnonzero(active)]


def average_linkage(sims: np.ndarray, threshold: float = DEFAULT_EVENT_THRESHOLD) -> list[list[int]]:
    """Average-linkage groups (row indices) of a similarity matrix, cut where the mean similarity <= threshold.

    Two groups whose every cross pair is at or below the threshold can never average above it, so
    the input splits first into connected components of "similarity > threshold" and each is
    clustered alone: the cost is cubic only in the size of a component, not of the input. The same
    fact makes incremental assignment exact: re-clustering the component a new report joins gives
    what clustering everything again would.
    """
    groups: list[list[int]] = []
    for component in _components(sims > threshold):
        if len(component) == 1:
            groups.append(component)
        else:
            sub = sims[np.ix_(component, component)]
            groups.extend([component[k] for k in g] for g in _agglomerate(sub, threshold))
    return sorted(groups, key=lambda g: g[0])


def group_features(features: Sequence[EventFeatures], idf: Callable[[str], float] | None = None, *,
                   threshold: float = DEFAULT_EVENT_THRESHOLD, rows: np.ndarray | None = None) -> list[list[int]]:
    """Indices of ``features`` grouped per event, with a given IDF (e.g. a store's word statistics), or with
    their unit TF-IDF ``rows`` already computed with one."""
    if len(features) < 2:
        return [[i] for i in range(len(features))]
    if rows is None:
        if idf is None:
            raise ValueError("group_features needs the IDF or the rows")
        rows = _unit_rows(features, idf)
    return average_linkage(similarity_of_rows(rows, features), threshold)


def group_same_event(docs: Sequence[Document], *, threshold: float = DEFAULT_EVENT_THRESHOLD) -> list[list[str]]:
    """Doc ids grouped per event; groups ordered by their first member, members in input order.

    Average linkage merges two groups only when their members are similar *on average*, so a chain
    A~B~C with A and C unrelated does not collapse into one story, as single linkage would.
    Raise ``threshold`` to merge less, lower it to merge more.
    """
    if len(docs) < 2:
        return [[d.id] for d in docs]
    return [[docs[i].id for i in g] for g in average_linkage(event_similarity(docs), threshold)]
