"""Dumps written for these tests in the same layout, so the parser is not fitted to one file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.ingest.formats import parse_dump

DUMPS = Path(__file__).resolve().parents[1] / "fixtures" / "dumps"


def test_wire_mix_ap_afp_getty() -> None:
    parsed = parse_dump(DUMPS / "wire-mix-2026-02-03.txt")
    assert parsed.errors == ()
    floods, chips, fires = parsed.articles
    assert floods.title == "Floods Force Thousands From Homes Along the Danube"
    assert chips.title == "Chip Makers Rally After Strong Forecast From Industry Bellwether"
    assert fires.title == "Wildfire Smoke Prompts Health Warnings Across Southern Chile"

    assert floods.credit_line == "AP Photo/Denes Erdos"
    assert chips.credit_line == "Spencer Platt/AFP via Getty Images"
    assert fires.credit_line == "(AP Photo/Esteban Felix)"
    assert (floods.credits, chips.credits, fires.credits) == (("AP",), ("AFP", "Getty Images"), ("AP",))
    assert (floods.caption_date, chips.caption_date, fires.caption_date) == (
        date(2026, 2, 2),
        date(2026, 2, 2),
        date(2026, 1, 31),
    )
    assert fires.caption == "Firefighters battle a forest fire near Valparaiso, Chile, January 31, 2026."

    # Blank-line paragraphs with a sentence-case subheading; single-newline paragraphs with an upper-case one.
    assert [b.text for b in floods.blocks if b.kind == "subheading"] == ["Rail services"]
    assert len(floods.paragraphs) == 6
    assert floods.paragraphs[0].startswith("BUDAPEST, Hungary (AP) — Thousands of people")
    assert [b.text for b in chips.blocks if b.kind == "subheading"] == ["SUPPLY CONCERNS REMAIN"]
    assert len(chips.paragraphs) == 6
    assert len(fires.paragraphs) == 4
    assert not any(a.truncated for a in parsed.articles)
    for article in parsed.articles:
        assert article.caption is not None
        assert all(article.caption not in p and "Photo/" not in p for p in article.paragraphs)


def test_variants_captionless_markerless_and_cut_off() -> None:
    parsed = parse_dump(DUMPS / "variants-2026-02-04.txt")
    assert parsed.errors == ()
    strike, bank, snow = parsed.articles
    assert strike.title == "Port Strike Enters Second Week as Talks Stall"
    assert strike.credits == ("EPA",) and strike.credit_line == "EPA-EFE/OLIVIER HOSLET"
    assert strike.caption_date == date(2026, 2, 3)
    assert len(strike.paragraphs) == 3

    assert bank.title == "Central Bank Holds Rates, Signals Cuts Later in Year"
    assert bank.caption is None and bank.credits == ()
    assert len(bank.paragraphs) == 3

    assert snow.title == "Heavy Snow Closes Alpine Passes"
    assert snow.paragraphs[0].startswith("Several mountain passes")
    assert snow.truncated and not strike.truncated and not bank.truncated


def test_voa_style_file_photo_sign_off_single_caption_and_question_headline() -> None:
    parsed = parse_dump(DUMPS / "voa-style-2026-02-05.txt")
    assert parsed.errors == ()
    power, exports, arctic = parsed.articles
    assert power.caption == (
        "FILE - A man walks along a dark street during a power outage in Kyiv, Ukraine, Nov. 12, 2025."
    )
    assert power.credit_line == "(AP Photo/Efrem Lukatsky, File)"
    assert power.caption_date == date(2025, 11, 12)
    assert power.credits == ("AP", "Reuters")  # photo credit, then the "Some information ... came from" line
    assert power.paragraphs[-1].startswith("European partners have pledged")
    assert [b.text for b in power.blocks if b.kind == "subheading"] == ["What comes next"]

    assert exports.title == "Japan's Exports Rise for Fifth Straight Month on Chip Demand"
    assert exports.credits == ("Reuters",) and exports.caption_date == date(2026, 1, 20)
    assert len(exports.paragraphs) == 6 and exports.paragraphs[0].startswith("Japan's exports rose")

    assert arctic.title == "Will the Arctic Council Survive a New Era of Rivalry?"
    assert arctic.caption is None and arctic.credits == ()
    assert len(arctic.paragraphs) == 4
    assert not any(a.truncated for a in parsed.articles)  # a short but complete last story
