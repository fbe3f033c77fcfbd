"""Quality floors on the check half of the real dev data (skips where ../shared is absent; no timing).

Weights are chosen on the tune half only (summarizer.evaluate.dev_half); these floors hold on the other half.
"""

from __future__ import annotations

import pytest

from summarizer.evaluate import Budget, Item, Row, dev_half, make_scorer, score_set
from tests.conftest import shared_path


def _rows(name: str, budget: Budget) -> dict[str, Row]:
    import json

    pytest.importorskip("rouge_score")
    path = shared_path("data", "dev", f"{name}.jsonl")
    items = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            if dev_half(str(o["id"])) != "check":
                continue
            items.append(Item(o["id"], tuple(o["articles"]), tuple(o["reference"]), o.get("title")))
    scorer = make_scorer()
    return {alg: score_set(name, items, alg, budget, scorer) for alg in ("default", "lead")}


def test_three_sentence_story_summaries_beat_lead_3_on_cnndm() -> None:
    rows = _rows("cnndm_dev", Budget("sentences", 3))
    ours, lead = rows["default"], rows["lead"]
    # Lead-3 is the bar unsupervised systems rarely pass; we must not fall under it on any metric
    # (the lead-anchored default skips bylines, furniture, repeats and dangling openers).
    assert ours.rouge1 >= lead.rouge1 + 0.5, (ours, lead)
    assert ours.rouge2 >= lead.rouge2 and ours.rougeLsum >= lead.rougeLsum, (ours, lead)


def test_one_sentence_blurbs_beat_lead_clearly_on_xsum() -> None:
    rows = _rows("xsum_dev", Budget("sentences", 1))
    ours, lead = rows["default"], rows["lead"]
    assert ours.rouge1 >= 19.0 and ours.rouge2 >= 3.3, ours  # near the targets (19.5 / 3.3) on this half
    assert ours.rouge1 >= lead.rouge1 + 2.0, (ours, lead)


def test_hundred_word_cluster_summaries_beat_lead_on_duc2006() -> None:
    # 25 newswire articles per cluster, 100 words as on DUC 2004; the references are 250-word
    # query-focused summaries, so absolute scores sit lower than on generic clusters.
    rows = _rows("duc2006_dev", Budget("words", 100))
    ours, lead = rows["default"], rows["lead"]
    # check half: 33.04 / 9.30 with the picked sentences' asides trimmed and their words spent again
    # (32.82 / 9.29 before, 32.44 / 9.21 before the flatter multi-document position prior)
    assert ours.rouge1 >= 32.9 and ours.rouge2 >= 9.25, ours
    assert ours.rouge1 >= lead.rouge1 + 5.0 and ours.rouge2 >= lead.rouge2 + 3.0, (ours, lead)
