"""A digest that reads well: no sentence twice, a story once, a one-story topic said once, a lead budget."""

from __future__ import annotations

from bot.chat.results import Brief, BriefSentence, StoryLine
from bot.delivery.digest_tidy import sentence_key, tidy_sections

SANCTIONS = "The United States on Tuesday imposed sanctions on more than 100 targets and banned Russian gold."
TREASURY = "The Treasury said it designated 70 entities and 29 people critical to Russia's defense industry."
CASUALTIES = "Russian and Ukrainian casualties could reach 2 million by spring, a think tank said on Tuesday."
LONG = " ".join(["word"] * 60) + "."


def _brief(label: str, lead: list[str], stories: list[tuple[int, str]]) -> Brief:
    return Brief(query=label.lower(), label=label, matched_by="topic",
                 lead=tuple(BriefSentence(t, stories[0][0]) for t in lead),
                 stories=tuple(StoryLine(article_id=i, headline=f"Story {i}", blurb=b) for i, b in stories))


def _all_sentences(sections: tuple[Brief, ...]) -> list[str]:
    return [s.text for b in sections for s in b.lead] + [s.blurb for b in sections for s in b.stories if s.blurb]


def test_no_sentence_twice_and_no_story_twice_across_topics() -> None:
    ukraine = _brief("Ukraine", [CASUALTIES, SANCTIONS], [(1, TREASURY), (2, CASUALTIES)])
    russia = _brief("Russia", [SANCTIONS, TREASURY], [(1, TREASURY), (3, SANCTIONS.upper().lower())])
    out = tidy_sections([ukraine, russia])
    sentences = [sentence_key(s) for s in _all_sentences(out)]
    assert len(sentences) == len(set(sentences))
    ids = [s.article_id for b in out for s in b.stories]
    assert sorted(ids) == [1, 2, 3]  # story 1 shown once, under the first topic that had it
    assert out[0].stories[1].blurb == ""  # its blurb was the lead's first sentence


def test_a_one_story_topic_shows_the_lead_not_a_blurb_saying_it_again() -> None:
    (only,) = tidy_sections([_brief("Iran", [SANCTIONS, TREASURY], [(7, TREASURY)])])
    assert [s.text for s in only.lead] == [SANCTIONS, TREASURY]
    assert only.stories[0].blurb == "" and only.stories[0].headline == "Story 7"


def test_a_lead_keeps_to_its_word_budget_but_never_goes_empty() -> None:
    (one,) = tidy_sections([_brief("X", [SANCTIONS, TREASURY, CASUALTIES], [(1, ""), (2, "")])], lead_words=30)
    assert [s.text for s in one.lead] == [SANCTIONS]
    (long,) = tidy_sections([_brief("Y", [LONG, SANCTIONS], [(1, ""), (2, "")])], lead_words=30)
    assert [s.text for s in long.lead] == [LONG]  # a first sentence is kept even when it alone is over


def test_a_topic_left_without_stories_is_dropped() -> None:
    first = _brief("Ukraine", [CASUALTIES], [(1, TREASURY), (2, SANCTIONS)])
    second = _brief("Russia", [TREASURY], [(2, SANCTIONS)])
    out = tidy_sections([first, second])
    assert [b.label for b in out] == ["Ukraine"]
