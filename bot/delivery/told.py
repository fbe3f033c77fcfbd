"""What a channel was already told on a topic: the sentences its last digests posted.

A developing story (a war, a hurricane, an election count) comes back every day with yesterday's facts
restated in its first paragraphs. The digest's briefs are written as updates for a reader who has
what the channel was sent (summarizer ``previous``), so today's digest leads with what is new.

What was sent is recorded on each run (``digest_runs.sentences``, migration 0015): per section (topic)
its lead sentences and every story's headline and blurb, with the article each came from
(:func:`posted_sentences`). A sentence counts on the topic it was posted under. Not on every topic its
article is tagged with: then what a channel was told on a topic would depend on all its other topics,
and channels that follow it could no longer share their briefs' summarizer work in a digest pass (at
1,000 channels that cost about 40% more CPU); a story goes under the same one of the channel's topics
every day while it scores best there. A run from before that migration has no sentences; for it the
headline and first :data:`LEAD_PARAGRAPHS` paragraphs of each story it delivered on the topic stand in
(where a digest's lead and story lines come from).

Bounded: the channel's last :data:`RECENT_RUNS` posted runs, at most :data:`MAX_SENTENCES` sentences (and
:data:`MAX_STORIES` stories of older runs) per topic; a run records at most :data:`RECORDED_SENTENCES`.
Only those runs keep their sentences (:func:`bot.delivery.runs.RunLedger.record_compositions` clears
older ones), so the partial index ``ix_digest_runs_told`` holds a handful of rows per channel and the
read is one index range per channel, whatever its history.
"""

from __future__ import annotations

from collections.abc import Collection, MutableMapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.chat.results import Digest
from bot.store.models import ArticleRow, ArticleTopicRow, DeliveredRow, DigestRunRow

RECENT_RUNS = 3
MAX_SENTENCES = 60
MAX_STORIES = 30
LEAD_PARAGRAPHS = 3
RECORDED_SENTENCES = 200  # a digest of many topics says more; its first ones are its most important
RECORDED_CHARS = 1000  # a sentence longer than this is cut (a feed's paragraph with no full stop)

Said = dict[str, list[tuple[int, str]]]  # per topic (section), (article id, text) as a run posted them


def posted_sentences(digest: Digest) -> Said:
    """What a digest says, as its run records it: per section (topic) the lead's sentences, then each
    story's headline and blurb, each with its article; each text once a section, at most
    RECORDED_SENTENCES in all."""
    said: Said = {}
    count = 0
    for section in digest.sections:
        texts = [(s.article_id, s.text) for s in section.lead]
        for story in section.stories:
            texts += [(story.article_id, story.headline), (story.article_id, story.blurb)]
        kept: dict[str, int] = {}
        for article_id, text in texts:
            text = text.strip()[:RECORDED_CHARS]
            if text and text not in kept and count < RECORDED_SENTENCES:
                kept[text] = article_id
                count += 1
        if kept:
            said.setdefault(section.query, []).extend((a, t) for t, a in kept.items())
    return said


def _lead_text(title: str, blocks: list[Any] | None) -> str:
    paragraphs = [str(b.get("text", "")) for b in blocks or () if isinstance(b, dict) and b.get("kind") != "subheading"]
    return "\n".join([title, *paragraphs[:LEAD_PARAGRAPHS]])


def told_on_topics(session: Session, channel_id: int | None, topics: Collection[str], *,
                   leads: MutableMapping[int, str] | None = None) -> dict[str, tuple[str, ...]]:
    """What the channel's recent digests told it on each of ``topics``, most recent first:
    :func:`told_for_channels` for one channel.

    Empty for a channel with no row yet (nothing was delivered to it). ``leads``: lead texts by article
    id, shared by a digest pass (channels were told the same stories).
    """
    if channel_id is None:
        return {}
    return told_for_channels(session, [channel_id], topics, leads=leads).get(channel_id, {})


def _last_posted(session: Session, channel_ids: Sequence[int], *, recorded: bool,
                 ) -> list[tuple[int, int, int, dict[str, Any] | None]]:
    """(channel, rank, run id, sentences) of each channel's last RECENT_RUNS posted runs, rank 1 the most
    recent: among its runs with sentences (``recorded``, read through ``ix_digest_runs_told``), or all."""
    where = [DigestRunRow.channel_id.in_(channel_ids), DigestRunRow.status == "posted"]
    if recorded:
        where.append(DigestRunRow.sentences.is_not(None))
    numbered = (select(DigestRunRow.id, DigestRunRow.channel_id, func.row_number().over(
        partition_by=DigestRunRow.channel_id, order_by=(DigestRunRow.claimed_at.desc(), DigestRunRow.id.desc()))
        .label("n")).where(*where).subquery())
    stmt = select(numbered.c.channel_id, numbered.c.n, numbered.c.id).where(numbered.c.n <= RECENT_RUNS)
    if not recorded:
        return [(int(c), int(n), int(r), None) for c, n, r in session.execute(stmt)]
    said = stmt.add_columns(DigestRunRow.sentences).join(DigestRunRow, DigestRunRow.id == numbered.c.id)
    rows = session.execute(said)
    return [(int(c), int(n), int(r), s) for c, n, r, s in rows]


