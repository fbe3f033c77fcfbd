"""Sentence ranking and selection: our default, lead, and sumy's algorithms behind one function."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from summarizer.facts import facts
from summarizer.models import Document, Sentence, Summary
from summarizer.sumy_backend import SUMY_ALGORITHMS, sumy_pick
from summarizer.text import clear_text_caches, split_sentences, story_language, word_count
from summarizer.update import Known

ALGORITHMS: tuple[str, ...] = ("default", "lead", *SUMY_ALGORITHMS)
DEFAULT_SENTENCES = 3


def item_documents(
    item_id: str, articles: Sequence[str], title: str | None = None, *, language: str | None = None
) -> list[Document]:
    """The summarize contract's item as documents: ids ``<item>#<n>``, the title only for a single article."""
    single = len(articles) == 1
    return [Document(id=f"{item_id}#{i}", paragraphs=(text,), title=title if single else None, language=language)
            for i, text in enumerate(articles)]


# Documents whose sentences are remembered: a brief splits each story once for its lead paragraph,
# its story line and any alternative line (a Document is immutable, so its sentences cannot go stale).
DOCUMENT_CACHE_SIZE = 1024


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def document_sentences(doc: Document) -> tuple[Sentence, ...]:
    """Every sentence of a document, numbered in reading order, tagged with its paragraph and language.

    The language is the document's own when given, else detected from its first paragraphs. Cached per
    document (see :func:`clear_caches`).
    """
    out: list[Sentence] = []
    lang = story_language(" ".join(doc.paragraphs[:8])[:4000], doc.language)
    for p_index, paragraph in enumerate(doc.paragraphs):
        for text in split_sentences(paragraph, lang):
            out.append(Sentence(text=text, doc_id=doc.id, position=len(out), paragraph=p_index, language=lang))
    return tuple(out)


def clear_caches() -> None:
    """Forget every per-text result: documents' sentences, sentences' facts, detected languages.

    Nothing depends on them being warm; the benchmark clears them to time a brief of unseen stories.
    """
    document_sentences.cache_clear()
    facts.cache_clear()
    clear_text_caches()


def _budget(max_sentences: int | None, max_words: int | None) -> tuple[int | None, int | None]:
    if max_sentences is not None and max_sentences < 1:
        raise ValueError("max_sentences must be at least 1")
    if max_words is not None and max_words < 1:
        raise ValueError("max_words must be at least 1")
    if max_sentences is None and max_words is None:
        return DEFAULT_SENTENCES, None
    return max_sentences, max_words


def _fits(picked: Sequence[Sentence], max_sentences: int | None, max_words: int | None) -> bool:
    """Is there room for one more sentence? A words budget is filled up to (just past) its size."""
    if max_sentences is not None and len(picked) >= max_sentences:
        return False
    return not (max_words is not None and sum(word_count(s.text) for s in picked) >= max_words)


def reading_order(picked: Sequence[Sentence], doc_order: Sequence[str]) -> list[Sentence]:
    """Group by document (input order), then by position within each: the order that reads naturally."""
    rank = {doc_id: i for i, doc_id in enumerate(doc_order)}
    return sorted(picked, key=lambda s: (rank.get(s.doc_id, len(rank)), s.position))


def _lead(per_doc: Sequence[Sequence[Sentence]], max_sentences: int | None, max_words: int | None) -> list[Sentence]:
    """First sentences, round-robin over documents (first of each, then second of each...)."""
    picked: list[Sentence] = []
    seen: set[str] = set()
    depth = 0
    while any(depth < len(s) for s in per_doc):
        for sents in per_doc:
            if depth < len(sents) and _fits(picked, max_sentences, max_words) and _new(sents[depth], seen):
                picked.append(sents[depth])
        depth += 1
    return picked


def _new(sentence: Sentence, seen: set[str]) -> bool:
    """False for a sentence whose text was already taken (wires often carry the same sentence)."""
    key = " ".join(sentence.text.lower().split())
    if key in seen:
        return False
    seen.add(key)
    return True


def summarize(
    docs: Sequence[Document],
    *,
    max_sentences: int | None = None,
    max_words: int | None = None,
    algorithm: str = "default",
    query: str | None = None,
    previous: Sequence[str] | Known = (),
) -> Summary:
    """Sentences from ``docs``, at most ``max_sentences`` or about ``max_words`` words, in reading order.

    One document gives a single-document summary, several a multi-document one; under ``max_words`` the
    default's multi-document sentences lose their asides (parentheticals, weekdays, a closing attribution:
    ``summarizer.trim``), else sentences are whole. ``query`` biases the default algorithm toward
    sentences about a topic. ``previous``: texts the reader already has (earlier digests, stories
    already sent): the default algorithm favours what they do not say and
    never repeats a sentence of them (update summarization); other algorithms ignore it. Pass a
    :func:`summarizer.update.reader_knows` result to prepare them once for many calls. Each sentence
    keeps its document id.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; expected one of {', '.join(ALGORITHMS)}")
    n_sent, n_words = _budget(max_sentences, max_words)
    per_doc = [document_sentences(d) for d in docs]
    doc_order = [d.id for d in docs]
    if algorithm == "lead":
        return Summary(tuple(_lead(per_doc, n_sent, n_words)))
    if algorithm in SUMY_ALGORITHMS:
        return Summary(tuple(_sumy(per_doc, docs, algorithm, n_sent, n_words)))
    from summarizer.select import pick_default  # numpy-backed: imported only when ranking runs
    from summarizer.update import known_from, main_language

    known = None
    if isinstance(previous, Known):
        known = None if previous.empty else previous
    elif previous:
        known = known_from(previous, main_language([s for group in per_doc for s in group]))
    picked = pick_default(per_doc, docs, max_sentences=n_sent, max_words=n_words, query=query, known=known)
    return Summary(tuple(reading_order(picked, doc_order)))


def _sumy(
    per_doc: Sequence[Sequence[Sentence]],
    docs: Sequence[Document],
    algorithm: str,
    max_sentences: int | None,
    max_words: int | None,
) -> list[Sentence]:
    # Paragraph structure as sumy sees it: one paragraph per document paragraph.
    groups: list[list[Sentence]] = []
    for sents in per_doc:
        by_para: dict[int, list[Sentence]] = {}
        for s in sents:
            by_para.setdefault(s.paragraph, []).append(s)
        groups.extend(by_para.values())
    total = sum(len(s) for s in per_doc)
    # A words budget: ask for enough sentences, then keep them in order until it is filled.
    count = max_sentences if max_sentences is not None else min(total, max(1, (max_words or 0) // 12 + 2))
    picked = sumy_pick(groups, algorithm, count)
    out: list[Sentence] = []
    seen: set[str] = set()
    for s in reading_order(picked, [d.id for d in docs]):
        if not _fits(out, max_sentences, max_words):
            break
        if _new(s, seen):
            out.append(s)
    return out


def blurb(doc: Document, *, previous: Sequence[str] | Known = ()) -> Sentence | None:
    """The best single sentence of one document, for a story line (None if it has no usable sentence).

    ``previous``: what the reader already has (see :func:`summarize`); None when the story only repeats it.
    """
    # the blurb regime: centrality first, never a dangling opener
    summary = summarize([doc], max_sentences=1, previous=previous)
    return summary.sentences[0] if summary.sentences else None
