"""Evaluations over labelled folders (layout of ../shared/eval: clusters/<cluster>/<article>.txt).

grounding: each cluster goes through select, generate and verify as one story, and the
figures say what became of the model's sentences, then re-check every printed generated
sentence against the lines it cites, read again from the files.

summary: the same per-cluster summaries scored with ROUGE against REFERENCE.md, beside the
extractive baselines of briefing.baselines at the same word budget.

cluster: ingest and clustering as `briefing run` does them, scored against labels.jsonl.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from briefing.cluster import story_id
from briefing.config import Config
from briefing.embed import ArticleVectors, embed_articles
from briefing.errors import InputError
from briefing.generate import Prompts, repairer
from briefing.models import Embedder, Generator
from briefing.pipeline import prepare_articles, summarise_story
from briefing.records import Article, Story, Summary
from briefing.verify import hard_check_problems, split_sentences

log = logging.getLogger(__name__)


def cluster_folders(root: Path, limit: int | None = None) -> list[Path]:
    clusters = root / "clusters"
    if not clusters.is_dir():
        raise InputError(
            f"{root} has no clusters/ folder (expected clusters/<cluster>/<article>.txt)"
        )
    folders = sorted(p for p in clusters.iterdir() if p.is_dir())
    return folders[:limit] if limit else folders


def labelled_articles(root: Path, keep_boilerplate: bool = False) -> dict[str, list[str]]:
    """Article files by cluster folder, from labels.jsonl: the reference summaries
    (REFERENCE.md) and, unless asked, files flagged as page furniture are left out. Without a
    labels file, every .txt file of the cluster folders counts."""
    if (root / "labels.jsonl").is_file():
        by_cluster: dict[str, list[str]] = {}
        for rel, row in sorted(load_labels(root).items()):
            if row.get("boilerplate") and not keep_boilerplate:
                continue
            by_cluster.setdefault(rel.split("/", 1)[0], []).append(rel)
        return by_cluster
    return {
        folder.name: sorted(f"{folder.name}/{p.name}" for p in folder.glob("*.txt"))
        for folder in cluster_folders(root)
    }


def copy_articles(root: Path, rels: list[str], dest: Path) -> Path:
    """The chosen article files copied under `dest`, keeping their relative paths."""
    import shutil

    for rel in rels:
        source = root / "clusters" / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / rel)
    return dest


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
    drafted = split_sentences(summary.draft.summary) if summary.draft else []
    report.sentences_generated += len(drafted)
    replaced = {r.replaced_by for r in summary.rejected if r.replaced_by and r.text in drafted}
    for sentence in summary.sentences:
        if sentence.kind == "generated":
            report.kept_as_written += 1
        elif sentence.kind == "repaired":
            report.repaired += 1
        elif sentence.kind == "quote" and sentence.text in replaced:
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
        1 for r in summary.rejected if r.text in drafted and r.replaced_by is None
    )


@dataclass(frozen=True)
class SummarisedCluster:
    name: str
    folder: Path  # the copied article files the citations point into (gone after the step)
    story: Story
    summary: Summary


def cluster_stories(root: Path, limit: int | None = None) -> Iterator[tuple[str, Path, Story]]:
    """Each cluster of `root` read as `briefing run` reads a folder, as one story: its name, the
    folder of copied article files (gone after the step) and the story. Clusters with no
    readable article are left out."""
    chosen = labelled_articles(root)
    for cluster_folder in cluster_folders(root, limit):
        with tempfile.TemporaryDirectory() as tmp:
            folder = copy_articles(root, chosen.get(cluster_folder.name, []), Path(tmp))
            articles, _ = prepare_articles(folder)
            if not articles:
                log.warning("%s: no readable article; left out", cluster_folder.name)
                continue
            yield cluster_folder.name, folder, Story(story_id(articles), tuple(articles))


def summarised_clusters(
    root: Path,
    config: Config,
    prompts: Prompts,
    generator: Generator,
    embedder: Embedder,
    limit: int | None = None,
) -> Iterator[SummarisedCluster]:
    """Each cluster through select, generate and cite/verify as one story, as `briefing run`
    would summarise it."""
    repair = repairer(prompts.repair, generator)
    for name, folder, story in cluster_stories(root, limit):
        articles = list(story.articles)
        vectors = embed_articles(articles, embedder, config.pipeline.cluster.lead_sentences)
        summary = summarise_story(
            story, vectors, config, prompts, generator, embedder, repair, name
        )
        yield SummarisedCluster(name, folder, story, summary)


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


# --- summary content --------------------------------------------------------------------

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def printed_summary(summary: Summary) -> str:
    """The summary as a reader sees it, without citations: only verified sentences."""
    return " ".join(s.text for s in summary.sentences)


def reference_summary(cluster_folder: Path) -> str:
    path = cluster_folder / "REFERENCE.md"
    if not path.is_file():
        raise InputError(
            f"{cluster_folder} has no REFERENCE.md (the human summary to score against)"
        )
    # Multi-News references open with an en dash left over from the source site's layout.
    return path.read_text(encoding="utf-8").strip().lstrip("–-— ").strip()


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

    from briefing.baselines import BASELINES, cut_to_words

    started = time.monotonic()
    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    if generator is None and not words:
        raise InputError("scoring the baselines alone needs a word budget (--words N)")
    report = SummaryReport(generator.name if generator else "")
    if words:
        report.word_budget = f"{words} words for every system"
    total = len(cluster_folders(root, limit))
    if generator is not None:
        clusters = (
            (done.name, done.story, printed_summary(done.summary))
            for done in summarised_clusters(root, config, prompts, generator, embedder, limit)
        )
    else:
        clusters = ((name, story, None) for name, _, story in cluster_stories(root, limit))
    for name, story, ours in clusters:
        reference = reference_summary(root / "clusters" / name)
        budget = words or len(ours.split())
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


# --- clustering -------------------------------------------------------------------------


def load_labels(root: Path) -> dict[str, dict]:
    """labels.jsonl rows by article path relative to clusters/."""
    import json

    path = root / "labels.jsonl"
    if not path.is_file():
        raise InputError(f"{root} has no labels.jsonl (one line per article: path, cluster_id)")
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["path"].removeprefix("clusters/")] = row
    return labels


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 (Bagga and Baldwin 1998) over the items of `gold`."""
    from collections import defaultdict

    by_predicted: dict[str, set[str]] = defaultdict(set)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for item in gold:
        by_predicted[predicted[item]].add(item)
        by_gold[gold[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        same_predicted = by_predicted[predicted[item]]
        same_gold = by_gold[gold[item]]
        overlap = len(same_predicted & same_gold)
        precision += overlap / len(same_predicted)
        recall += overlap / len(same_gold)
    precision /= len(gold)
    recall /= len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


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


def read_labelled_articles(
    root: Path, embedder: Embedder, lead_sentences: int, keep_boilerplate: bool = False
) -> tuple[list[Article], ArticleVectors]:
    """The labelled articles of `root` read, cleaned and embedded as `briefing run` would."""
    chosen = [rel for rels in labelled_articles(root, keep_boilerplate).values() for rel in rels]
    with tempfile.TemporaryDirectory() as tmp:
        # Only the labelled articles: reference summaries and (by default) the flagged page
        # furniture are not what a user's folder would hold.
        articles, _ = prepare_articles(copy_articles(root, chosen, Path(tmp)))
        return articles, embed_articles(articles, embedder, lead_sentences)


def evaluate_clustering(
    root: Path, config: Config, embedder: Embedder, boilerplate: str = "drop", show: int = 5
) -> ClusterReport:
    """Ingest and cluster `root`/clusters exactly as `briefing run` does, then score."""
    from collections import Counter, defaultdict

    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from briefing.cluster import cluster

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