def _recent_runs(session: Session, channel_ids: Collection[int]) -> dict[int, list[tuple[int, Said | None]]]:
    """Each channel's last RECENT_RUNS posted runs, most recent first, with what each said (None: a run
    from before migration 0015). One read of the partial index; the runs of channels that have fewer
    runs with sentences (new channels, or runs from before the migration) in one more statement."""
    ids = sorted(set(channel_ids))
    said: dict[int, Said] = {}
    ranked: dict[int, list[tuple[int, int]]] = {}
    for channel_id, n, run_id, sentences in _last_posted(session, ids, recorded=True):
        if isinstance(sentences, dict):  # a list was recorded before they were kept by topic: read as older
            said[run_id] = {str(topic): [(int(a), str(t)) for a, t in texts] for topic, texts in sentences.items()}
        ranked.setdefault(channel_id, []).append((n, run_id))
    short = [c for c in ids if len(ranked.get(c, ())) < RECENT_RUNS]
    if short:  # every posted run of theirs: recorded ones are already above, the others are older
        for channel_id in short:
            ranked.pop(channel_id, None)
        for channel_id, n, run_id, _ in _last_posted(session, short, recorded=False):
            ranked.setdefault(channel_id, []).append((n, run_id))
    return {c: [(r, said.get(r)) for _, r in sorted(runs)] for c, runs in ranked.items()}


def told_for_channels(session: Session, channel_ids: Collection[int], topics: Collection[str], *,
                      leads: MutableMapping[int, str] | None = None,
                      tags: MutableMapping[int, frozenset[str]] | None = None) -> dict[int, dict[str, tuple[str, ...]]]:
    """What each of these channels was told on each of ``topics`` (a digest pass's batch), in one to
    five statements whatever the number of channels.

    Each channel's last RECENT_RUNS posted runs and what they said; for runs from before migration 0015,
    what they delivered (index on ``delivered.run_id``) and the topics of those articles; per channel and
    topic the texts in order, most recent run first: what the run said under the topic (at most
    MAX_SENTENCES in all), or for an older run the leads of its stories on it (newest article first, at
    most MAX_STORIES). ``leads`` and ``tags`` (lead texts, topics by article id) are shared by a pass:
    channels were told the same stories.
    """
    if not channel_ids or not topics:
        return {}
    runs = _recent_runs(session, channel_ids)
    if not runs:
        return {}
    older = sorted(r for rs in runs.values() for r, said in rs if said is None)
    delivered: dict[int, list[int]] = {}
    if older:
        for run_id, article_id in session.execute(select(DeliveredRow.run_id, DeliveredRow.article_id)
                                                  .where(DeliveredRow.run_id.in_(older))):
            delivered.setdefault(int(run_id), []).append(int(article_id))
    tags = _topics(session, {a for ids in delivered.values() for a in ids}, {} if tags is None else tags)
    wanted = set(topics)
    picked = {c: by_topic for c, channel_runs in runs.items()
              if (by_topic := _by_topic(channel_runs, delivered, tags, wanted))}
    texts = _lead_texts(session, {i for by_topic in picked.values() for items in by_topic.values() for i in items
                                  if isinstance(i, int)}, leads)
    return {c: {t: tuple(dict.fromkeys(i if isinstance(i, str) else texts[i] for i in items
                                       if isinstance(i, str) or i in texts))
                for t, items in by_topic.items()}
            for c, by_topic in picked.items()}


def _by_topic(runs: list[tuple[int, Said | None]], delivered: dict[int, list[int]],
              tags: MutableMapping[int, frozenset[str]], wanted: set[str]) -> dict[str, list[str | int]]:
    """One channel's told items per topic, most recent run first: a text a run said under that topic, or
    (an int) a story on it an older run delivered, whose lead stands in; at most MAX_SENTENCES texts and
    MAX_STORIES stories each."""
    by_topic: dict[str, list[str | int]] = {}
    for run_id, said in runs:
        if said is not None:
            for topic in wanted & said.keys():
                items = by_topic.setdefault(topic, [])
                room = MAX_SENTENCES - sum(isinstance(i, str) for i in items)
                items.extend(t for _, t in said[topic][:max(room, 0)])
            continue
        for article_id in sorted(delivered.get(run_id, ()), reverse=True):
            for topic in tags.get(article_id, frozenset()) & wanted:
                items = by_topic.setdefault(topic, [])
                if sum(isinstance(i, int) for i in items) < MAX_STORIES:
                    items.append(article_id)
    return {t: items for t, items in by_topic.items() if items}


def _topics(session: Session, article_ids: Collection[int],
            tags: MutableMapping[int, frozenset[str]]) -> MutableMapping[int, frozenset[str]]:
    """Topics of these articles, read only for those ``tags`` does not have yet (then kept there)."""
    missing = sorted(set(article_ids) - set(tags))
    if missing:
        found: dict[int, set[str]] = {a: set() for a in missing}
        for article_id, topic in session.execute(select(ArticleTopicRow.article_id, ArticleTopicRow.topic)
                                                 .where(ArticleTopicRow.article_id.in_(missing))):
            found[int(article_id)].add(str(topic))
        tags.update((a, frozenset(t)) for a, t in found.items())
    return tags


def _lead_texts(session: Session, article_ids: Collection[int],
                leads: MutableMapping[int, str] | None) -> MutableMapping[int, str]:
    """Lead texts of these articles, read only for those ``leads`` does not have yet (then kept there)."""
    leads = {} if leads is None else leads
    missing = sorted(set(article_ids) - set(leads))
    if missing:
        for article_id, title, blocks in session.execute(
                select(ArticleRow.id, ArticleRow.title, ArticleRow.blocks).where(ArticleRow.id.in_(missing))):
            leads[int(article_id)] = _lead_text(title, blocks)
    return leads
