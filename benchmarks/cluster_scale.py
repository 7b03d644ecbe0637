"""Time and memory of clustering a large batch of articles.

    python benchmarks/cluster_scale.py [--articles 10000] [--seed 0]

The load is synthetic, so that it can be any size and needs no model: events of every size
(most reported once, a few by a hundred outlets or more), two events of one kind per topic (the
hard case of ECB+), each article 10 to 40 sentences with the names, numbers and weekdays of its
event mixed with common ones, and 384-dimensional unit vectors (the size of the default
embedder's) placed around topic and event centres. Embedding is not part of the figure: it is
the embedder's time (see RESULTS.md), not the clustering's.

Prints the time of `briefing.stages.cluster.cluster`, the peak resident memory of the process and how
far clustering raised it above what the inputs already took, and how well the synthetic events
were recovered (BCubed), as a check that the fast path still clusters.
"""

from __future__ import annotations

import argparse
import resource
import time

from briefing.config import ClusterSettings
from briefing.eval.metrics import bcubed
from briefing.eval.synthetic import synthetic_batch
from briefing.stages.cluster import cluster


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
