"""Select: the source sentences a story's summary is written from (its Evidence).

Sentences are chosen for the facts several outlets report. A fact is approximated by a concept:
a pair of adjacent (stemmed) words, not both stop words. A concept found in k articles of the
story weighs k - 1, so what only one outlet says counts for nothing and what every outlet says
counts most (for a one-article story: concepts that occur at least twice). Sentences are taken
greedily by the weight of the concepts they add that no chosen sentence covers yet, per word
(length to the power 0.8, so long sentences are not favoured for their length alone), raised
for sentences early in their article, where news puts the main facts. Concepts already covered
count nothing again, which removes redundancy; sentences too close in meaning to a chosen one
(embedding cosine) are skipped too, for paraphrases that share no word pair.

This is the concept-coverage summariser of Gillick and Favre (2009), greedy instead of an ILP.
It is written here rather than taken from sumy because its weights need to know which article
each sentence comes from, which sumy's summarizers never see. On the 250 Multi-News clusters of
../shared/eval at a 100-word budget it scored ROUGE-2 F1 12.4 against 11.6 for the centroid
and cross-outlet-echo scoring it replaced and 10.9 for LexRank (benchmarks/RESULTS.md).
The default budget, four sentences and 60 words (models.yaml), is a briefing's length and was
chosen on clusters 50-249 of that set, where it scored 1.33x LexRank at the same length
against 1.26x for 100 words and five sentences: short central sentences beat long ones.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from briefing.config import SelectSettings
from briefing.records import Article, Evidence, Sentence, Story
from briefing.stages.embed import ArticleVectors
from briefing.text import STOP_WORDS, is_question, lower_words, numbers, quotations, stem, words

LENGTH_EXPONENT = 0.8
POSITION_BOOST = 0.5
_QUOTATION_OPENING = re.compile(r"^[\"“‘]")

Concept = tuple[str, str]


def concepts(text: str) -> set[Concept]:
    """Adjacent word pairs of a text, stemmed, leaving out pairs of two stop words."""
    tokens = lower_words(text)
    stems = [stem(t) for t in tokens]
    return {
        (stems[i], stems[i + 1])
        for i in range(len(tokens) - 1)
        if not (tokens[i] in STOP_WORDS and tokens[i + 1] in STOP_WORDS)
    }


def sentence_concepts(story: Story) -> dict[tuple[str, int], set[Concept]]:
    """The concepts of every sentence of the story, by (article id, sentence index)."""
    return {(s.article_id, s.index): concepts(s.text) for a in story.articles for s in a.sentences}


def concept_weights(story: Story, found: dict[tuple[str, int], set[Concept]]) -> dict[Concept, int]:
    """How much each concept of the story counts: the number of other articles that have it."""
    per_article = [[found[(s.article_id, s.index)] for s in a.sentences] for a in story.articles]
    if len(per_article) > 1:
        counts = Counter(c for sets in per_article for c in set().union(*sets))
        return {c: n - 1 for c, n in counts.items() if n > 1}
    counts = Counter(c for sets in per_article for found_in in sets for c in found_in)
    return {c: n for c, n in counts.items() if n > 1}


def position_score(sentence: Sentence, decay: float) -> float:
    return 1.0 / (1.0 + decay * sentence.index)


def opening_sentences(article: Article, settings: SelectSettings) -> list[Sentence]:
    """The article's sentences long enough to be news, in order (all of them if none is)."""
    opening = [s for s in article.sentences if len(words(s.text)) >= settings.min_words]
    return opening or list(article.sentences)


def asks_a_question(article: Article, first: Sentence) -> bool:
    """The article's opening asks the reader something ("Trump has often taken credit for
    the stock market's climb. Will he own the drops too?"): a column's or a feature's hook,
    which news reports never open with."""
    following = [s for s in article.sentences if s.index in (first.index, first.index + 1)]
    return any(is_question(s.text) for s in following)


def central_article(
    story: Story,
    vectors: ArticleVectors,
    settings: SelectSettings,
    found: dict[tuple[str, int], set[Concept]],
    weights: dict[Concept, int],
) -> Article:
    """The report that tells the event most as every outlet tells it: its lead closest in
    meaning to the story's other leads, plus the share of its first sentence that the other
    outlets also report (shared concepts per word). Closeness alone ties between two articles,
    and a feature's hook ("Michael Kors has picked out some new shoes to go with its
    handbags.") is close in meaning to the news while stating little of it. An article that
    opens with a quotation opens with someone's words, not the event, and one that opens by
    asking a question opens with a hook: both come last."""
    if len(story.articles) == 1:
        return story.articles[0]
    leads = vectors.lead_matrix(list(story.articles))
    closeness = leads @ leads.mean(axis=0)
    shared = []
    for article in story.articles:
        first = opening_sentences(article, settings)[0]
        if _QUOTATION_OPENING.match(first.text) or asks_a_question(article, first):
            shared.append(-1.0)
            continue
        weight = sum(weights.get(c, 0) for c in found[(first.article_id, first.index)])
        shared.append(weight / max(1, len(first.text.split())))
    most = max(shared) if max(shared) > 0 else 1.0
    score = closeness + np.array(shared) / most
    return story.articles[int(np.argmax(score))]


def is_quotation(sentence: Sentence) -> bool:
    """Someone's words rather than the event: a sentence that opens with a quotation or is
    mostly one ('A State Department spokeswoman said: "We don't have any meetings to announce
    at this time", Reuters reported.')."""
    quoted = sum(len(q.split()) for q in quotations(sentence.text))
    return bool(_QUOTATION_OPENING.match(sentence.text)) or quoted >= 0.5 * len(
        sentence.text.split()
    )


