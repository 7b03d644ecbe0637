"""Select: the salient, non-redundant source sentences of a story (its Evidence).

A sentence scores by how central it is to the story (cosine to the story's centroid), how well
other outlets' articles echo it (facts several outlets report first), and how early it stands
in its article (news puts the main facts first). Candidates are then taken greedily, skipping
any too similar to one already taken (maximal marginal relevance), within a word budget.
"""

from __future__ import annotations

import numpy as np

from briefing.clean import words
from briefing.config import SelectSettings
from briefing.embed import ArticleVectors, unit
from briefing.records import Evidence, Sentence, Story

CENTRALITY_WEIGHT = 0.5
ECHO_WEIGHT = 0.3
POSITION_WEIGHT = 0.2


def score_sentences(
    story: Story, vectors: ArticleVectors, settings: SelectSettings
) -> list[tuple[float, Sentence]]:
    candidates = [
        s for a in story.articles for s in a.sentences if len(words(s.text)) >= settings.min_words
    ]
    if not candidates:
        candidates = [s for a in story.articles for s in a.sentences]
    if not candidates:
        return []
    matrix = np.stack([vectors.of(s) for s in candidates])
    centroid = unit(matrix.mean(axis=0))
    centrality = matrix @ centroid
    pairwise = matrix @ matrix.T
    article_of = np.array([s.article_id for s in candidates])
    echo = np.zeros(len(candidates), dtype=np.float32)
    if len(story.articles) > 1:
        for i in range(len(candidates)):
            others = article_of != article_of[i]
            echo[i] = pairwise[i, others].max() if others.any() else 0.0
    position = np.array([1.0 / (1.0 + 0.25 * s.index) for s in candidates])
    scores = CENTRALITY_WEIGHT * centrality + ECHO_WEIGHT * echo + POSITION_WEIGHT * position
    return sorted(zip(scores.tolist(), candidates, strict=True), key=lambda p: -p[0])


def select(story: Story, vectors: ArticleVectors, settings: SelectSettings) -> Evidence:
    chosen: list[Sentence] = []
    chosen_vectors: list[np.ndarray] = []
    budget = settings.max_words
    for _score, sentence in score_sentences(story, vectors, settings):
        if len(chosen) >= settings.max_sentences:
            break
        vector = vectors.of(sentence)
        if chosen_vectors and max(float(vector @ c) for c in chosen_vectors) > settings.redundancy:
            continue
        length = len(words(sentence.text))
        if chosen and length > budget:
            continue
        chosen.append(sentence)
        chosen_vectors.append(vector)
        budget -= length
    order = {a.id: i for i, a in enumerate(story.articles)}
    chosen.sort(key=lambda s: (order[s.article_id], s.index))
    return Evidence(story.id, tuple(chosen))
