"""Embeddings of every sentence and of each article's title and lead, computed once per run and
shared by cluster, select and verify."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from briefing.backends.base import Embedder
from briefing.records import Article, Sentence


@dataclass(frozen=True)
class ArticleVectors:
    """Vectors keyed by ids, never by list position, so that they can be cached across runs."""

    leads: dict[str, np.ndarray]  # article id -> vector of its title plus first sentences
    sentences: dict[tuple[str, int], np.ndarray]  # (article id, sentence index) -> vector;
    # index -1 is the article's title

    def of(self, sentence: Sentence) -> np.ndarray:
        return self.sentences[(sentence.article_id, sentence.index)]

    def lead_matrix(self, articles: list[Article]) -> np.ndarray:
        """The lead vectors of `articles`, one row each, in their order."""
        return np.stack([self.leads[a.id] for a in articles])


def lead_text(article: Article, lead_sentences: int) -> str:
    parts = [article.title] if article.title else []
    parts += [s.text for s in article.sentences[:lead_sentences]]
    return " ".join(parts)


def unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def embed_articles(
    articles: list[Article], embedder: Embedder, lead_sentences: int = 3
) -> ArticleVectors:
    leads = embedder.embed([lead_text(a, lead_sentences) for a in articles])
    # Titles are embedded too (index -1): a headline may rest on a source's title.
    flat = [s for a in articles for s in (a.title_sentence, *a.sentences) if s is not None]
    vectors = embedder.embed([s.text for s in flat])
    by_key = {(s.article_id, s.index): vectors[i] for i, s in enumerate(flat)}
    return ArticleVectors(leads={a.id: leads[i] for i, a in enumerate(articles)}, sentences=by_key)
