"""Labelled folders (the layout of ../shared/eval) read as `briefing run` reads a folder.

A labelled folder holds `clusters/<cluster>/<article>.txt`, optionally `REFERENCE.md` in each
cluster folder (a human summary) and `labels.jsonl` (one line per article: `path`,
`cluster_id`, optionally `boilerplate: true`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from briefing.backends.base import Embedder, Generator
from briefing.config import Config
from briefing.errors import InputError
from briefing.pipeline import prepare_articles, summarise_story
from briefing.records import Article, Story, Summary
from briefing.stages.cluster import story_id
from briefing.stages.embed import ArticleVectors, embed_articles
from briefing.stages.generate import Prompts, repairer

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


def load_labels(root: Path) -> dict[str, dict]:
    """labels.jsonl rows by article path relative to clusters/."""
    path = root / "labels.jsonl"
    if not path.is_file():
        raise InputError(f"{root} has no labels.jsonl (one line per article: path, cluster_id)")
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["path"].removeprefix("clusters/")] = row
    return labels


def reference_summary(cluster_folder: Path) -> str:
    path = cluster_folder / "REFERENCE.md"
    if not path.is_file():
        raise InputError(
            f"{cluster_folder} has no REFERENCE.md (the human summary to score against)"
        )
    # Multi-News references open with an en dash left over from the source site's layout.
    return path.read_text(encoding="utf-8").strip().lstrip("–-— ").strip()


@dataclass(frozen=True)
class SummarisedCluster:
    name: str
    folder: Path  # the folder the citations' paths are relative to
    story: Story
    summary: Summary


def cluster_stories(root: Path, limit: int | None = None) -> Iterator[tuple[str, Path, Story]]:
    """Each cluster of `root` read as `briefing run` reads a folder, as one story: its name, the
    folder its article paths are relative to (`root`/clusters) and the story. Clusters with no
    readable article are left out."""
    chosen = labelled_articles(root)
    folder = root / "clusters"
    for cluster_folder in cluster_folders(root, limit):
        articles, _ = prepare_articles(folder, include=chosen.get(cluster_folder.name, []))
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


def read_labelled_articles(
    root: Path, embedder: Embedder, lead_sentences: int, keep_boilerplate: bool = False
) -> tuple[list[Article], ArticleVectors]:
    """The labelled articles of `root` read, cleaned and embedded as `briefing run` would."""
    chosen = [rel for rels in labelled_articles(root, keep_boilerplate).values() for rel in rels]
    # Only the labelled articles: reference summaries and (by default) the flagged page
    # furniture are not what a user's folder would hold.
    articles, _ = prepare_articles(root / "clusters", include=chosen)
    return articles, embed_articles(articles, embedder, lead_sentences)
