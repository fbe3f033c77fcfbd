"""Trimming the picked sentences of a multi-article brief under a words budget, so it says more in them.

Only asides go: a short parenthetical ("(UNHCR)", "(AP)"), a weekday ("said Tuesday", "on Monday night":
a brief is read days later, where "Tuesday" misleads), a closing attribution (", officials said.", ",
according to the ministry.": the human summaries of DUC drop them too) and a connective that leans on a
sentence the brief left out ("However, ..."). An attribution that opens a sentence or sits in a quotation
stays. The words saved let the budget take more of the story (see :func:`summarizer.select.pick_default`).
English rules only; other languages' sentences are kept as written.
"""

from __future__ import annotations

import re

from summarizer.language import ENGLISH
from summarizer.text import word_count

_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WHEN = rf"(?:on\s)?(?:late\s|early\s)?{_DAYS}(?:\s(?:night|morning|afternoon|evening))?(?!'s)"
# Each rule: a pattern and what stands in its place. Weekdays only after a word ("opened Tuesday with"),
# never opening the sentence, never a possessive ("Tuesday's vote" names the vote); a weekday between
# commas takes both with it.
_RULES = (
    (re.compile(r"\s\([^()]{1,80}\)"), ""),
    (re.compile(rf"(?<=\w)(?<!\b[Oo]n)(?:,\s{_WHEN},(?=\s)|\s{_WHEN}(?=[\s,.;]))"), ""),
    # ", officials said." / ", the ministry reported Monday." / ", according to X." closing the sentence,
    # when the clause holds no quotation mark or comma (so never the speaker of a quote).
    (re.compile(r",\s(?:according to [^,\"'`]{2,70}|[^,\"'`]{2,70}?\s(?:said|says|reported|announced|added)"
                r"(?:\s[^,\"'`\s]+){0,3})\.$"), "."),
    (re.compile(r"^(?:However|Meanwhile|In addition|Also|But|And|Moreover|Furthermore|Nevertheless|Still|Yet|"
                r"Instead|Separately|In fact|Indeed),\s"), ""),
)
MIN_WORDS = 5  # a rule that would leave fewer words is not applied


def trim(text: str, lang: str) -> str:
    """``text`` without the asides above (unchanged for languages other than English)."""
    if lang != ENGLISH:
        return text
    out = text
    for pattern, replacement in _RULES:
        shorter = pattern.sub(replacement, out)
        if shorter != out and word_count(shorter) >= MIN_WORDS:
            out = shorter
    if out != text and out[:1].islower():
        out = out[0].upper() + out[1:]
    return out
