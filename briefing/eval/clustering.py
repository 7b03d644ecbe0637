"""`briefing eval cluster`: ingest and clustering exactly as `briefing run` does them, scored
against labels.jsonl (BCubed, NMI, ARI), with the worst merges and splits."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from briefing.backends.base import Embedder
from briefing.config import Config
from briefing.errors import InputError
from briefing.eval.datasets import load_labels, read_labelled_articles
from briefing.eval.metrics import bcubed
from briefing.stages.cluster import cluster


@dataclass
class ClusterReport:
    articles: int
    gold_clusters: int
    predicted_clusters: int
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    nmi: float
    ari: float
    boilerplate: str
    seconds: float
    worst_merges: list[dict]
    worst_splits: list[dict]

    def format(self) -> str:
        out = [
            f"articles: {self.articles} (boilerplate-flagged articles: {self.boilerplate})",
            f"clusters: {self.predicted_clusters} predicted, {self.gold_clusters} gold",
            f"BCubed precision {self.bcubed_precision:.3f}  recall {self.bcubed_recall:.3f}  "
            f"F1 {self.bcubed_f1:.3f}",
            f"NMI {self.nmi:.3f}  ARI {self.ari:.3f}",
            f"time: {self.seconds:.1f} s",
        ]
        if self.worst_merges:
            out.append("\nworst merges (one predicted story holding several gold events):")
            for merge in self.worst_merges:
                out.append(f"  story of {merge['size']} articles:")
                for gold_id, titles in merge["gold"].items():
                    out += [f"    [{gold_id}] {t}" for t in titles]
        if self.worst_splits:
            out.append("\nworst splits (one gold event spread over several stories):")
            for split in self.worst_splits:
                out.append(f"  gold {split['gold']} in {len(split['stories'])} stories:")
                for number, titles in enumerate(split["stories"], start=1):
                    out += [f"    ({number}) {t}" for t in titles]
        return "\n".join(out)


def evaluate_clustering(
    root: Path, config: Config, embedder: Embedder, boilerplate: str = "drop", show: int = 5
) -> ClusterReport:
    """Ingest and cluster `root`/clusters exactly as `briefing run` does, then score."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if boilerplate not in ("drop", "singletons"):
        raise InputError("--boilerplate is 'drop' or 'singletons'")
    labels = load_labels(root)
    started = time.monotonic()
    articles, vectors = read_labelled_articles(
        root, embedder, config.pipeline.cluster.lead_sentences, boilerplate == "singletons"
    )
    stories = cluster(articles, vectors, config.pipeline.cluster)
    seconds = time.monotonic() - started
    title_of = {a.path: a.title or a.path for a in articles}
    predicted = {a.path: s.id for s in stories for a in s.articles}
    gold = {}
    for path in predicted:
        row = labels.get(path)
        if row is None:
            continue
        gold[path] = f"boilerplate:{path}" if row.get("boilerplate") else str(row["cluster_id"])
    if not gold:
        raise InputError(f"no article of {root} could be read and matched to labels.jsonl")
    items = sorted(gold)
    p, r, f1 = bcubed(predicted, gold)
    nmi = normalized_mutual_info_score([gold[i] for i in items], [predicted[i] for i in items])
    ari = adjusted_rand_score([gold[i] for i in items], [predicted[i] for i in items])

    members: dict[str, list[str]] = defaultdict(list)
    for item in items:
        members[predicted[item]].append(item)
    merges = []
    for story_items in members.values():
        counts = Counter(gold[i] for i in story_items)
        if len(counts) > 1:
            wrong = len(story_items) - counts.most_common(1)[0][1]
            groups = defaultdict(list)
            for i in story_items:
                groups[gold[i]].append(title_of[i])
            merges.append((wrong, {"size": len(story_items), "gold": dict(groups)}))
    by_gold: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_gold[gold[item]].append(item)
    splits = []
    for gold_id, gold_items in by_gold.items():
        parts = defaultdict(list)
        for i in gold_items:
            parts[predicted[i]].append(title_of[i])
        if len(parts) > 1:
            splits.append((len(parts), {"gold": gold_id, "stories": list(parts.values())}))
    merges.sort(key=lambda m: -m[0])
    splits.sort(key=lambda s: -s[0])
    return ClusterReport(
        articles=len(items),
        gold_clusters=len(set(gold.values())),
        predicted_clusters=len({predicted[i] for i in items}),
        bcubed_precision=p,
        bcubed_recall=r,
        bcubed_f1=f1,
        nmi=float(nmi),
        ari=float(ari),
        boilerplate=boilerplate,
        seconds=seconds,
        worst_merges=[m for _, m in merges[:show]],
        worst_splits=[s for _, s in splits[:show]],
    )
