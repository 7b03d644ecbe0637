"""How high BCubed F1 can go on a labelled folder with the pair similarity clustering uses.

    python benchmarks/cluster_ceiling.py ../shared/eval/multinews_val250 [--show 15]

Reads and embeds the labelled articles as `briefing eval cluster` does (flagged page furniture
left out), scores every pair with the similarity `cluster.py` cuts on (the default settings),
and asks of each article in a gold event of two or more: is its most similar article in the same
event? An article whose nearest neighbour belongs to another event cannot join its own event
without also pulling in that neighbour, or without a threshold so low that it merges elsewhere.

The ceiling assumes the best case for everything else: every article whose nearest neighbour is
right sits in exactly its gold event, every other article stands alone. No threshold or linkage
on this similarity can beat it by much; a higher target needs a better similarity, not a better
cut. Prints the counts, the ceiling, and the articles whose nearest neighbour is wrong (title or
first sentence, and the neighbour's), so that a person can see what they are.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

from briefing.backends.base import load_embedder
from briefing.config import load_config
from briefing.eval.datasets import load_labels, read_labelled_articles
from briefing.eval.metrics import bcubed
from briefing.stages.cluster import PairScorer


def describe(article) -> str:
    text = article.title or (article.sentences[0].text if article.sentences else article.path)
    return text[:90]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--show", type=int, default=15, help="wrong neighbours to list")
    args = parser.parse_args()
    started = time.monotonic()
    config, _ = load_config()
    settings = config.pipeline.cluster
    embedder = load_embedder(config)
    labels = load_labels(args.folder)
    articles, vectors = read_labelled_articles(args.folder, embedder, settings.lead_sentences)
    similarity = PairScorer(articles, vectors, settings).exact(np.arange(len(articles)))
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)

    gold = {a.path: str(labels[a.path]["cluster_id"]) for a in articles}
    size = Counter(gold.values())
    ceiling, wrong = {}, []
    for i, article in enumerate(articles):
        event = gold[article.path]
        neighbour = articles[nearest[i]]
        if size[event] > 1 and gold[neighbour.path] != event:
            wrong.append((article, neighbour, float(similarity[i, nearest[i]])))
            ceiling[article.path] = f"alone:{article.path}"
        else:
            ceiling[article.path] = event
    in_events = sum(1 for a in articles if size[gold[a.path]] > 1)
    precision, recall, f1 = bcubed(ceiling, gold)

    print(f"{len(articles)} articles, {len(size)} gold events, {time.monotonic() - started:.0f} s")
    print(f"articles in gold events of two or more: {in_events}")
    print(f"  nearest neighbour in the same event: {in_events - len(wrong)}")
    print(f"  nearest neighbour in another event:  {len(wrong)}")
    print(f"ceiling BCubed precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    if wrong:
        print(f"\narticles whose nearest neighbour is in another event (first {args.show}):")
        for article, neighbour, score in wrong[: args.show]:
            print(f"  [{gold[article.path]}] {describe(article)}")
            print(f"      nearest ({score:.2f}) [{gold[neighbour.path]}] {describe(neighbour)}")


if __name__ == "__main__":
    main()
