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

from briefing.baselines import BASELINES
from briefing.config import load_config
from briefing.embed import embed_articles
from briefing.evaluate import ROUGE_TYPES, cluster_stories, reference_summary
from briefing.models import load_embedder
from briefing.select import select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    started = time.monotonic()
    config, _ = load_config()
    settings = config.pipeline
    embedder = load_embedder(config.default_embedder, config.profiles[config.default_embedder])
    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    systems = ["evidence", *BASELINES]
    totals = {system: dict.fromkeys(ROUGE_TYPES, 0.0) for system in systems}
    words = dict.fromkeys(systems, 0)
    clusters = 0
    for name, _folder, story in cluster_stories(args.folder, args.limit):
        vectors = embed_articles(list(story.articles), embedder, settings.cluster.lead_sentences)
        evidence = " ".join(s.text for s in select(story, vectors, settings.select).sentences)
        budget = len(evidence.split())
        texts = {"evidence": evidence}
        texts |= {system: make(story, budget) for system, make in BASELINES.items()}
        reference = reference_summary(args.folder / "clusters" / name)
        for system, text in texts.items():
            scores = scorer.score(reference, text)
            for rouge in ROUGE_TYPES:
                totals[system][rouge] += scores[rouge].fmeasure
            words[system] += len(text.split())
        clusters += 1
    print(f"{clusters} clusters, {time.monotonic() - started:.0f} s; F1 x 100, means over clusters")
    print("| system | ROUGE-1 | ROUGE-2 | ROUGE-L | words |")
    print("|---|---:|---:|---:|---:|")
    for system in systems:
        r = {rouge: 100 * totals[system][rouge] / clusters for rouge in ROUGE_TYPES}
        print(
            f"| {system} | {r['rouge1']:.2f} | {r['rouge2']:.2f} | {r['rougeL']:.2f} | "
            f"{words[system] / clusters:.1f} |"
        )
    base = totals["evidence"]["rouge2"]
    print(
        "ROUGE-2 of the evidence: "
        + ", ".join(f"{base / totals[s]['rouge2']:.2f}x {s}" for s in BASELINES)
    )


if __name__ == "__main__":
    main()