def _title_terms(text: str) -> set[str]:
    # single letters are pieces of abbreviations ("U.S.") and possessives, not words
    return {
        stem(w) for w in lower_words(text) if w not in STOP_WORDS and len(w) > 1 and not w.isdigit()
    } | {f"#{n}" for n in numbers(text)}


def title_stating(article: Article, settings: SelectSettings) -> Sentence | None:
    """The sentence of an article that opens with someone's words which best says what its
    title says: the page's body starts with a reaction or a quotation (a spokeswoman's "no
    meetings to announce") and gives the event the title names further down ("two projectiles
    were fired toward the sea ..." under "North Korea fires 2 projectiles after offering
    talks"). Title words and figures are weighed by how few of the article's sentences have
    them; the sentence must carry `title_share` of the title's weight. None when the article
    has no title, opens with the event, or no sentence says enough of the title."""
    opening = opening_sentences(article, settings)
    if not article.title or not opening or not is_quotation(opening[0]):
        return None
    found = [_title_terms(s.text) for s in opening]
    documents = Counter(t for terms in found for t in terms)
    weight = {t: math.log(1 + len(opening) / n) for t, n in documents.items()}
    title = _title_terms(article.title)
    total = sum(weight.get(t, 0.0) for t in title)
    if total == 0:
        return None
    scores = [sum(weight[t] for t in terms & title) for terms in found]
    best = max(range(len(opening)), key=lambda i: (scores[i], -i))
    if is_quotation(opening[best]) or scores[best] < settings.title_share * total:
        return None
    return opening[best]


def lede_of(
    story: Story,
    vectors: ArticleVectors,
    settings: SelectSettings,
    budget: int,
    found: dict[tuple[str, int], set[Concept]],
    weights: dict[Concept, int],
) -> tuple[list[Sentence], tuple[Sentence, ...]]:
    """The opening sentences of the story's most central article (up to `lede_sentences` and
    half the word budget, at least one): what happened, as a news report first says it. After
    the first, a sentence that no other outlet echoes is an aside and ends the lede.

    And the article's title where the lede starts at the sentence stating it
    (`title_stating`): the page names who acted in its title ("North Korea fires 2
    projectiles after offering talks with U.S.") and its body only that "two projectiles were
    fired". The writer reads it after the lede, so its headline and first sentence can say who
    did it; a title is never quoted as a sentence nor taken for the lede."""
    central = central_article(story, vectors, settings, found, weights)
    opening = opening_sentences(central, settings)
    stating = title_stating(central, settings)
    titles: tuple[Sentence, ...] = ()
    if stating is not None:
        opening = [s for s in opening if s.index >= stating.index]
        title = central.title_sentence
        titles = (title,) if title is not None else ()
    lede: list[Sentence] = []
    for sentence in opening[: settings.lede_sentences]:
        if lede and sum(len(s.text.split()) for s in (*lede, sentence)) > budget // 2:
            break
        shared = any(c in weights for c in found[(sentence.article_id, sentence.index)])
        if lede and len(story.articles) > 1 and not shared:
            break
        if lede and is_question(sentence.text):
            break  # a question states nothing that happened
        lede.append(sentence)
    return lede, titles


def select(
    story: Story,
    vectors: ArticleVectors,
    settings: SelectSettings,
    max_words: int | None = None,
    max_sentences: int | None = None,
) -> Evidence:
    """The lede first, then what the other sentences add (concept coverage), within a budget
    of words and sentences (the settings', or a writer profile's own)."""
    max_words = max_words or settings.max_words
    max_sentences = max_sentences or settings.max_sentences
    by_sentence = sentence_concepts(story)
    weights = concept_weights(story, by_sentence)
    lede, titles = lede_of(story, vectors, settings, max_words, by_sentence, weights)
    in_lede = {(s.article_id, s.index) for s in lede}
    candidates = [
        s
        for a in story.articles
        for s in a.sentences
        if len(words(s.text)) >= settings.min_words and (s.article_id, s.index) not in in_lede
    ] or [s for a in story.articles for s in a.sentences if (s.article_id, s.index) not in in_lede]
    found = [by_sentence[(s.article_id, s.index)] for s in candidates]
    lengths = [max(1, len(s.text.split())) for s in candidates]
    boost = [1.0 + POSITION_BOOST * position_score(s, settings.position_decay) for s in candidates]
    covered: set[Concept] = set().union(*(by_sentence[key] for key in in_lede)) if lede else set()
    chosen: list[int] = []
    chosen_vectors: list[np.ndarray] = [vectors.of(s) for s in lede]
    budget = max_words - sum(len(s.text.split()) for s in (*lede, *titles))
    open_ = {i for i in range(len(candidates)) if lengths[i] <= budget}
    while open_ and len(chosen) + len(lede) < max_sentences and budget > 0:
        gains = {
            i: sum(weights.get(c, 0) for c in found[i] - covered)
            / lengths[i] ** LENGTH_EXPONENT
            * boost[i]
            for i in open_
        }
        # Once no sentence adds a shared concept, the earliest sentences are taken.
        best = max(open_, key=lambda i: (gains[i], boost[i], -i))
        open_.discard(best)
        vector = vectors.of(candidates[best])
        if chosen_vectors and max(float(vector @ v) for v in chosen_vectors) > settings.redundancy:
            continue
        chosen.append(best)
        chosen_vectors.append(vector)
        covered |= found[best]
        budget -= lengths[best]
        open_ = {i for i in open_ if lengths[i] <= budget}
    order = {a.id: i for i, a in enumerate(story.articles)}
    rest = sorted((candidates[i] for i in chosen), key=lambda s: (order[s.article_id], s.index))
    return Evidence(story.id, (*lede, *titles, *rest), lede=len(lede))
