"""sumy's algorithms behind one call, fed with our offline tokenizer (nothing downloads)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summarizer.models import Sentence
from summarizer.text import split_sentences, tokens

SUMY_ALGORITHMS: tuple[str, ...] = ("lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl")


class OfflineTokenizer:
    """The tokenizer interface sumy expects, without NLTK's punkt data (sumy issue #216)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> list[str]:
        return tokens(sentence)


def _summarizer(algorithm: str) -> Any:
    # sumy pulls in NLTK (about a second of imports): only when a sumy algorithm is asked for.
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    if algorithm == "lexrank":
        from sumy.summarizers.lex_rank import LexRankSummarizer as cls
    elif algorithm == "textrank":
        from sumy.summarizers.text_rank import TextRankSummarizer as cls
    elif algorithm == "lsa":
        from sumy.summarizers.lsa import LsaSummarizer as cls
    elif algorithm == "luhn":
        from sumy.summarizers.luhn import LuhnSummarizer as cls
    elif algorithm == "sumbasic":
        from sumy.summarizers.sum_basic import SumBasicSummarizer as cls
    elif algorithm == "kl":
        from sumy.summarizers.kl import KLSummarizer as cls
    else:
        raise ValueError(f"unknown sumy algorithm {algorithm!r}; expected one of {', '.join(SUMY_ALGORITHMS)}")
    summ = cls(Stemmer("english"))
    summ.stop_words = get_stop_words("english")
    return summ


def sumy_pick(paragraphs: Sequence[Sequence[Sentence]], algorithm: str, count: int) -> list[Sentence]:
    """Run one sumy algorithm over our sentences (grouped in paragraphs); the picked ones, in text order."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    summ = _summarizer(algorithm)
    tok = OfflineTokenizer()
    ours: dict[int, Sentence] = {}
    paras = []
    for group in paragraphs:
        sumy_sents = []
        for sent in group:
            ss = SumySentence(sent.text, tok)
            ours[id(ss)] = sent
            sumy_sents.append(ss)
        if sumy_sents:
            paras.append(Paragraph(sumy_sents))
    if not paras or count <= 0:
        return []
    picked = summ(ObjectDocumentModel(paras), count)
    return [ours[id(s)] for s in picked if id(s) in ours]
