"""Near-duplicates: a re-sent, revised story is recognised and the newer kept; shared boilerplate is not enough."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from summarizer.near_dup import shingles
from summarizer.stories import NearDuplicateIndex, Version, is_revision, pick_newer
from tests.conftest import SAMPLE_DUMP

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stories" / "events.json"
ROWS = json.loads(FIXTURE.read_text(encoding="utf-8"))["documents"]
TEXTS = {r["id"]: "\n\n".join(r["paragraphs"]) for r in ROWS}


def _casualties_story() -> list[str]:
    """The real CSIS casualties story from the sample dump: body paragraphs up to its first subheading."""
    lines = SAMPLE_DUMP.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("The number of soldiers killed"))
    end = lines.index("A war of attrition")
    return [line for line in lines[start:end] if line.strip()]


ORIGINAL = _casualties_story()
OLD = "\n\n".join(ORIGINAL)
# The re-send a wire would file: one figure corrected, one paragraph added at the end.
CORRECTED = [p.replace("up to 325,000 troop deaths", "up to 335,000 troop deaths") for p in ORIGINAL]
ADDED = "Ukraine's defence ministry said late on Wednesday it would publish its own casualty figures next month."
NEW = "\n\n".join([*CORRECTED, ADDED])
# A background-and-promo paragraph of the kind outlets append to every story on a subject (written for
# this test; the stories it is appended to are real and different).
BOILERPLATE = (
    "Russia launched its full-scale invasion of Ukraine on Feb. 24, 2022. Follow our live coverage of the "
    "war for the latest updates, and sign up for the World Briefing newsletter to get the day's top stories "
    "from Ukraine and around the globe delivered to your inbox every weekday morning."
)


def test_the_resend_really_differs() -> None:
    assert len(ORIGINAL) >= 10
    assert OLD != NEW and "335,000" in NEW and "325,000" not in NEW


def test_a_resend_with_an_added_paragraph_and_a_corrected_figure_is_a_revision() -> None:
    assert is_revision(OLD, NEW)
    index = NearDuplicateIndex()
    index.add("old", OLD)
    for doc_id, text in TEXTS.items():
        index.add(doc_id, text)
    found = index.find(NEW)
    assert found[0] == "old"
    # The sample story's own lead is contained in the re-send too; no other story is.
    assert set(found) == {"old", "sample-war-casualties"}


def test_the_newer_version_is_kept() -> None:
    assert pick_newer(Version("old", OLD), Version("new", NEW)).id == "new"
    stamped_old = Version("old", OLD, published_at=datetime(2026, 1, 28, 9, tzinfo=UTC))
    stamped_new = Version("new", NEW, published_at=datetime(2026, 1, 28, 11, tzinfo=UTC))
    assert pick_newer(stamped_old, stamped_new).id == "new"


def test_a_corrected_sentence_alone_goes_by_publication_time_not_arrival() -> None:
    old = Version("old", OLD, published_at=datetime(2026, 1, 28, 9, tzinfo=UTC))
    fixed = Version("fixed", "\n\n".join(CORRECTED), published_at=datetime(2026, 1, 28, 10, tzinfo=UTC))
    assert is_revision(old.text, fixed.text) and is_revision(fixed.text, old.text)
    assert pick_newer(old, fixed).id == "fixed"
    assert pick_newer(fixed, old).id == "fixed"  # the older copy arrived second: still the newer wins


def test_a_longer_revision_supersedes_a_cut_short_later_copy() -> None:
    short = "\n\n".join(ORIGINAL[:4])
    assert is_revision(short, OLD) and not is_revision(OLD, short)
    assert pick_newer(Version("full", OLD), Version("short", short)).id == "full"
    assert pick_newer(Version("short", short), Version("full", OLD)).id == "full"
    index = NearDuplicateIndex()
    index.add("short", short)
    assert index.find(OLD) == ["short"]  # grew to three times its length: still found


def test_a_truncated_copy_never_wins_over_a_complete_one() -> None:
    full = Version("full", OLD, published_at=datetime(2026, 1, 28, 9, tzinfo=UTC))
    cut = Version("cut", NEW, published_at=datetime(2026, 1, 28, 12, tzinfo=UTC), truncated=True)
    assert pick_newer(full, cut).id == "full"


def test_different_stories_sharing_boilerplate_are_not_duplicates() -> None:
    sanctions = TEXTS["sample-us-gold-sanctions"] + "\n\n" + BOILERPLATE
    casualties = TEXTS["sample-war-casualties"] + "\n\n" + BOILERPLATE
    assert not is_revision(sanctions, casualties) and not is_revision(casualties, sanctions)
    index = NearDuplicateIndex()
    index.add("sanctions", sanctions)
    assert index.find(casualties) == []


# Real near-duplicates the corpus turned out to hold: one Canadian Press story on Trudeau's apology
# stored twice word for word, and three wire stories each carried by two outlets under different
# headlines (the Tijuana border closure, the Canada Post tabloid ban, the B.C. man trapped in his truck).
REAL_PAIRS = [("gd-2-1", "gd-2-2"), ("eb-1-2", "eb-1-3"), ("sk-3-1", "sk-3-2"), ("sk-4-2", "sk-4-3")]
REAL_NEAR_DUPLICATES = {doc_id: sorted(pair) for pair in REAL_PAIRS for doc_id in pair}


def test_the_same_event_from_different_outlets_is_not_a_near_duplicate() -> None:
    """Different words, same facts is group_same_event's job; the index only finds the same text."""
    index = NearDuplicateIndex()
    for doc_id, text in TEXTS.items():
        index.add(doc_id, text)
    assert len(index) == len(TEXTS) >= 100
    for doc_id, text in TEXTS.items():
        assert sorted(index.find(text)) == REAL_NEAR_DUPLICATES.get(doc_id, [doc_id])


