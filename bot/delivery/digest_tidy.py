"""A digest that reads well: no sentence twice, a story once, a one-story topic said once, a length budget.

Each topic's brief is written on its own; only the whole digest can see that the Ukraine lead already
said what the Russia story line would say again. This pass runs over the composed sections in order
(the channel's topic order) and never adds anything: it only drops repeats and trims to the budget.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bot.chat.results import Brief, BriefSentence, StoryLine

LEAD_WORDS = 80  # reader-facing budget of a topic's lead paragraph (about one Slack screen per digest)


def sentence_key(text: str) -> str:
    """Two sentences are the same when they match ignoring case, spacing and closing punctuation."""
    return " ".join(text.lower().split()).rstrip(".!?\"'”’ ")


def _trimmed_lead(lead: Sequence[BriefSentence], seen: set[str], budget: int) -> tuple[BriefSentence, ...]:
    """The lead without sentences told earlier in the digest, cut to ``budget`` words (one sentence at least)."""
    kept: list[BriefSentence] = []
    words = 0
    for sentence in lead:
        key = sentence_key(sentence.text)
        if key in seen:
            continue
        size = len(sentence.text.split())
        if kept and words + size > budget:
            break
        kept.append(sentence)
        words += size
        seen.add(key)
    return tuple(kept)


def _story(story: StoryLine, seen: set[str], *, lead_says_it: bool) -> StoryLine:
    """A story line whose blurb is dropped when the digest already carries that sentence (or the lead tells it)."""
    key = sentence_key(story.blurb) if story.blurb else ""
    if lead_says_it or not key or key in seen:
        return dataclasses.replace(story, blurb="") if story.blurb else story
    seen.add(key)
    return story


def tidy_sections(sections: Sequence[Brief], *, lead_words: int = LEAD_WORDS) -> tuple[Brief, ...]:
    """The sections, in order, with every sentence at most once and every story at most once.

    - a story already shown under an earlier topic is not shown again (its best topic comes first
      when the composer assigned it; otherwise the first topic to show it keeps it);
    - a lead sentence or blurb already in the digest is dropped; a lead keeps at most ``lead_words``
      words (at least one sentence);
    - a topic with one story shows the lead, not a blurb repeating it; a section left without stories
      is dropped.
    """
    seen_sentences: set[str] = set()
    seen_stories: set[int] = set()
    out: list[Brief] = []
    for brief in sections:
        stories = [s for s in brief.stories if s.article_id not in seen_stories]
        if not stories:
            continue
        lead = _trimmed_lead(brief.lead, seen_sentences, lead_words)
        lead_keys = {sentence_key(s.text) for s in lead}
        single = len(stories) == 1 and bool(lead)
        lines = tuple(
            _story(s, seen_sentences, lead_says_it=single or sentence_key(s.blurb) in lead_keys) for s in stories
        )
        for story in stories:
            seen_stories.add(story.article_id)
            seen_stories.update(story.merged_ids)
        out.append(dataclasses.replace(brief, lead=lead, stories=lines))
    return tuple(out)
