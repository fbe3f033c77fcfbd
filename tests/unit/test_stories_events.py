"""group_same_event on real reports: one event from several outlets is one story, same-topic events are not."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pytest

from summarizer.events import (
    document_frequencies,
    event_features,
    idf_weights,
    similarity_bound,
    similarity_to,
    unit_vector,
)
from summarizer.models import Document
from summarizer.stories import DEFAULT_EVENT_THRESHOLD, event_similarity, group_same_event
from tests.conftest import shared_path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stories" / "events.json"


def _load(which: str) -> tuple[list[Document], dict[str, str]]:
    rows = [r for r in json.loads(FIXTURE.read_text(encoding="utf-8"))["documents"] if which in ("all", r["set"])]
    docs = [Document(id=r["id"], paragraphs=tuple(r["paragraphs"]), title=r["title"]) for r in rows]
    return docs, {r["id"]: r["event"] for r in rows}


# "tuning": the set the threshold was chosen on, pinned report by report below. "held-out": a second
# set, looked at only after the threshold was fixed, held to overall precision and recall floors.
DOCS, EVENT = _load("tuning")
ALL_DOCS, ALL_EVENTS = _load("all")
BY_EVENT: dict[str, list[str]] = defaultdict(list)
for _doc_id, _event in EVENT.items():
    BY_EVENT[_event].append(_doc_id)
MULTI_REPORT_EVENTS = sorted(e for e, ids in BY_EVENT.items() if len(ids) > 1)


@pytest.fixture(scope="module")
def groups() -> list[list[str]]:
    return group_same_event(DOCS)


def _group_of(groups: list[list[str]], doc_id: str) -> list[str]:
    return next(g for g in groups if doc_id in g)


def test_fixture_has_several_multi_report_events_and_same_topic_distractors() -> None:
    assert len(MULTI_REPORT_EVENTS) >= 8
    assert len(DOCS) == len(EVENT) >= 30
    assert len(ALL_DOCS) == len(ALL_EVENTS) >= 100


def _pair_precision_recall(groups: list[list[str]], events: dict[str, str]) -> tuple[float, float]:
    """Over all pairs of labelled reports: share of merged pairs that are one event, and of one-event pairs merged."""
    label = {i: n for n, g in enumerate(groups) for i in g}
    ids = sorted(events)
    same = {(a, b) for a, b in combinations(ids, 2) if events[a] == events[b]}
    merged = {(a, b) for a, b in combinations(ids, 2) if label[a] == label[b]}
    return len(same & merged) / len(merged), len(same & merged) / len(same)


def test_held_out_reports_precision_and_recall_floors() -> None:
    """Measured when the threshold was fixed: P 0.95 / R 0.76 held-out alone, P 0.94 / R 0.79 pooled."""
    held_out = {i: e for i, e in ALL_EVENTS.items() if i not in EVENT}
    precision, recall = _pair_precision_recall(group_same_event([d for d in ALL_DOCS if d.id in held_out]), held_out)
    assert precision >= 0.9 and recall >= 0.7
    precision, recall = _pair_precision_recall(group_same_event(ALL_DOCS), ALL_EVENTS)
    assert precision >= 0.9 and recall >= 0.75


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("north-korea-icbm-2017", "north-korea-tactical-weapon-test-2018"),
        ("tijuana-tear-gas-border-closed", "paris-fuel-protests"),  # both: police fire tear gas
        ("canada-post-strike-senate", "canada-post-tabloid-ban"),
        ("chombo-charged", "mugabe-resigns"),
        ("camp-fire-contained", "finland-raking"),
    ],
)
def test_held_out_same_topic_events_stay_apart(first: str, second: str) -> None:
    for group in group_same_event(ALL_DOCS):
        assert not {first, second} <= {ALL_EVENTS[i] for i in group}, group


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(
            e,
            marks=pytest.mark.xfail(
                strict=True, reason="known miss: jg-2-3 opens as a feature ('a ringside seat') sharing few lead words"
            ),
        )
        if e == "apep-star-system"
        else e
        for e in MULTI_REPORT_EVENTS
    ],
)
def test_reports_of_one_event_end_up_in_one_group(groups: list[list[str]], event: str) -> None:
    assert set(BY_EVENT[event]) <= set(_group_of(groups, BY_EVENT[event][0]))


def test_apep_reports_with_a_shared_lead_still_merge(groups: list[list[str]]) -> None:
    """The two news-style Apep reports (8,000 light-years, binary star, gamma-ray burst) do merge."""
    assert {"jg-2-1", "jg-2-2"} <= set(_group_of(groups, "jg-2-1"))


SAME_TOPIC_DIFFERENT_EVENTS = [
    ("jolie-ovaries-removed", "angelina-effect-study"),  # March 2015 surgery vs November 2015 clinic study
    ("jolie-ovaries-removed", "jolie-pitt-today-interview"),
    ("angelina-effect-study", "jolie-pitt-today-interview"),
    ("juul-pulls-flavored-pods", "fda-flavored-ecig-ban-plan"),
    ("mac-miller-coroner", "mac-miller-last-week"),
    ("finland-raking", "camp-fire-missing"),
    ("apep-star-system", "abell-1033-enterprise"),
    ("us-sanctions-russian-gold", "csis-war-casualties-report"),  # two Ukraine-war stories, one day
    ("facebook-allan-testimony", "uk-seizes-facebook-documents"),
    ("facebook-allan-testimony", "facebook-appeals-ico-fine"),
    pytest.param(
        "uk-seizes-facebook-documents",
        "facebook-appeals-ico-fine",
        marks=pytest.mark.xfail(
            strict=True, reason="known merge: both short UK/Facebook/Cambridge Analytica leads, cosine 0.27"
        ),
    ),
]


@pytest.mark.parametrize(("first", "second"), SAME_TOPIC_DIFFERENT_EVENTS)
def test_different_events_on_one_topic_stay_apart(groups: list[list[str]], first: str, second: str) -> None:
    for group in groups:
        events = {EVENT[i] for i in group}
        assert not {first, second} <= events, group


def test_no_group_mixes_events_apart_from_the_known_facebook_pair(groups: list[list[str]]) -> None:
    mixed = [g for g in groups if len({EVENT[i] for i in g}) > 1]
    assert [sorted(g) for g in mixed] == [["bt-2-2", "bt-2-3"]]


def test_groups_follow_first_member_order_and_members_input_order(groups: list[list[str]]) -> None:
    position = {d.id: i for i, d in enumerate(DOCS)}
    firsts = [position[g[0]] for g in groups]
    assert firsts == sorted(firsts)
    for group in groups:
        assert [position[i] for i in group] == sorted(position[i] for i in group)
    assert sorted(i for g in groups for i in g) == sorted(position)  # every id exactly once


def test_reversed_input_gives_the_same_partition(groups: list[list[str]]) -> None:
    reversed_groups = group_same_event(list(reversed(DOCS)))
    assert sorted(map(sorted, reversed_groups)) == sorted(map(sorted, groups))
    assert reversed_groups[0][0] == DOCS[-1].id


def test_repeated_calls_are_identical() -> None:
    assert group_same_event(DOCS) == group_same_event(DOCS)


def test_a_bridging_story_does_not_chain_two_events_together() -> None:
    """A story mixing the Apple and Juul leads is close to both; Apple and Juul must still not merge."""
    apple, juul = (next(d for d in DOCS if d.id == i) for i in ("jg-4-2", "bt-4-4"))
    bridge = Document(
        id="bridge", paragraphs=(apple.paragraphs[0], juul.paragraphs[0], apple.paragraphs[1], juul.paragraphs[1])
    )
    sims = event_similarity([apple, bridge, juul])
    assert sims[0, 1] > DEFAULT_EVENT_THRESHOLD and sims[1, 2] > DEFAULT_EVENT_THRESHOLD  # a chain exists
    assert not any({"jg-4-2", "bt-4-4"} <= set(g) for g in group_same_event([apple, bridge, juul]))


def test_two_reports_alone_still_merge() -> None:
    """A quiet day: the same pair merges without a crowd of other stories to learn word weights from."""
    pair = [d for d in DOCS if d.id in ("jg-4-1", "jg-4-3")]
    assert group_same_event(pair) == [["jg-4-1", "jg-4-3"]]


def test_threshold_trades_merging_for_splitting() -> None:
    strict = group_same_event(DOCS, threshold=0.9)
    loose = group_same_event(DOCS, threshold=0.1)
    default = group_same_event(DOCS)
    assert len(strict) == len(DOCS)
    assert len(loose) < len(default) < len(strict)


def test_edge_inputs() -> None:
    assert group_same_event([]) == []
    one = Document(id="x", paragraphs=("Only one story today.",))
    assert group_same_event([one]) == [["x"]]
    blank = [Document(id="a", paragraphs=("",)), Document(id="b", paragraphs=("the and of",))]
    assert group_same_event(blank) == [["a"], ["b"]]


def test_unrelated_real_articles_join_no_event_and_change_no_group(groups: list[list[str]]) -> None:
    """About 150 CNN/DailyMail and BBC dev articles mixed in: the tuning set's grouping is unchanged."""
    background: list[Document] = []
    for name in ("cnndm_dev.jsonl", "xsum_dev.jsonl"):
        path = shared_path("data", "dev", name)
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sentences = re.split(r"(?<=[.!?])\s+", row["articles"][0])[:6]
            paragraphs = tuple(" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2))
            background.append(Document(id=row["id"], paragraphs=paragraphs))
    mixed = group_same_event(background + DOCS)
    ours = [[i for i in g if i in EVENT] for g in mixed]
    assert sorted(map(sorted, filter(None, ours))) == sorted(map(sorted, groups))
    assert all(len(o) in (0, len(g)) for o, g in zip(ours, mixed, strict=True))


def test_one_row_from_unit_vectors_equals_the_matrix() -> None:
    """Story assignment compares a new report with its candidates one pair at a time (similarity_to);
    every pair must score what the matrix (batch clustering) gives it."""
    from summarizer.events import (
        document_frequencies,
        event_features,
        idf_weights,
        similarity_matrix,
        similarity_to,
        unit_vector,
    )

    features = [event_features(d) for d in ALL_DOCS]
    idf = idf_weights(document_frequencies(features), len(features))
    matrix = similarity_matrix(features, idf)
    vectors = [unit_vector(f, idf) for f in features]
    for i in range(len(features)):
        for j in range(len(features)):
            if i != j:
                assert similarity_to(features[i], vectors[i], features[j], vectors[j]) == pytest.approx(
                    matrix[i, j], abs=1e-12)
    assert (matrix > DEFAULT_EVENT_THRESHOLD).sum() > len(features)  # some pairs really are similar


def test_the_similarity_bound_is_never_below_the_similarity() -> None:
    """similarity_bound lets assignment skip candidates: it must bound every pair's similarity from above,
    and still skip most pairs of different events (else it saves nothing)."""
    docs = ALL_DOCS
    features = [event_features(d) for d in docs]
    idf = idf_weights(document_frequencies(features), len(features))
    vectors = [unit_vector(f, idf) for f in features]
    skipped = 0
    for i, j in combinations(range(len(docs)), 2):
        for a, b in ((i, j), (j, i)):
            bound = similarity_bound(vectors[a], features[b])
            assert bound >= similarity_to(features[a], vectors[a], features[b], vectors[b]) - 1e-12
            skipped += bound <= DEFAULT_EVENT_THRESHOLD
    assert skipped > len(docs) * (len(docs) - 1) // 2
