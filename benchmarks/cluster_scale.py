"""Time and memory of clustering a large batch of articles.

    python benchmarks/cluster_scale.py [--articles 10000] [--seed 0]

The load is synthetic, so that it can be any size and needs no model: events of every size
(most reported once, a few by a hundred outlets or more), two events of one kind per topic (the
hard case of ECB+), each article 10 to 40 sentences with the names, numbers and weekdays of its
event mixed with common ones, and 384-dimensional unit vectors (the size of the default
embedder's) placed around topic and event centres. Embedding is not part of the figure: it is
the embedder's time (see RESULTS.md), not the clustering's.

Prints the time of `briefing.cluster.cluster`, the peak resident memory of the process and how
far clustering raised it above what the inputs already took, and how well the synthetic events
were recovered (BCubed), as a check that the fast path still clusters.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from briefing.cluster import cluster
from briefing.config import ClusterSettings
from briefing.embed import ArticleVectors, unit
from briefing.evaluate import bcubed
from briefing.records import Article, Sentence

DIM = 384
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
    articles, leads, by_key, gold = [], [], {}, {}
    topic_vector = None
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
    return articles, ArticleVectors(np.array(leads, dtype=np.float32), by_key), gold


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    articles, vectors, gold = synthetic_batch(args.articles, args.seed)
    n_sentences = sum(len(a.sentences) for a in articles)
    before = current_rss_mb()
    started = time.perf_counter()
    stories = cluster(articles, vectors, ClusterSettings())
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    predicted = {a.path: s.id for s in stories for a in s.articles}
    p, r, f1 = bcubed(predicted, gold)
    print(f"articles: {len(articles)} ({n_sentences} sentences), events: {len(set(gold.values()))}")
    print(f"cluster(): {seconds:.1f} s, {len(stories)} stories")
    print(
        f"memory: peak RSS {peak:.0f} MB; inputs held {before:.0f} MB before clustering, "
        f"so clustering added at most {peak - before:.0f} MB"
    )
    print(f"synthetic events recovered: BCubed P {p:.3f} R {r:.3f} F1 {f1:.3f}")


if __name__ == "__main__":
    main()
