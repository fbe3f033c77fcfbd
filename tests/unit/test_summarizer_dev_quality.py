"""Quality floors on a small slice of the real dev data (skips where ../shared is absent; no timing)."""

from __future__ import annotations

import pytest

from summarizer.evaluate import Budget, Item, Row, make_scorer, score_set
from tests.conftest import shared_path

N_ITEMS = 25  # a slice keeps this quick; the full sets are `newsdigest bench`'s job


def _rows(name: str, budget: Budget) -> dict[str, Row]:
    import json

    pytest.importorskip("rouge_score")
    path = shared_path("data", "dev", f"{name}.jsonl")
    items = []
    with path.open(encoding="utf-8") as f:
        for line in list(f)[:N_ITEMS]:
            o = json.loads(line)
            items.append(Item(o["id"], tuple(o["articles"]), tuple(o["reference"]), o.get("title")))
    scorer = make_scorer()
    return {alg: score_set(name, items, alg, budget, scorer) for alg in ("default", "lead")}


def test_three_sentence_story_summaries_beat_lead_3_on_cnndm() -> None:
    rows = _rows("cnndm_dev", Budget("sentences", 3))
    ours, lead = rows["default"], rows["lead"]
    # Lead-3 is the bar unsupervised systems rarely pass; we must not fall under it on any metric.
    assert ours.rouge1 >= lead.rouge1 + 0.5, (ours, lead)
    assert ours.rouge2 >= lead.rouge2 and ours.rougeLsum >= lead.rougeLsum, (ours, lead)


def test_one_sentence_blurbs_beat_lead_clearly_on_xsum() -> None:
    rows = _rows("xsum_dev", Budget("sentences", 1))
    ours, lead = rows["default"], rows["lead"]
    assert ours.rouge1 >= 19.5 and ours.rouge2 >= 3.3, ours  # the targets, on this slice
    assert ours.rouge1 >= lead.rouge1 + 2.0, (ours, lead)
