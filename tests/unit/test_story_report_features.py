"""A new report's event features as the run's story cache holds them: words shared between reports are one object."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.story_assignment import NewReport
from summarizer.events import event_features
from summarizer.models import Document


def test_new_reports_share_their_words_and_keep_the_same_features() -> None:
    when = datetime(2026, 11, 30, tzinfo=UTC)
    texts = [("Flood warning in Valencia", ("Heavy rain hit Valencia on Tuesday, officials said.",)),
             ("Valencia rain eases", ("Rain in Valencia eased after officials warned of floods.",))]
    # Built at run time (not literals), as parsed text is: nothing is interned by the compiler.
    reports = [NewReport(i, "".join(list(title)), tuple("".join(list(p)) for p in body), when)
               for i, (title, body) in enumerate(texts, 1)]
    first, second = (r.features() for r in reports)
    shared = first.terms.keys() & second.terms.keys()
    assert "valencia" in shared and "officials" in shared
    for word in shared:
        assert next(w for w in first.terms if w == word) is next(w for w in second.terms if w == word)
    assert next(n for n in first.names if n == "Valencia") is next(n for n in second.names if n == "Valencia")
    for report, got in zip(reports, (first, second), strict=True):  # the same counts, in the same order
        plain = event_features(Document(id=str(report.id), paragraphs=report.paragraphs, title=report.title))
        assert list(got.terms.items()) == list(plain.terms.items()) and got.names == plain.names
