"""`briefing eval summary`: ROUGE of the verified summaries against REFERENCE.md, beside the
extractive baselines of briefing.eval.baselines at the same word budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from briefing.backends.base import Embedder, Generator
from briefing.config import Config
from briefing.errors import InputError
from briefing.eval.datasets import (
    cluster_folders,
    cluster_stories,
    reference_summary,
    summarised_clusters,
)
from briefing.records import Story, Summary
from briefing.stages.generate import Prompts

log = logging.getLogger(__name__)

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def printed_summary(summary: Summary) -> str:
    """The summary as a reader sees it, without citations: only verified sentences."""
    return " ".join(s.text for s in summary.sentences)


@dataclass
class SummaryReport:
    generator: str
    clusters: int = 0
    word_budget: str = "per cluster: as many words as the pipeline's printed summary"
    seconds: float = 0.0
    # system -> rouge type -> mean F1; system -> mean words
    f1: dict[str, dict[str, float]] = field(default_factory=dict)
    recall: dict[str, dict[str, float]] = field(default_factory=dict)
    words: dict[str, float] = field(default_factory=dict)
    per_cluster: list[dict] = field(default_factory=list)

    def add(self, scorer, name: str, budget: int, reference: str, texts: dict[str, str]) -> dict:
        """Score each system's text of one cluster against its reference; the row is kept."""
        row: dict = {"cluster": name, "budget": budget}
        for system, text in texts.items():
            scores = scorer.score(reference, text)
            row[system] = {
                "f1": {r: scores[r].fmeasure for r in ROUGE_TYPES},
                "recall": {r: scores[r].recall for r in ROUGE_TYPES},
                "words": len(text.split()),
            }
        self.per_cluster.append(row)
        self.clusters += 1
        return row

    def finish(self) -> None:
        """The means over clusters, from the per-cluster rows."""
        rows = self.per_cluster
        for system in (s for s in rows[0] if s not in ("cluster", "budget")):
            for measure, means in (("f1", self.f1), ("recall", self.recall)):
                means[system] = {
                    r: sum(row[system][measure][r] for row in rows) / len(rows) for r in ROUGE_TYPES
                }
            self.words[system] = sum(row[system]["words"] for row in rows) / len(rows)

    def ratio(self, system: str, baseline: str, rouge: str = "rouge2") -> float:
        base = self.f1[baseline][rouge]
        return self.f1[system][rouge] / base if base else float("inf")

    def as_dict(self) -> dict:
        data = asdict(self)
        if "briefing" in self.f1:
            data["rouge2_ratio_to_lexrank"] = self.ratio("briefing", "lexrank")
            data["rouge2_ratio_to_lead3"] = self.ratio("briefing", "lead-3")
        return data

    def table(self) -> str:
        rows = [
            "| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 | ROUGE-2 recall | words |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for system, scores in self.f1.items():
            name = f"briefing ({self.generator})" if system == "briefing" else system
            rows.append(
                f"| {name} | {100 * scores['rouge1']:.2f} | {100 * scores['rouge2']:.2f} | "
                f"{100 * scores['rougeL']:.2f} | {100 * self.recall[system]['rouge2']:.2f} | "
                f"{self.words[system]:.1f} |"
            )
        return "\n".join(rows)

    def markdown(self) -> str:
        return "\n".join(
            [
                f"# Summary content against reference summaries ({self.clusters} clusters)",
                "",
                self.table(),
                "",
                *(
                    [
                        f"ROUGE-2 F1 of briefing: {self.ratio('briefing', 'lexrank'):.2f}x "
                        f"LexRank, {self.ratio('briefing', 'lead-3'):.2f}x lead-3, "
                        f"{self.ratio('briefing', 'textrank'):.2f}x TextRank.",
                        "",
                    ]
                    if "briefing" in self.f1
                    else []
                ),
                f"Word budget: {self.word_budget}. ROUGE from rouge-score with the Porter "
                "stemmer; F1 and recall are means over clusters, times 100. The pipeline's "
                "summary is what `briefing run` prints (verified sentences, citations "
                "stripped, headline not included).",
                f"Time: {self.seconds:.0f} s.",
                "",
            ]
        )


def evaluate_summaries(
    root: Path,
    config: Config,
    prompts: Prompts,
    generator: Generator | None,
    embedder: Embedder | None,
    limit: int | None = None,
    words: int | None = None,
    progress: Callable[[str], None] = log.info,
) -> SummaryReport:
    """Score the pipeline's summaries and the baselines against REFERENCE.md, cluster by cluster,
    each system given the same number of words. Without a generator only the baselines are
    scored (at `words`), which needs no model at all."""
    from rouge_score.rouge_scorer import RougeScorer

    from briefing.eval.baselines import BASELINES, cut_to_words

    started = time.monotonic()
    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    if generator is None and not words:
        raise InputError("scoring the baselines alone needs a word budget (--words N)")
    report = SummaryReport(generator.name if generator else "")
    if words:
        report.word_budget = f"{words} words for every system"
    total = len(cluster_folders(root, limit))
    clusters: Iterator[tuple[str, Story, str | None]]
    if generator is not None:
        if embedder is None:
            raise ValueError("summarising needs an embedder beside the generator")
        clusters = (
            (done.name, done.story, printed_summary(done.summary))
            for done in summarised_clusters(root, config, prompts, generator, embedder, limit)
        )
    else:
        clusters = ((name, story, None) for name, _, story in cluster_stories(root, limit))
    for name, story, ours in clusters:
        reference = reference_summary(root / "clusters" / name)
        budget = words or len((ours or "").split())
        texts = {} if ours is None else {"briefing": cut_to_words([ours], budget)}
        texts |= {system: make(story, budget) for system, make in BASELINES.items()}
        row = report.add(scorer, name, budget, reference, texts)
        progress(
            f"{report.clusters}/{total} {name}: ROUGE-2 "
            + ", ".join(f"{system} {row[system]['f1']['rouge2']:.3f}" for system in texts)
        )
    if not report.clusters:
        raise InputError(f"no cluster of {root} had a readable article")
    report.finish()
    report.seconds = time.monotonic() - started
    return report
