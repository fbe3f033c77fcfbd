"""Rules that keep a brief readable on its own: no dangling openers, no half quotes, no fragments."""

from __future__ import annotations

import re

from summarizer.language import ENGLISH, language
from summarizer.text import open_quotes, wordset

# A sentence opening with one of these leans on what came before it ("He said...", "But ...",
# "The report also..."): fine after its antecedent, never as the first line of a brief.
_DANGLING_FIRST_WORDS = wordset(
    """he she it they them his her hers its their theirs him
    but and or so yet also however meanwhile instead still thus hence therefore moreover
    furthermore besides nevertheless nonetheless otherwise likewise similarly additionally
    such both another other others"""
)
# "This/That/These/Those ..." leans on the previous sentence unless it starts a time phrase ("This week ...").
_DEMONSTRATIVE = re.compile(
    r"^(?:this|that|these|those)\b(?!\s+(?:year|week|month|morning|afternoon|evening|weekend|summer|winter|spring|"
    r"autumn|fall|time|season|decade|century|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)",
    re.IGNORECASE,
)
_DANGLING_PHRASES = re.compile(
    r"^(?:in addition|as a result|at the same time|on the other hand|in (?:that|this) case|for (?:his|her|their) part"
    r"|the (?:report|statement|move|decision|comments?|remarks?|announcement|official|spokesman|spokeswoman|"
    r"spokesperson|minister|president|company|group|agency|ministry|source|study) (?:also|added|said|says|"
    r"noted|went on)|(?:he|she|they) (?:added|said|says|told|went on))\b",
    re.IGNORECASE,
)
_DEMONSTRATIVES = wordset("this that these those")
_PHRASE_STARTS = wordset("in as at on for the he she they")
_LEAD_PUNCT = "\"'“‘`([-–— „‚«»"
_WORD = re.compile(r"[^\W\d_]+")
_CLOSING_SINGLE = re.compile(r"’(?![A-Za-z])")
_QUOTE_MARKS = frozenset("\"“‘'`")
_ANY_QUOTE = "\"“”„«»"
_QUOTE_ONLY = re.compile(r"^[\"“‘'][^\"”’]*[\"”’]?[.!?]?[\"”’]?$")
# Page furniture: what starts a line (bylines, "Read more") and what may appear anywhere in it.
_BOILERPLATE_START = re.compile(
    r"(?:by \.|last updated at|scroll down|read more|follow (?:us|@)|share this|image copyright|image caption|"
    r"media playback)",
    re.IGNORECASE,
)
# Spelled-out cases rather than IGNORECASE: this scans every sentence, and the plain search is faster.
_BOILERPLATE_ANYWHERE = re.compile(
    r"(?:[Pp]ublished|PUBLISHED|[Uu]pdated|UPDATED): \d|[Cc]lick here|CLICK HERE|[Cc]opyright \d{4}|COPYRIGHT \d{4}"
    # wire-service notes to editors (NYT News Service copy)
    r"|[Cc]lients of the New York Times|STORY CAN END HERE|OPTIONAL (?:\d\w* TAKE|TRIM|ADD)|END OPTIONAL"
)
# Substrings one of which every _BOILERPLATE_ANYWHERE match contains. An alternation without a common
# first character makes the regex engine try every branch at every position (a third of a 50-article
# brief's CPU); a few substring scans in C rule out nearly every sentence first.
_BOILERPLATE_HINTS = ("ublished: ", "UBLISHED: ", "pdated: ", "PDATED: ", "lick here", "LICK HERE", "opyright ",
                      "OPYRIGHT ", "lients of the New York Times", "STORY CAN END HERE", "OPTIONAL")


def first_word(text: str) -> str:
    """The first word of a sentence, lower-cased, ignoring leading quotes and brackets."""
    m = _WORD.match(text.lstrip(_LEAD_PUNCT))
    return m.group(0).lower() if m else ""


def is_dangling(text: str, lang: str = ENGLISH) -> bool:
    """Does the sentence need a previous one to make sense (pronoun or connective opener)?"""
    stripped = text.lstrip(_LEAD_PUNCT)
    word = first_word(stripped)
    if lang != ENGLISH:
        return word in language(lang).dangling
    if word in _DANGLING_FIRST_WORDS:
        return True
    # The regexes run only for the few first words they can match (this runs on every sentence).
    if word in _DEMONSTRATIVES:
        return bool(_DEMONSTRATIVE.match(stripped))
    return word in _PHRASE_STARTS and bool(_DANGLING_PHRASES.match(stripped))


def is_quote_only(text: str, lang: str = ENGLISH) -> bool:
    """A bare quotation with no attribution: colour, not news, and unclear out of context."""
    text = text.strip()
    if lang != ENGLISH:  # any style of marks: „...“, «...», »...«, “...”
        if text[:1] not in _ANY_QUOTE:
            return False
        last = max(text.rfind(c) for c in _ANY_QUOTE)
        return last > 0 and not text[last + 1 :].strip(".!?,;: ")
    if text.startswith("``"):  # ``newswire style'': quote-only when its first closing mark ends the sentence
        close = text.find("''")
        return close >= 0 and not text[close + 2 :].strip(".!?,;:\"'” ")
    return text[:1] in _QUOTE_MARKS and bool(_QUOTE_ONLY.match(text))


def is_boilerplate(text: str) -> bool:
    """Bylines, timestamps, 'click here' and similar page furniture that is never summary material."""
    if _BOILERPLATE_START.match(text):
        return True
    return any(hint in text for hint in _BOILERPLATE_HINTS) and bool(_BOILERPLATE_ANYWHERE.search(text))


def is_fragment(text: str, *, min_words: int = 5, n_words: int | None = None) -> bool:
    """Too short to be a sentence of a brief (datelines, headings glued into the body)."""
    count = len(text.split()) if n_words is None else n_words
    return count < min_words or not any(c.isalpha() for c in text)


def needs_context(text: str, lang: str = ENGLISH) -> bool:
    """May this sentence not open a brief (a dangling opener or a bare, unattributed quotation)?"""
    return is_dangling(text, lang) or is_quote_only(text, lang)


def has_half_quote(text: str, lang: str = ENGLISH) -> bool:
    """Does the sentence open or close a quotation it does not contain whole (the splitter gave up)?

    A lone ’ is not counted as a closing quote: it is more often an apostrophe ("players’ club"); newswire
    ``quotes'' count as a pair of marks.
    """
    if text.count('"') % 2 or text.count("``") != text.count("''"):
        return True
    if lang != ENGLISH:
        return open_quotes(text) > 0
    if text.count("“") != text.count("”"):
        return True
    return "‘" in text and text.count("‘") > len(_CLOSING_SINGLE.findall(text))


def usable(text: str, *, n_words: int | None = None, lang: str = ENGLISH) -> bool:
    """May this sentence appear in a brief at all? (``n_words``: its word count, if already known)"""
    return not (is_fragment(text, n_words=n_words) or is_boilerplate(text) or has_half_quote(text, lang))
