"""Topic definitions, tagging scores and query resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.settings import ConfigError
from bot.newsroom.topics import DEFAULT_MIN_SCORE, Topic, TopicSet, load_topics, parse_topics, place_stories

REQUIRED = ("ukraine", "russia", "china", "iran", "united-states", "europe", "middle-east", "uk", "economy",
            "energy", "defense", "sanctions")


@pytest.fixture(scope="module")
def topics() -> TopicSet:
    return load_topics()


def test_shipped_file_has_the_newsroom_default_set(topics: TopicSet) -> None:
    assert set(REQUIRED) <= set(topics.names)
    ukraine = topics.get("ukraine")
    assert ukraine is not None and ukraine.label == "Ukraine"
    assert {"Ukrainian", "Kyiv", "Zelenskyy", "Donbas", "Donetsk", "Luhansk", "Zaporizhzhia", "Odesa",
            "Kryvyi Rih"} <= set(ukraine.aliases)


@pytest.mark.parametrize(("text", "expected"), [
    ("Russia's economy", 1),
    ("Ukraine’s army", 0),  # curly possessive of another topic's word
    ("RUSSIA AND russia and Russians", 3),
    ("Russian strikes", 1),
    ("Prussia and Belarussian", 0),  # word boundaries
])
def test_russia_mentions_respect_case_boundaries_plurals_possessives(
        topics: TopicSet, text: str, expected: int) -> None:
    russia = topics.get("russia")
    assert russia is not None
    assert russia.count(text) == expected


def test_possessive_with_curly_apostrophe_counts(topics: TopicSet) -> None:
    ukraine = topics.get("ukraine")
    assert ukraine is not None
    assert ukraine.count("Ukraine’s air force and Ukraine's navy") == 2


def test_uk_never_matches_inside_ukraine_and_acronyms_are_case_sensitive(topics: TopicSet) -> None:
    uk, us = topics.get("uk"), topics.get("united-states")
    assert uk is not None and us is not None
    assert uk.count("Ukraine and Ukrainian forces") == 0
    assert uk.count("China-UK ties") == 1
    assert us.count("He told us about it") == 0
    assert us.count("US sanctions on U.S. firms") == 2


def test_exclusions_never_count(topics: TopicSet) -> None:
    energy = topics.get("energy")
    assert energy is not None
    assert energy.count("Police fired tear gas at protesters") == 0
    assert energy.count("Gas prices rose") == 1


def test_plural_of_y_words() -> None:
    topic = Topic.build("economy", "Economy", ["economy"])
    assert topic.count("Western economies slowed") == 1


def test_title_mention_outweighs_a_passing_body_mention(topics: TopicSet) -> None:
    body = ["Leaders met in Paris to discuss trade.", "They also spoke about climate.", "Talks end on Friday."]
    in_title = topics.tag("Ukraine talks resume", body)
    in_passing = topics.tag("Leaders meet in Paris", [*body[:2], "A Ukrainian delegation was also present."])
    assert in_title.get("ukraine", 0) >= DEFAULT_MIN_SCORE
    assert "ukraine" not in in_passing


def test_a_story_about_a_topic_is_tagged_even_without_a_title_mention(topics: TopicSet) -> None:
    body = ["Kyiv said Russian drones hit Odesa overnight.", "Ukrainian air defences shot down 40 drones.",
            "Zelenskyy called for more air defence."]
    scores = topics.tag("Overnight attack hits port city", body)
    assert scores["ukraine"] > scores.get("russia", 0)


@pytest.mark.parametrize(("query", "name"), [
    ("ukraine", "ukraine"), ("UKRAINE", "ukraine"), ("Ukraine", "ukraine"), ("Kyiv", "ukraine"),
    ("united states", "united-states"), ("United States", "united-states"), ("#china", "china"),
    ("UK", "uk"), ("middle east", "middle-east"),
])
def test_resolve_by_name_label_or_alias(topics: TopicSet, query: str, name: str) -> None:
    found = topics.resolve(query)
    assert found is not None and found.name == name


def test_resolve_unknown_returns_none_and_suggest_offers_close_names(topics: TopicSet) -> None:
    assert topics.resolve("gold") is None
    assert topics.resolve("  ") is None
    assert topics.suggest("ukrain")[0] == "ukraine"
    assert topics.suggest("chna") == ["china"]
    assert topics.suggest("zzzzqqq") == []


def test_parse_rejects_bad_files_with_a_clear_message() -> None:
    with pytest.raises(ConfigError, match=r"no \[topics\.NAME\]"):
        parse_topics({})
    with pytest.raises(ConfigError, match="Bad Name"):
        parse_topics({"topics": {"Bad Name": {"aliases": ["x"]}}})
    with pytest.raises(ConfigError, match="aliases must be a list"):
        parse_topics({"topics": {"x": {"aliases": "oops"}}})
    with pytest.raises(ConfigError, match="unknown key"):
        parse_topics({"topics": {"x": {"alias": ["y"]}}})


def test_config_dir_without_topics_falls_back_to_the_shipped_file(tmp_path: Path) -> None:
    assert "ukraine" in load_topics(tmp_path).names
    (tmp_path / "topics.toml").write_text('[topics.gold]\nlabel = "Gold"\naliases = ["bullion"]\n')
    own = load_topics(tmp_path)
    assert own.names == ("gold",)
    # title 3 + first paragraph 1 + every block 4
    assert own.tag("Gold price record", ["Bullion rallied."]) == {"gold": 8.0}


def test_a_story_goes_under_its_best_topic_unless_it_is_as_much_about_an_empty_one() -> None:
    order = ("ukraine", "russia", "sanctions")
    # The sample's scores: the gold sanctions story is a Russia story (sanctions only 0.83 of it); the
    # CSIS casualty report is as much about Ukraine (0.93), which nothing else would lead.
    sample = {1: {"ukraine": 2.75, "russia": 7.5, "sanctions": 6.25}, 2: {"ukraine": 6.56, "russia": 7.04}}
    assert place_stories(sample, order) == {1: "russia", 2: "ukraine"}
    # Alone under its best topic, a story stays there however close the other one is.
    assert place_stories({2: sample[2]}, order) == {2: "russia"}
    # A clear winner stays even when the runner-up topic is empty.
    assert place_stories({1: sample[1], 2: {"ukraine": 5.0, "russia": 7.04}}, order) == {1: "russia", 2: "russia"}
    # Exact ties go to the topic the channel lists first; topics it does not follow are ignored.
    assert place_stories({3: {"russia": 4.0, "ukraine": 4.0, "china": 9.0}}, order) == {3: "ukraine"}
    # Only one story moves to fill an empty topic: the most evenly split one.
    two = {4: {"russia": 7.0, "ukraine": 6.5}, 5: {"russia": 7.0, "ukraine": 6.9}, 6: {"russia": 8.0}}
    assert place_stories(two, order) == {4: "russia", 5: "ukraine", 6: "russia"}


def test_tagging_rules_out_absent_topics_without_changing_any_score(topics: TopicSet) -> None:
    """tag() skips topics none of whose stems are in the story; on the fixture stories and the sample it
    gives exactly each topic's own score (min_score 0 included, where an absent topic still counts)."""
    import json

    from bot.ingest.formats import parse_bytes
    from tests.conftest import SAMPLE_DUMP

    rows = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "stories" / "events.json")
                      .read_text(encoding="utf-8"))["documents"]
    stories = [(str(r["title"] or ""), [str(p) for p in r["paragraphs"]]) for r in rows]
    stories += [(a.title, [b.text for b in a.blocks])
                for a in parse_bytes(SAMPLE_DUMP.read_bytes(), name=SAMPLE_DUMP.name).articles]
    lenient = TopicSet(tuple(Topic.build(t.name, t.label, t.aliases, t.exclude, 0.0) for t in topics.topics[:3]))
    tagged = 0
    for title, blocks in stories:
        for topic_set in (topics, lenient):
            expected = {t.name: s for t in topic_set.topics if (s := t.score(title, blocks)) >= t.min_score}
            assert topic_set.tag(title, blocks) == expected
        tagged += bool(topics.tag(title, blocks))
    assert 0 < tagged < len(stories)


