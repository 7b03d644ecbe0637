"""ROUGE of the evidence selection alone (no summarisation model) beside the baselines.

Each cluster of a folder with REFERENCE.md files is read and embedded as `briefing eval summary`
does; its evidence (select.py, the default settings) is printed verbatim, and lead-3, LexRank
and TextRank get as many words as that evidence has. This separates what the choice of
sentences scores from what the model's rewriting of them adds or loses.

    python benchmarks/evidence_rouge.py ../shared/eval/multinews_val250 [--limit N]
"""

import argparse
import time
from pathlib import Path

from rouge_score.rouge_scorer import RougeScorer

from briefing.backends.base import load_embedder
from briefing.config import load_config
from briefing.eval.baselines import BASELINES
from briefing.eval.datasets import cluster_stories, reference_summary
from briefing.eval.summary import ROUGE_TYPES, SummaryReport
from briefing.stages.embed import embed_articles
from briefing.stages.select import select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    started = time.monotonic()
    config, _ = load_config()
    settings = config.pipeline
    embedder = load_embedder(config)
    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    report = SummaryReport(generator="", word_budget="per cluster: the evidence's length")
    for name, _folder, story in cluster_stories(args.folder, args.limit):
        vectors = embed_articles(list(story.articles), embedder, settings.cluster.lead_sentences)
        evidence = " ".join(s.text for s in select(story, vectors, settings.select).sentences)
        budget = len(evidence.split())
        texts = {"evidence": evidence}
        texts |= {system: make(story, budget) for system, make in BASELINES.items()}
        report.add(scorer, name, budget, reference_summary(args.folder / "clusters" / name), texts)
    report.finish()
    print(f"{report.clusters} clusters, {time.monotonic() - started:.0f} s")
    print(report.table())
    print(
        "ROUGE-2 of the evidence: "
        + ", ".join(f"{report.ratio('evidence', s):.2f}x {s}" for s in BASELINES)
    )


if __name__ == "__main__":
    main()
