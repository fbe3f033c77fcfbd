"""HTML bodies, feed dates and legacy encodings: the helpers every format parser shares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ingest.dates import parse_date
from bot.ingest.decode import decode_bytes
from bot.ingest.formats import parse_bytes
from bot.ingest.language import detect_language, language_tag
from bot.ingest.markup import html_to_text, inline_text


def test_html_paragraphs_stay_paragraphs_and_furniture_goes() -> None:
    html = ("<div><p>First &amp; foremost.</p><script>var x = 1;</script><style>p {}</style>"
            "<figure><img src=x><figcaption>A caption. REUTERS/Someone</figcaption></figure>"
            "<p>Second<br>line.</p><div class='wp-caption'><p class='wp-caption-text'>Cap</p></div>"
            "<iframe src='v'>fallback</iframe><noscript>Enable JS</noscript><p>Last one.</p>"
            "<p>The post Foo appeared first on Bar.</p></div>")
    assert html_to_text(html) == "First & foremost.\n\nSecond\nline.\n\nLast one."


def test_double_br_splits_paragraphs_and_blank_lines_in_mixed_exports_too() -> None:
    assert html_to_text("one<br><br>two") == "one\n\ntwo"
    assert html_to_text("Para one with <a href='x'>a link</a>.\n\nPara two.") == "Para one with a link.\n\nPara two."


def test_html_escaped_twice_is_still_read_as_html() -> None:
    assert html_to_text("&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two.&lt;/p&gt;") == "One.\n\nTwo."


def test_titles_lose_tags_but_prose_with_a_less_than_sign_is_untouched() -> None:
    assert inline_text("<b>Bold</b> &amp; <i>italic</i>") == "Bold & italic"
    assert inline_text("Profits < forecasts") == "Profits < forecasts"


@pytest.mark.parametrize(("value", "expected"), [
    ("Fri, 30 Jan 2026 12:00:00 +0100", datetime(2026, 1, 30, 11, 0, tzinfo=UTC)),
    ("Fri, 30 Jan 2026 12:00:00 GMT", datetime(2026, 1, 30, 12, 0, tzinfo=UTC)),
    ("30 Jan 2026 12:00 EST", datetime(2026, 1, 30, 17, 0, tzinfo=UTC)),
    ("2026-01-30T12:00:00+02:00", datetime(2026, 1, 30, 10, 0, tzinfo=UTC)),
    ("2026-01-30T12:00:00Z", datetime(2026, 1, 30, 12, 0, tzinfo=UTC)),
    ("2026-01-30T12:00:00", datetime(2026, 1, 30, 12, 0, tzinfo=UTC)),
    ("20260130T120000+0100", datetime(2026, 1, 30, 11, 0, tzinfo=UTC)),
    ("2026-01-30 12:00:00 UTC", datetime(2026, 1, 30, 12, 0, tzinfo=UTC)),
    ("2026-01-30", datetime(2026, 1, 30, tzinfo=UTC)),
])
def test_feed_and_wire_dates_become_utc(value: str, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["", "soon", "2026-13-45T00:00:00Z", "Friday, the 30th", None, 12345])
def test_unparseable_dates_are_none(value: object) -> None:
    assert parse_date(value) is None


RUSSIAN = ("Украина и Россия договорились о перемирии. Переговоры прошли в Стамбуле, сообщил министр "
           "иностранных дел.\n") * 3
CZECH = "Vláda schválila nový zákon o daních. Předseda řekl, že změny přijdou příští rok.\n" * 3
FRENCH = "Le président a déclaré mercredi que la crise était terminée. Très bien, à côté de chez moi.\n" * 3
GERMAN = "Die Bundesregierung hat neue Maßnahmen beschlossen. Müller äußerte sich über die Größe.\n" * 3


@pytest.mark.parametrize(("text", "encoding"), [
    (RUSSIAN, "cp1251"), (RUSSIAN, "koi8_r"), (CZECH, "cp1250"), (FRENCH, "cp1252"), (GERMAN, "latin-1"),
])
def test_undeclared_legacy_encodings_are_detected(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding)) == text


def test_a_windows_1251_plain_text_dump_is_read_without_mojibake() -> None:
    dump = ("Украина и Россия обменялись пленными\n\n"
            "Украина и Россия в пятницу провели очередной обмен пленными, сообщили официальные представители "
            "обеих сторон.\n\nПо их словам, домой вернулись более ста человек.\n")
    (article,) = parse_bytes(dump.encode("cp1251"), name="dump.txt").articles
    assert article.title == "Украина и Россия обменялись пленными"
    assert article.language == "ru"


def test_language_tags_are_normalised_and_text_is_detected_offline() -> None:
    assert [language_tag(t) for t in ("en-GB", "DE", "nb_NO", "x", None)] == ["en", "de", "nb", None, None]
    assert detect_language("Il governo ha approvato la legge", ("Il presidente ha detto che le modifiche "
                                                               "arriveranno il prossimo anno.",)) == "it"
    assert detect_language("Hi", ()) is None  # too short to say


@pytest.mark.parametrize("text", [
    "plain ascii\nlines\tand tabs\n", "crlf\r\nline\rbreaks\x0bvt\x0cff\x1cfs\n", "nul\x00 and del\x7f\n",
    "esc\x1b[0m\n", "é and ’ are not ascii\n", "mojibake â€™ stays fixed\n", "",
])
def test_plain_ascii_chunks_come_back_as_the_full_normalisation_gives_them(
        text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from bot.ingest import decode

    fast = decode.normalise_chunk(text)
    monkeypatch.setattr(decode, "_ASCII_ODD", re.compile(""))  # matches everything: the full path always runs
    assert fast == decode.normalise_chunk(text)