def test_patterns_are_compiled_at_the_first_count_not_when_topics_load() -> None:
    fresh = load_topics()  # a brief loads the topics only to resolve its query: no pattern is compiled
    ukraine = fresh.resolve("Kyiv")
    assert ukraine is not None and ukraine.name == "ukraine"
    assert not any(t._compiled for t in fresh.topics)
    assert ukraine.count("Ukraine's army and Ukrainians in Kyiv") == 3
    assert ukraine._compiled and ukraine._pattern is not None
    assert not any(t._compiled for t in fresh.topics if t is not ukraine)


@pytest.mark.parametrize("text", [
    "Russia's economy", "Prussia and Belarussian", "a game of Russian roulette", "Russian roulette and Russia",
    "fine china from China", "fine china", "Washington state voters", "Washington-based Washington",
    "US Open in the US", "tear gas", "gas prices", "self-defense and defense budgets", "", "   ",
])
def test_mentions_is_a_count_above_zero(topics: TopicSet, text: str) -> None:
    # Tagging asks only whether a block mentions a topic (the first match); counting must agree.
    for topic in topics.topics:
        assert topic.mentions(text) is (topic.count(text) > 0), (topic.name, text)
        assert topic.mentions(text, text.lower()) is (topic.count(text) > 0), (topic.name, text)
