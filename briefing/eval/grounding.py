"""`briefing eval grounding`: what becomes of the model's sentences (kept, repaired, replaced
by quotes, dropped), and a re-check of every printed generated sentence against the lines it
cites, read again from the files."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from briefing.backends.base import Embedder, Generator
from briefing.config import Config
from briefing.eval.datasets import cluster_folders, summarised_clusters
from briefing.records import Summary
from briefing.stages.generate import Prompts
from briefing.stages.verify import hard_check_problems

log = logging.getLogger(__name__)


@dataclass
class GroundingReport:
    clusters: int = 0
    sentences_generated: int = 0
    kept_as_written: int = 0
    repaired: int = 0
    replaced_by_quotes: int = 0
    dropped: int = 0
    quotes_added: int = 0  # quoted evidence topping up short summaries, not replacing anything
    citations: int = 0
    unsupported_kept: int = 0  # printed generated sentences whose numbers or names are missing
    unsupported_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def printed_generated(self) -> int:
        return self.kept_as_written + self.repaired

    def share(self, count: int) -> float:
        return count / self.sentences_generated if self.sentences_generated else 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["share_kept_as_written"] = self.share(self.kept_as_written)
        data["share_repaired"] = self.share(self.repaired)
        data["share_replaced_by_quotes"] = self.share(self.replaced_by_quotes)
        data["share_dropped"] = self.share(self.dropped)
        data["share_kept_or_repaired"] = self.share(self.printed_generated)
        data["citations_per_printed_generated_sentence"] = (
            self.citations / self.printed_generated if self.printed_generated else 0.0
        )
        return data

    def format(self) -> str:
        d = self.as_dict()
        return "\n".join(
            [
                f"clusters: {self.clusters} ({self.seconds:.0f} s)",
                f"sentences generated: {self.sentences_generated}",
                f"kept as written: {self.kept_as_written} ({d['share_kept_as_written']:.1%})",
                f"repaired: {self.repaired} ({d['share_repaired']:.1%})",
                f"replaced by quotes: {self.replaced_by_quotes} ({d['share_replaced_by_quotes']:.1%})",
                f"dropped (nothing in the sources close to them): {self.dropped} ({d['share_dropped']:.1%})",
                f"kept or repaired: {d['share_kept_or_repaired']:.1%}",
                f"citations per kept or repaired sentence: {d['citations_per_printed_generated_sentence']:.2f}",
                f"quoted evidence added to short summaries: {self.quotes_added}",
                f"kept sentences with a number or name missing from their cited lines: {self.unsupported_kept}",
            ]
        )


def _tally(report: GroundingReport, summary: Summary, folder: Path) -> None:
    report.sentences_generated += len(summary.draft.sentences) if summary.draft else 0
    for sentence in summary.sentences:
        if sentence.kind == "generated":
            report.kept_as_written += 1
        elif sentence.kind == "repaired":
            report.repaired += 1
        elif sentence.kind == "quote" and sentence.draft_index is not None:
            report.replaced_by_quotes += 1
        elif sentence.kind == "quote":
            report.quotes_added += 1
        if sentence.kind in ("generated", "repaired"):
            report.citations += len(sentence.citations)
            cited = []
            for c in sentence.citations:
                lines = (folder / c.path).read_text(encoding="utf-8").splitlines()
                cited.append(" ".join(lines[c.start_line - 1 : c.end_line]))
            if hard_check_problems(sentence.text, " ".join(cited)):
                report.unsupported_kept += 1
                report.unsupported_examples.append(sentence.text)
    report.dropped += sum(
        1 for r in summary.rejected if r.draft_index is not None and r.replaced_by is None
    )


def evaluate_grounding(
    root: Path,
    config: Config,
    prompts: Prompts,
    generator: Generator,
    embedder: Embedder,
    limit: int | None = None,
    progress: Callable[[str], None] = log.info,
) -> GroundingReport:
    started = time.monotonic()
    report = GroundingReport()
    total = len(cluster_folders(root, limit))
    for done in summarised_clusters(root, config, prompts, generator, embedder, limit):
        _tally(report, done.summary, done.folder)
        report.clusters += 1
        progress(
            f"{report.clusters}/{total} {done.name}: {report.sentences_generated} "
            f"generated so far, {report.printed_generated} kept or repaired"
        )
    report.seconds = time.monotonic() - started
    return report
