"""ROUGE scoring and timing of summarizers side by side (no I/O: the caller loads the items).

Scoring mirrors ``../shared/tools/summ_eval.py`` so figures are comparable: rouge-score with
stemming, F1 x100 averaged over references, words budgets truncated at N words, ROUGE-Lsum on
sentence-split text.
"""

from __future__ import annotations

import hashlib
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from summarizer.models import Document
from summarizer.rank import item_documents, summarize

BudgetKind = Literal["sentences", "words"]
Half = Literal["tune", "check"]
METRICS = ("rouge1", "rouge2", "rougeLsum")


class RougeUnavailable(RuntimeError):
    """rouge-score is a test extra; scoring needs it."""


def dev_half(item_id: str) -> Half:
    """The fixed half an item belongs to: ``tune`` (weights may be chosen on it) or ``check`` (only measured).

    Fixed by the item id alone (SHA-1 of the id, even -> tune), so every run and every tuner sees the
    same split; a change is kept only if it helps on both halves.
    """
    return "tune" if int(hashlib.sha1(item_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "check"


@dataclass(frozen=True, slots=True)
class Item:
    """One summarization input with its reference summaries (``previous``: texts the reader already has)."""

    id: str
    articles: tuple[str, ...]
    references: tuple[str, ...]
    title: str | None = None
    previous: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Budget:
    kind: BudgetKind
    size: int

    def __str__(self) -> str:
        return f"{self.size} {self.kind}"


@dataclass(frozen=True, slots=True)
class Row:
    """One (set, system) result: ROUGE F1 x100 and wall seconds for the whole set."""

    set_name: str
    system: str
    n: int
    rouge1: float
    rouge2: float
    rougeLsum: float
    seconds: float


def make_scorer() -> Any:
    """A stemmed ROUGE-1/2/Lsum scorer; a clear error when the test extra is not installed."""
    try:
        from rouge_score import rouge_scorer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RougeUnavailable("ROUGE needs rouge-score: pip install 'newsdigest[test]' (or rouge-score)") from exc
    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def _ref_sentences(text: str) -> str:
    # summ_eval's splitter: lines, then sentencex, one sentence per line (what ROUGE-Lsum wants).
    import sentencex

    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = para.strip()
        if para:
            out.extend(s.strip() for s in sentencex.segment("en", para) if s.strip())
    return "\n".join(out)


def rouge(pred: Sequence[str], refs: Sequence[str], budget: Budget, scorer: Any) -> dict[str, float]:
    """Mean F1 over references of one prediction (sentences as returned by a system)."""
    text = " ".join(pred)
    if budget.kind == "words":
        text = " ".join(text.split()[: budget.size])
    acc = dict.fromkeys(METRICS, 0.0)
    prediction = _ref_sentences(text) if text else text  # split once, scored against every reference
    for ref in refs:
        scores = scorer.score(_ref_sentences(ref) if ref else ref, prediction)
        for k in METRICS:
            acc[k] += scores[k].fmeasure
    return {k: v / max(len(refs), 1) for k, v in acc.items()}


def documents(item: Item) -> list[Document]:
    """An item's articles as summarizer documents (the title only for a single article)."""
    return item_documents(item.id, item.articles, item.title)


def run_system(
    items: Sequence[Item], algorithm: str, budget: Budget, *, use_previous: bool = False
) -> tuple[list[list[str]], float]:
    """Summaries of every item by one algorithm, and the wall seconds it took in-process.

    ``use_previous``: pass each item's ``previous`` texts (update summarization: what is new to a reader
    who already has them); without it the same items are summarized as if nothing had been read.
    """
    n_sent = budget.size if budget.kind == "sentences" else None
    n_words = budget.size if budget.kind == "words" else None
    start = time.perf_counter()
    out = [
        [
            s.text
            for s in summarize(
                documents(it),
                max_sentences=n_sent,
                max_words=n_words,
                algorithm=algorithm,
                previous=it.previous if use_previous else (),
            ).sentences
        ]
        for it in items
    ]
    return out, time.perf_counter() - start


def score_set(
    set_name: str, items: Sequence[Item], algorithm: str, budget: Budget, scorer: Any, *, use_previous: bool = False
) -> Row:
    """Run and score one algorithm on one set."""
    preds, seconds = run_system(items, algorithm, budget, use_previous=use_previous)
    tot = dict.fromkeys(METRICS, 0.0)
    for item, pred in zip(items, preds, strict=True):
        for k, v in rouge(pred, item.references, budget, scorer).items():
            tot[k] += v
    n = max(len(items), 1)
    r1, r2, rl = (round(100 * tot[k] / n, 2) for k in METRICS)
    system = f"{algorithm}+previous" if use_previous else algorithm
    return Row(set_name, system, len(items), r1, r2, rl, round(seconds, 3))


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds per call: wall clock and this process's CPU time (median and 95th percentile).

    CPU time is what one core spends; wall time also counts waiting for a core, which on a busy
    machine can be several times larger.
    """

    wall_median: float
    wall_p95: float
    cpu_median: float
    cpu_p95: float


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank (the value itself, never interpolated)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def latency(fn: Callable[[], object], *, repeats: int = 30, warmup: int = 2) -> Latency:
    """Time ``fn()`` over ``repeats`` runs after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return Latency(statistics.median(wall), p95(wall), statistics.median(cpu), p95(cpu))
