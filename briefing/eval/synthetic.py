"""A synthetic batch of articles with known events and ready-made vectors, for the clustering
scale benchmark (benchmarks/cluster_scale.py) and its test: any size, no model needed.

Events of every size (most reported once, a few by a hundred outlets or more), two events of one
kind per topic (the hard case of ECB+), each article 10 to 40 sentences with the names, numbers
and weekdays of its event mixed with common ones, and 384-dimensional unit vectors placed around
topic and event centres.
"""

from __future__ import annotations

import numpy as np

from briefing.records import Article, Sentence
from briefing.stages.embed import ArticleVectors, unit
from briefing.text import WEEKDAYS

DIM = 384
DAYS = WEEKDAYS


def event_sizes(n_articles: int, rng: np.random.Generator) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < n_articles:
        sizes.append(int(min(rng.zipf(1.8), 300)))
    sizes[-1] -= sum(sizes) - n_articles
    return [s for s in sizes if s > 0]


def synthetic_batch(n_articles: int, seed: int) -> tuple[list[Article], ArticleVectors, dict]:
    rng = np.random.default_rng(seed)
    common = [f"Common{k}" for k in range(300)]
    common_p = 1.0 / np.arange(1, 301)
    common_p /= common_p.sum()
    articles: list[Article] = []
    leads: list[np.ndarray] = []
    by_key: dict[tuple[str, int], np.ndarray] = {}
    gold: dict[str, str] = {}
    topic_vector = np.zeros(DIM)
    topic_names: list[str] = []
    for event, size in enumerate(event_sizes(n_articles, rng)):
        if event % 2 == 0:  # two events of one kind per topic
            topic_vector = rng.standard_normal(DIM)
            topic_names = [f"Topic{event}x{k}" for k in range(4)]
        centre = unit(topic_vector + 0.7 * rng.standard_normal(DIM))
        names = [f"Event{event}x{k}" for k in range(6)] + [str(rng.integers(10, 5000))]
        day = DAYS[event % 7]
        for _ in range(size):
            aid = f"{len(articles):06d}"
            texts = []
            for _ in range(int(rng.integers(10, 41))):
                words = list(rng.choice(common, 4, p=common_p))
                words += list(rng.choice(names, 2)) + list(rng.choice(topic_names, 1))
                if rng.random() < 0.1:
                    words.append(f"on {day}" if rng.random() < 0.8 else f"on {rng.choice(DAYS)}")
                texts.append("The report said " + " ".join(words) + ".")
            sentences = tuple(
                Sentence(aid, f"{aid}.txt", k, text, k + 3, k + 3) for k, text in enumerate(texts)
            )
            articles.append(
                Article(aid, f"{aid}.txt", (), title=texts[0], title_line=1, sentences=sentences)
            )
            vectors = unit(
                centre + 1.6 * rng.standard_normal((len(sentences), DIM)) / np.sqrt(DIM) * 8
            )
            for k, v in enumerate(vectors.astype(np.float32)):
                by_key[(aid, k)] = v
            leads.append(unit(centre + 0.9 * rng.standard_normal(DIM) / np.sqrt(DIM) * 8))
            gold[f"{aid}.txt"] = str(event)
    lead_by_id = {
        a.id: np.asarray(v, dtype=np.float32) for a, v in zip(articles, leads, strict=True)
    }
    return articles, ArticleVectors(lead_by_id, by_key), gold
