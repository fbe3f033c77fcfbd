"""Briefs over the ingested sample, on SQLite and PostgreSQL: topic briefs, full-text fallback, suggestions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import load_settings
from bot.chat.results import Brief
from bot.ingest.service import ingest_paths
from bot.newsroom.briefs import build_brief
from tests.conftest import SAMPLE_DUMP

SAMPLE_TEXT = SAMPLE_DUMP.read_text(encoding="utf-8")
# Caption lines (the ones repeated before and after "TT") and credit forms in the sample.
CAPTIONS = sorted({line for line in SAMPLE_TEXT.splitlines() if SAMPLE_TEXT.count(line) >= 4 and len(line) > 40})
CREDIT_RE = re.compile(r"REUTERS/|via REUTERS|EPA/|\(Reuters\)|File Photo")


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(load_settings(), database_url=db_url)
    ingest_paths(application, [SAMPLE_DUMP])
    yield application
    application.close()


def brief_texts(brief: Brief) -> list[str]:
    return [s.text for s in brief.lead] + [s.blurb for s in brief.stories]


def assert_clean(brief: Brief) -> None:
    assert len(CAPTIONS) == 4  # one caption per story; the test would be vacuous otherwise
    headlines = {line for line in SAMPLE_TEXT.splitlines() if SAMPLE_TEXT.count(line) == 2}
    for text in brief_texts(brief):
        assert text.strip() != "TT" and not re.search(r"(^|\s)TT(\s|$)", text), text
        assert not CREDIT_RE.search(text), text
        assert not any(text in caption or caption in text for caption in CAPTIONS), text
        assert text not in headlines, text


def test_ukraine_brief_leads_with_the_csis_estimate(app: App) -> None:
    brief = build_brief(app, "ukraine")
    assert brief.matched_by == "topic" and brief.label == "Ukraine"
    assert "Combined War Casualties" in brief.stories[0].headline
    assert 2 <= len(brief.lead) <= 4
    lead = " ".join(s.text for s in brief.lead)
    assert "CSIS" in lead or "Center for Strategic and International Studies" in lead
    assert "2 million" in lead or "1.2 million" in lead  # the estimate itself, not just the name
    assert all(s.article_id == brief.stories[0].article_id for s in brief.lead[:2])  # top story leads
    story_ids = {s.article_id for s in brief.stories}
    assert {s.article_id for s in brief.lead} <= story_ids  # every sentence traceable to a listed story
    assert all(s.blurb for s in brief.stories)
    assert not {s.blurb for s in brief.stories} & {s.text for s in brief.lead}  # no sentence said twice
    assert brief.stories[0].credits  # the parser's normalised agency
    assert_clean(brief)


@pytest.mark.parametrize("query", ["russia", "china", "uk", "iran", "sanctions", "Kyiv", "United States"])
def test_every_topic_brief_is_free_of_captions_credits_and_markers(app: App, query: str) -> None:
    brief = build_brief(app, query)
    assert brief.matched_by == "topic" and brief.stories
    assert_clean(brief)


def test_a_word_that_is_no_topic_falls_back_to_full_text(app: App) -> None:
    brief = build_brief(app, "gold")
    assert brief.matched_by == "fulltext" and brief.label == "“gold”"
    assert "Russian Gold Imports" in brief.stories[0].headline
    assert brief.lead and all(s.article_id == brief.stories[0].article_id for s in brief.lead)


def test_nothing_found_suggests_topics(app: App) -> None:
    brief = build_brief(app, "ukrane")
    assert brief.empty and brief.matched_by == "none" and "ukraine" in brief.suggestions


def test_since_and_article_ids_narrow_the_brief(app: App) -> None:
    later = build_brief(app, "ukraine", since=datetime.now(UTC) + timedelta(minutes=5))
    assert later.empty and later.matched_by == "topic"
    everything = build_brief(app, "russia")
    only = build_brief(app, "russia", article_ids=[everything.stories[-1].article_id])
    assert [s.article_id for s in only.stories] == [everything.stories[-1].article_id]


def test_limit_caps_stories_and_counts_the_rest(app: App) -> None:
    full = build_brief(app, "russia")
    capped = build_brief(app, "russia", limit=1)
    assert len(full.stories) == 2 and full.more == 0
    assert len(capped.stories) == 1 and capped.more == 1
    assert capped.stories[0] == full.stories[0] or capped.stories[0].article_id == full.stories[0].article_id
    with pytest.raises(ValueError):
        build_brief(app, "russia", limit=0)


def test_two_reports_of_one_event_become_one_story_line(app: App, tmp_path: Path) -> None:
    other = {
        "title": "EU set to list Iran's Revolutionary Guards as terrorist organisation",
        "body": "European Union foreign ministers are set on Thursday to designate Iran's Revolutionary Guards a "
                "terrorist organisation, EU foreign policy chief Kaja Kallas said, after Tehran's deadly "
                "crackdown on mass protests.\n\nThe decision by the 27 EU ministers meeting in Brussels requires "
                "unanimity. France had previously hesitated but dropped its objections, diplomats said.",
        "url": "https://example.org/irgc",
    }
    dump = tmp_path / "afp.jsonl"
    dump.write_text(json.dumps(other) + "\n", encoding="utf-8")
    (new_id,) = ingest_paths(app, [dump]).article_ids
    brief = build_brief(app, "iran")
    (story,) = brief.stories  # the sample's Kallas story and this report: one event
    assert len(story.merged_ids) == 1 and new_id in {story.article_id, *story.merged_ids}
    assert "Kallas" in " ".join(s.text for s in brief.lead) and story.url == "https://example.org/irgc"
    assert "EPA" in story.credits  # credits of every merged report
