"""Story language: the item's own tag ("en-GB", "de", "ru") normalised, else detected offline.

Detection uses py3langid, whose model ships inside the package (nothing is downloaded). It is loaded on
first use, once per process.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_MIN_WORDS = 4  # fewer words than this say nothing reliable about the language
_MIN_CONFIDENCE = 0.5
_SAMPLE_CHARS = 600  # enough for a confident guess; detection time grows with the sample


def language_tag(value: object) -> str | None:
    """The ISO 639 code of a language tag ("en-GB" -> "en", "DE" -> "de"); None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _TAG.match(value.strip())
    return match.group(1).lower() if match else None


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier: LanguageIdentifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return identifier


def detect_language(title: str, paragraphs: tuple[str, ...]) -> str | None:
    """The language of a story's text, or None when the text is too short or the guess too unsure."""
    sample = title
    for paragraph in paragraphs:
        if len(sample) >= _SAMPLE_CHARS:
            break
        sample = f"{sample}\n{paragraph}"
    if len(sample.split()) < _MIN_WORDS:
        return None
    code, confidence = _identifier().classify(sample[: _SAMPLE_CHARS * 2])
    return str(code) if confidence >= _MIN_CONFIDENCE else None
