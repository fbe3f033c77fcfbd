"""Offline text handling: paragraphs, sentences, datelines, word tokens, bigrams and a light stemmer.

Nothing here downloads anything: sentence splitting is ``sentencex`` (rule-based, bundled
abbreviation lists) plus our own repair of quotes it would cut in half.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from summarizer.language import ENGLISH, detect_language, language, normalise

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# A sentence splitter may cut after a closing quote that is followed by the attribution
# ("..." he said.), or inside a multi-sentence quote. We rejoin pieces until quotes balance.
_MAX_QUOTE_JOIN = 6


def wordset(spaced: str) -> frozenset[str]:
    """A frozen set of the whitespace-separated words of a literal (for readable word lists)."""
    return frozenset(spaced.split())


STOP_WORDS: frozenset[str] = wordset(
    """a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can can't could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
    herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's me
    more most mustn't my myself no nor not now of off on once only or other ought our ours ourselves out over
    own same say says said shan't she she'd she'll she's should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're they've this those
    through to too under until up upon us very was wasn't we we'd we'll we're we've were weren't what what's
    when when's where where's which while who who's whom why why's will with won't would wouldn't you you'd
    you'll you're you've your yours yourself yourselves one two also told according mr mrs ms may might must
    year years yesterday today week new"""
)


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (incl. non-breaking spaces) to single spaces."""
    return " ".join(text.split())  # str.split() knows Unicode spaces (incl. no-break) and is faster than a regex


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text: every line break ends one; empty lines are dropped."""
    # str.split, not a regex like ``\s*\n\s*``: that one rescans a run of spaces from each of its
    # positions (quadratic on hostile text), and normalize_space strips each line anyway.
    return [p for p in (normalize_space(x) for x in text.split("\n")) if p]


# A wire dateline opening a story ("BRUSSELS, January 22 (Xinhua) --", "YANGON, Myanmar (AP) _",
# "(CNN)"): a marker, not part of the sentence, and never in a summary a person would write.
_DATELINE = re.compile(
    r"^(?:\(CNN\)\s*(?:--\s*)?"
    r"|[A-Z][A-Z.'\- ]{1,40}(?:(?:d'|de |du |la |le |el |van |von )[A-Z][A-Z.'\- ]{1,30})?"  # COEUR d'ALENE
    r"(?:,\s*[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)*(?:\s+\d{1,2})?)?\s*"
    r"(?:\([A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)*\)\s*(?:--|_|—|–|-)|--|_|—|–)\s+)"
    r"(?=[A-Z0-9\"“‘'`])"  # what follows must start a sentence ("NATO -- the alliance" is not a dateline)
)


# What is left of a dateline printed on a line of its own: the separator opening the next line.
_LEFTOVER_SEPARATOR = re.compile(r"^(?:_|--?)\s+(?=[A-Z0-9\"“‘'`])")


def strip_dateline(text: str) -> str:
    """The sentence without a leading wire dateline (unchanged when it has none or is nothing else)."""
    m = _DATELINE.match(text) or _LEFTOVER_SEPARATOR.match(text)
    if not m or m.end() >= len(text):
        return text
    return text[m.end() :]


_CLOSING_APOSTROPHE = re.compile(r"’(?![^\W\d_])")  # ’ followed by a letter is an apostrophe, not a quote
_QUOTE_CHARS = ('"', "“", "‘", "`", "„", "‚", "«", "»")


def _quote_imbalance(text: str, lang: str = ENGLISH) -> int:
    """How many quotes a span opens and leaves open (straight quotes by parity, curly by count).

    Outside English the marks differ (German „...“ or »...«, French «...», Polish „...”), so there
    quotes are counted by kind rather than by direction (see :func:`open_quotes`).
    """
    if not any(mark in text for mark in _QUOTE_CHARS):
        return 0  # the common case, checked cheaply (substring scans run in C)
    straight = text.count('"') % 2
    ascii_pairs = text.count("``") - text.count("''")  # ``newswire style'' (NYT, DUC)
    if lang == ENGLISH:
        curly = text.count("“") - text.count("”")
        # ‘ is almost never an apostrophe; ’ often is, so count only the ’ that close a quote
        # (followed by a space, punctuation or the end rather than a letter).
        single = text.count("‘") - len(_CLOSING_APOSTROPHE.findall(text))
        return straight + max(curly, 0) + max(single, 0) + max(ascii_pairs, 0)
    return straight + open_quotes(text) + max(ascii_pairs, 0)


def open_quotes(text: str) -> int:
    """Unclosed curly quotes in any language's style: double marks („ “ ”) pair up whichever way a
    language turns them, so an odd count is an open quote; guillemets (« ») must match in number;
    single marks (‚ ‘ and a ’ that is not an apostrophe) pair up like double ones."""
    double = (text.count("„") + text.count("“") + text.count("”")) % 2
    guillemets = abs(text.count("«") - text.count("»"))
    if "‘" not in text and "‚" not in text:
        return double + guillemets
    single = (text.count("‚") + text.count("‘") + len(_CLOSING_APOSTROPHE.findall(text))) % 2
    return double + guillemets + single


def _join_open_quotes(pieces: list[str], lang: str = ENGLISH) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(pieces):
        span = pieces[i]
        j = i + 1
        if _quote_imbalance(span, lang):
            # Look ahead for the piece that closes the quote; give up (keep the split) if none does.
            k, acc = j, span
            while k < len(pieces) and k - i <= _MAX_QUOTE_JOIN:
                acc = f"{acc} {pieces[k]}"
                k += 1
                if not _quote_imbalance(acc, lang):
                    span, j = acc, k
                    break
        out.append(span)
        i = j
    return out


# sentencex looks for the close of every open quote to the end of its input: a run of unmatched “ or ‘
# makes it quadratic (40,000 of them: 1.4 s, 100,000: 9 s). Longer paragraphs are segmented in windows
# of this size; a real sentence or quotation is far shorter, so the windows change next to nothing else.
SEGMENT_WINDOW = 10_000


def _segment(paragraph: str, lang: str = ENGLISH) -> list[str]:
    import sentencex  # light (pure-Python rules); imported lazily to keep CLI start-up minimal

    pieces: list[str] = []
    start = 0
    while len(paragraph) - start > SEGMENT_WINDOW:
        window = paragraph[start : start + SEGMENT_WINDOW]
        found = list(sentencex.segment(lang, window))
        if len(found) > 1 and "".join(found) == window:
            # Keep all but the last sentence: the window may have cut it; it opens the next window.
            pieces.extend(found[:-1])
            start += len(window) - len(found[-1])
        else:  # no sentence end in a whole window: not prose; cut at its last space
            cut = window.rfind(" ") + 1 or len(window)
            pieces.append(window[:cut])
            start += cut
    pieces.extend(sentencex.segment(lang, paragraph[start:]))
    # The paragraph is already space-normalised, so its pieces only need trimming.
    return [s for s in (x.strip() for x in pieces) if s]


# German-style ordinals ("am 21. April", "im 19. Jahrhundert") end in a full stop that sentencex may take
# for a sentence end. Where that is the case a piece ends in a one- or two-digit number and a dot.
_ORDINAL_END = re.compile(r"(?:^|\s)\d{1,2}\.$")
_ORDINAL_LANGUAGES = frozenset({"de", "da", "no", "fi", "cs", "pl", "hu", "lt", "tr"})
_MONTHS_AND_UNITS = wordset(
    """januar jänner februar märz april mai juni juli august september oktober november dezember jahrhundert
    jahrestag platz lebensjahr januari februari marts maj juni juli oktober december"""
)


def _join_ordinals(pieces: list[str]) -> list[str]:
    """Rejoin a piece cut after an ordinal number when what follows continues the sentence."""
    out: list[str] = []
    for piece in pieces:
        if out and _ORDINAL_END.search(out[-1]):
            first = piece.split(maxsplit=1)[0].strip(",.;:").lower() if piece.split() else ""
            if piece[:1].islower() or first in _MONTHS_AND_UNITS:
                out[-1] = f"{out[-1]} {piece}"
                continue
        out.append(piece)
    return out


def split_sentences(text: str, lang: str = ENGLISH) -> list[str]:
    """Sentences of a text, in order: paragraphs first (line breaks), then rules within each.

    Abbreviations, initials and decimals do not end a sentence (sentencex rules for ``lang``, an
    ISO 639-1 code); a quotation that spans several sentences stays in one piece so a summary
    never carries half a quote; a wire dateline opening a paragraph is dropped.
    """
    out: list[str] = []
    for para in split_paragraphs(text):
        pieces = _segment(strip_dateline(para), lang)
        if lang in _ORDINAL_LANGUAGES:
            pieces = _join_ordinals(pieces)
        out.extend(_join_open_quotes(pieces, lang))
    return out


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stripper: enough to match plurals and verb forms for ranking."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    for suffix, repl, min_len in _SUFFIXES_BY_LAST.get(w[-1], ()):  # only suffixes ending in this letter
        if suffix == "s" and w[-2] in "siu":
            break  # class, bus, analysis: not plurals
        if w.endswith(suffix) and len(w) - len(suffix) >= min_len:
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # running -> runn -> run
    elif len(w) > 4 and w[-1] == "e":
        w = w[:-1]  # impose / imposed / imposing -> impos
    return w


_SUFFIXES: tuple[tuple[str, str, int], ...] = (
    ("ational", "ate", 3),
    ("ization", "ize", 3),
    ("fulness", "ful", 3),
    ("iveness", "ive", 3),
    ("ements", "", 4),
    ("ement", "", 4),
    ("ments", "", 4),
    ("ment", "", 4),
    ("ness", "", 3),
    ("ings", "", 3),
    ("ing", "", 3),
    ("ies", "y", 2),
    ("ied", "y", 2),
    ("edly", "", 3),
    ("ly", "", 4),
    ("ed", "", 3),
    ("es", "", 4),
    ("s", "", 3),
)
_SUFFIXES_BY_LAST: dict[str, tuple[tuple[str, str, int], ...]] = {
    last: tuple(x for x in _SUFFIXES if x[0][-1] == last) for last in {x[0][-1] for x in _SUFFIXES}
}


def tokens(text: str) -> list[str]:
    """Word tokens (letters first, then letters, digits, apostrophes, hyphens), as written.

    Tokenize once and derive terms and bigrams from the same list.
    """
    return _WORD.findall(text)


def content_terms(text: str, lang: str = ENGLISH) -> list[str]:
    """Lower-cased, stemmed words of a text without stop words: the units of similarity."""
    return terms_of(tokens(text), lang)


def terms_of(toks: Sequence[str], lang: str = ENGLISH) -> list[str]:
    """``content_terms`` of already tokenized text."""
    if lang == ENGLISH:
        return [t for t in map(_term, toks) if t]
    rules = language(lang)
    return [rules.stem(w) for w in (t.lower() for t in toks) if len(w) > 1 and w not in rules.stop_words]


@lru_cache(maxsize=65536)
def _term(word: str) -> str:
    """The stem of a word, or "" for a stop word (cached: this runs on every token).

    A short all-capitals word is an acronym, not a stop word: "US" is the country, not "us".
    """
    if len(word) < 2:
        return ""
    lower = word.lower()
    if word.isupper() and len(word) <= 4:
        return lower
    return "" if lower in STOP_WORDS else stem(lower)


def bigrams(text: str, lang: str = ENGLISH) -> list[str]:
    """Stemmed word bigrams of a text, skipping pairs of two stop words ("of the"): multi-document concepts."""
    return bigrams_of(tokens(text), lang)


def bigrams_of(toks: Sequence[str], lang: str = ENGLISH) -> list[str]:
    """``bigrams`` of already tokenized text."""
    if lang == ENGLISH:
        units = list(map(_unit, toks))
    else:
        rules = language(lang)
        units = [(rules.stem(w), w in rules.stop_words) for w in (t.lower() for t in toks)]
    return [f"{a[0]} {b[0]}" for a, b in pairwise(units) if not (a[1] and b[1])]


@lru_cache(maxsize=65536)
def _unit(word: str) -> tuple[str, bool]:
    """(stem, is a stop word) of one token, for bigrams (cached)."""
    lower = word.lower()
    return stem(lower), lower in STOP_WORDS


def word_count(text: str) -> int:
    """Words as a reader (and a words budget) counts them: whitespace-separated tokens."""
    return len(text.split())


def story_language(text: str, declared: str | None = None) -> str:
    """The language a story's brief follows: the declared one when supported, else detected offline."""
    if declared:
        return normalise(declared)
    return _detected(text)


@lru_cache(maxsize=4096)
def _detected(text: str) -> str:
    """Detection per text, cached: a brief reads each story more than once (lead, then its story line)."""
    return detect_language(text, STOP_WORDS)


def clear_text_caches() -> None:
    """Forget the per-text language detections (word stems stay: they depend on the vocabulary alone)."""
    _detected.cache_clear()
