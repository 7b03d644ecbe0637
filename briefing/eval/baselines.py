"""Classical extractive summaries of a story, to measure ours against (`briefing eval summary`).

LexRank (Erkan and Radev 2004) and TextRank (Mihalcea and Tarau 2004) come from sumy. sumy's
own parsers tokenize with NLTK's punkt data, which cannot be downloaded offline; its summarizers
only need sentences that can list their words, so they are given the pipeline's own sentences
(pysbd, after cleaning) and a word tokenizer, which keeps every system on one sentence splitter.
sumy's Snowball stemmer and English stop words ship inside the package.

Every baseline is cut to a word budget: best-ranked sentences are taken until it is reached and
the last one is cut at the budget, then they are printed in document order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from briefing.records import Story

_WORD = re.compile(r"\w[\w'’-]*")


class _WordTokenizer:
    """What sumy's Sentence needs of a tokenizer: the words of a sentence."""

    language = "english"

    def to_words(self, text: str) -> list[str]:
        return _WORD.findall(text)

    def to_sentences(self, paragraph: str) -> list[str]:  # pragma: no cover - never called
        raise NotImplementedError("sentences come from the pipeline's splitter")


def cut_to_words(sentences: list[str], budget: int) -> str:
    """The sentences joined, cut after `budget` words."""
    taken: list[str] = []
    left = budget
    for text in sentences:
        if left <= 0:
            break
        tokens = text.split()
        taken.append(" ".join(tokens[:left]))
        left -= len(tokens)
    return " ".join(taken)


def lead_3(story: Story, budget: int) -> str:
    """The first three sentences of the story's first article."""
    first = story.articles[0]
    return cut_to_words([s.text for s in first.sentences[:3]], budget)


def _sumy_summary(story: Story, budget: int, make_summarizer: Callable) -> str:
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    tokenizer = _WordTokenizer()
    paragraphs = [
        Paragraph([SumySentence(s.text, tokenizer) for s in a.sentences])
        for a in story.articles
        if a.sentences
    ]
    if not paragraphs:
        return ""
    summarizer = make_summarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def within_budget(ranked: list) -> list:
        """sumy calls this with the sentence infos best first and keeps what it returns."""
        taken, words = [], 0
        for info in ranked:
            if words >= budget:
                break
            taken.append(info)
            words += len(str(info.sentence).split())
        return taken

    chosen = summarizer(ObjectDocumentModel(paragraphs), within_budget)
    return cut_to_words([str(s) for s in chosen], budget)


def lexrank(story: Story, budget: int) -> str:
    from sumy.summarizers.lex_rank import LexRankSummarizer

    return _sumy_summary(story, budget, LexRankSummarizer)


def textrank(story: Story, budget: int) -> str:
    from sumy.summarizers.text_rank import TextRankSummarizer

    return _sumy_summary(story, budget, TextRankSummarizer)


BASELINES: dict[str, Callable[[Story, int], str]] = {
    "lead-3": lead_3,
    "lexrank": lexrank,
    "textrank": textrank,
}