def test_one_wire_story_under_two_headlines_is_one_story_and_the_newer_is_kept() -> None:
    first, second = TEXTS["eb-1-2"], TEXTS["eb-1-3"]
    assert first.split("\n\n")[0] != second.split("\n\n")[0]  # the headlines differ
    assert is_revision(first, second) and is_revision(second, first)
    at_nine = Version("eb-1-2", first, published_at=datetime(2018, 11, 25, 9, tzinfo=UTC))
    at_ten = Version("eb-1-3", second, published_at=datetime(2018, 11, 25, 10, tzinfo=UTC))
    assert pick_newer(at_nine, at_ten).id == pick_newer(at_ten, at_nine).id == "eb-1-3"


def test_a_caption_inside_a_story_is_not_a_revision_of_it() -> None:
    caption = "FILE PHOTO: Service members load a shell into a rocket launcher. REUTERS/Stringer"
    assert not is_revision(caption, caption + "\n\n" + OLD)
    assert is_revision(caption, caption)  # an identical re-send of anything is one


def test_remove_and_re_add() -> None:
    index = NearDuplicateIndex()
    index.add("old", OLD)
    assert "old" in index
    index.remove("old")
    index.remove("never-added")
    assert "old" not in index and index.find(NEW) == []
    index.add("x", OLD)
    index.add("x", TEXTS["jg-4-1"])  # re-adding an id replaces its text
    assert index.find(NEW) == [] and index.find(TEXTS["jg-4-1"]) == ["x"]


def test_empty_text_is_never_indexed_nor_matched() -> None:
    index = NearDuplicateIndex()
    index.add("empty", "  ...  ")
    assert len(index) == 0 and index.find("") == []


@pytest.mark.parametrize("text", [OLD, TEXTS["hv-4-1"]])
def test_signatures_are_the_same_in_every_index(text: str) -> None:
    first, second = NearDuplicateIndex(), NearDuplicateIndex()
    for index in (first, second):
        index.add("a", OLD)
        index.add("b", NEW)
        index.add("c", TEXTS["hv-4-1"])
    assert first.find(text) == second.find(text) != []


def test_signatures_are_datasketchs() -> None:
    """The numpy MinHash gives datasketch 2's signatures (affine32, seed 1), so thresholds keep their meaning."""
    from summarizer.near_dup import _permutations, signature

    grams = shingles("Russia launched its full-scale invasion of Ukraine on Feb. 24, 2022, and the war goes on.")
    signed = signature(grams, _permutations())
    # Computed with datasketch 2.0.0: MinHash(num_perm=128, seed=1).update_batch(shingles).hashvalues
    assert len(grams) == 13 and signed.dtype == np.uint32
    assert signed[:6].tolist() == [531183237, 65031916, 176655654, 564840353, 478354820, 9545695]
    assert int(signed.sum(dtype=np.uint64)) == 37689106616


def test_removing_keeps_the_other_rows_findable() -> None:
    index = NearDuplicateIndex()
    ids = sorted(TEXTS)[:6]
    for doc_id in ids:
        index.add(doc_id, TEXTS[doc_id])
    index.remove(ids[0])  # the last row moves into its place
    index.remove("unknown")
    assert len(index) == 5 and ids[0] not in index
    for doc_id in ids[1:]:
        assert doc_id in index and index.find(TEXTS[doc_id])[0] == doc_id
    assert ids[0] not in index.find(TEXTS[ids[0]])
