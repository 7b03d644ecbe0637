"""Continuity: today's stories matched to the stories of earlier briefings.

A story of today is the continuation of an earlier one when they share an article or when their
centroids (the mean of their articles' lead vectors) are at least `match_similarity` alike
(settings: `pipeline.continuity` in models.yaml). Each
story is then

- NEW: no earlier story matches;
- UPDATED: it matches, and some of today's sentences were not in the earlier briefings: only
  those sentences go on to select, generate and verify, so the summary says only what is new,
  cited to today's lines;
- ONGOING: it matches and nothing is new (every sentence is one the earlier briefings cited, or
  close to one): a short line links the earlier briefing instead of a summary.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from briefing.backends.base import Embedder
from briefing.config import ContinuitySettings
from briefing.records import Continuity, Story
from briefing.stages.embed import ArticleVectors, unit
from briefing.state import PastStory
from briefing.text import words

MAX_CITED_KEPT = 200  # sentences remembered per story lineage


@dataclass(frozen=True)
class Matched:
    story: Story  # for UPDATED: only the articles' new sentences
    continuity: Continuity
    centroid: np.ndarray
    known: tuple[str, ...]  # sentences briefed before in this lineage
    lineage: str  # the story's id on the day it was NEW


def centroid(story: Story, vectors: ArticleVectors) -> np.ndarray:
    return unit(vectors.lead_matrix(list(story.articles)).mean(axis=0)).astype(np.float32)


def _norm(text: str) -> str:
    return " ".join(words(text.lower()))


def _match(
    story: Story, center: np.ndarray, past: list[PastStory], threshold: float
) -> PastStory | None:
    """The earlier story this one continues: one sharing an article, else the most similar
    centroid above the threshold; the latest briefing wins ties (`past` is latest first)."""
    ids = {a.id for a in story.articles}
    for earlier in past:
        if ids & set(earlier.article_ids):
            return earlier
    best, best_score = None, -1.0
    for earlier in past:
        if earlier.centroid.shape != center.shape:
            continue  # a different embedder wrote the state
        score = float(np.dot(earlier.centroid, center))
        if score >= threshold and score > best_score:
            best, best_score = earlier, score
    return best


def link_stories(
    stories: list[Story],
    vectors: ArticleVectors,
    past: list[PastStory],
    embedder: Embedder,
    settings: ContinuitySettings,
) -> list[Matched]:
    """Each of today's stories with its mark, and the story to summarise."""
    matched: list[Matched] = []
    taken: set[str] = set()  # a lineage continues in one story of today at most
    for story in stories:
        center = centroid(story, vectors)
        free = [s for s in past if s.lineage not in taken]
        earlier = _match(story, center, free, settings.match_similarity)
        if earlier is None:
            matched.append(
                Matched(story, Continuity("NEW", None, None, None), center, (), story.id)
            )
            continue
        taken.add(earlier.lineage)
        new_story = _only_new(story, vectors, earlier, embedder, settings.seen_similarity)
        continuity = Continuity(
            "UPDATED" if new_story is not None else "ONGOING",
            earlier.briefing,
            earlier.headline,
            earlier.first_briefing,
        )
        matched.append(
            Matched(new_story or story, continuity, center, earlier.cited, earlier.lineage)
        )
    return matched


def _only_new(
    story: Story,
    vectors: ArticleVectors,
    earlier: PastStory,
    embedder: Embedder,
    seen_similarity: float,
) -> Story | None:
    """The story with only the sentences the earlier briefings did not cite (None: nothing new).
    Articles the earlier story already held bring nothing new."""
    known = {_norm(t) for t in earlier.cited}
    known_vectors = embedder.embed(list(earlier.cited)) if earlier.cited else None
    old_articles = set(earlier.article_ids)
    articles = []
    for article in story.articles:
        if article.id in old_articles:
            continue
        fresh = []
        for sentence in article.sentences:
            if _norm(sentence.text) in known:
                continue
            if (
                known_vectors is not None
                and len(known_vectors)
                and (float(np.max(known_vectors @ vectors.of(sentence))) >= seen_similarity)
            ):
                continue
            fresh.append(sentence)
        if fresh:
            articles.append(dataclasses.replace(article, sentences=tuple(fresh)))
    if not articles:
        return None
    return Story(story.id, tuple(articles))


def remembered(known: tuple[str, ...], cited_today: list[str]) -> tuple[str, ...]:
    """The sentences a lineage has briefed so far, today's last (capped, oldest dropped)."""
    seen: dict[str, None] = dict.fromkeys([*known, *cited_today])
    return tuple(seen)[-MAX_CITED_KEPT:]
