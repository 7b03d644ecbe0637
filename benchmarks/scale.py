"""Time and peak memory of the pipeline's stages for 100, 1,000 and 10,000 articles.

    python benchmarks/scale.py [--sizes 100 1000 10000] [--json scale.json]
        [--source ../shared/eval/multinews_val250] [--cache PATH] [--paragraphs N]
        [--hashed-embedder]

The articles are the Multi-News ones of `--source`, read at run time (their text never enters
the repository), repeated and perturbed: the first pass writes each article as it is; each later
pass writes every article again with a seeded third of its paragraphs (never the first) left
out and two paragraphs of another article of its cluster put in, so that a repeat is another
outlet's take on the same event, not a copy that the duplicate stage would set aside (some still
are, and are counted). The files go to a temporary folder; each size runs in a child process of
its own, so its peak resident memory (`ru_maxrss` of the child) is its own.

Stages, as `briefing run` runs them: ingest (read, clean, date), duplicates, embed (the real
default embedder behind the embedding cache; the model is loaded before the clock starts),
cluster, select (every story), and summarise (select, generate, cite/verify) for the 20 largest
stories with a writer that answers at once by quoting its evidence: so the figure is the
pipeline's own cost, without model time. Embedding is timed twice: with the cache as it is when
the size starts (`--cache`, by default one new file shared by the sizes in order, so a size
embeds only the texts the smaller ones did not), and warm (a second pass: every text cached).
`--hashed-embedder` puts a bag of hashed words in the model's place (the pipeline's own cost,
no model time); `--paragraphs N` keeps each article's first N lines of text (cheaper articles).
Each stage is timed in wall seconds and in CPU seconds of the process (all threads), the
steadier figure on a machine shared with other jobs. Prints a Markdown table and, with
`--json`, writes the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STORIES_BRIEFED = 20


def originals(source: Path) -> list[tuple[str, str, list[str]]]:
    """(cluster, title line, paragraphs) of each article file of a labelled folder."""
    found = []
    for path in sorted((source / "clusters").glob("*/*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        paragraphs = [line for line in lines[1:] if line.strip()]
        if paragraphs:
            found.append((path.parent.name, lines[0] if lines else "", paragraphs))
    return found


def write_synthetic(source: Path, count: int, folder: Path, paragraphs: int | None) -> None:
    """`count` article files under `folder`: the originals (their first `paragraphs` lines of
    text, when given), then perturbed repeats."""
    articles = [(c, t, p[:paragraphs]) for c, t, p in originals(source)]
    by_cluster: dict[str, list[int]] = defaultdict(list)
    for i, (cluster, _, _) in enumerate(articles):
        by_cluster[cluster].append(i)
    for k in range(count):
        i, repeat = k % len(articles), k // len(articles)
        cluster, title, paragraphs = articles[i]
        if repeat:
            rng = random.Random(k)
            kept = [paragraphs[0]] + [p for p in paragraphs[1:] if rng.random() >= 1 / 3]
            others = [j for j in by_cluster[cluster] if j != i] or [i]
            borrowed = articles[rng.choice(others)][2]
            for paragraph in rng.sample(borrowed, min(2, len(borrowed))):
                kept.insert(rng.randint(1, len(kept)), paragraph)
            paragraphs = kept
        path = folder / cluster / f"{k:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join([title, *paragraphs]) + "\n", encoding="utf-8")


_NUMBERED = re.compile(r"^\[(\d+)\] \([^)]*\) (.*)$")


class QuotingWriter:
    """A writer of the default profile's style that answers at once: the lede's words as the
    headline, then the evidence sentences with their numbers. It judges every sentence
    supported."""

    def __init__(self, name: str):
        self.name = name  # the default profile's name, so its evidence budget applies

    def _answer(self, messages: list[dict[str, str]]) -> str:
        lines = messages[-1]["content"].splitlines()
        evidence = [m.groups() for line in lines if (m := _NUMBERED.match(line))]
        lede = evidence[0][1].rstrip(".") if evidence else "No evidence"
        return "\n".join(
            [f"Headline: {lede}", "Summary:", *(f"{t} [{n}]" for n, t in evidence[:4])]
        )

    def generate(self, messages, copy_from: str = "", max_new_tokens: int | None = None) -> str:
        return self._answer(messages)

    def generate_many(self, requests, max_new_tokens: int | None = None) -> list[str]:
        return [self._answer(messages) for messages, _ in requests]

    def entailment(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [0.9] * len(pairs)


class HashedWords:
    """`--hashed-embedder`: a bag of hashed words as a 384-dimensional unit vector, so that the
    figures show the pipeline without any model time (texts sharing words get similar vectors,
    as the tests' fake embedder)."""

    name = "hashed-words"

    def embed(self, texts: Sequence[str]):
        import hashlib

        import numpy as np

        rows = np.zeros((len(texts), 384), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                rows[i, hashlib.md5(word.encode()).digest()[0] * 384 // 256] += 1.0
            rows[i, 0] += 1e-3
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(size: int, source: Path, cache: Path, paragraphs: int | None, hashed: bool) -> dict:
    """One size, in this process: the figures of each stage."""
    from briefing.backends.base import backend
    from briefing.backends.vector_cache import CachedEmbedder, embedder_identity
    from briefing.config import load_config
    from briefing.dating import date_articles
    from briefing.pipeline import load_prompts, prepare_articles, summarise_stories
    from briefing.stages.cluster import cluster
    from briefing.stages.duplicates import bring_back_copies, set_copies_aside
    from briefing.stages.embed import embed_articles
    from briefing.stages.generate import repairer
    from briefing.stages.select import select

    config, config_path = load_config()
    prompts = load_prompts(config_path)
    settings = config.pipeline
    name = config.default_embedder
    profile = config.profile(name, "embedder")
    identity = embedder_identity(name, profile)
    assert identity is not None, "pull the embedder's weights first: briefing models pull"
    model = HashedWords() if hashed else backend(profile).load_embedder(name, profile, print, False)
    if hashed:
        name, identity = model.name, "hashed words (benchmarks/scale.py)"
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds of this process (all threads): less noisy than
    # wall time on a machine shared with other jobs
    figures: dict = {"articles": size, "paragraphs": paragraphs, "embedder": name}
    figures.update(seconds=seconds, cpu=cpu)

    def timed(stage: str, work):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        seconds[stage] = round(time.perf_counter() - started, 2)
        cpu[stage] = round(time.process_time() - started_cpu, 2)
        return result

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        write_synthetic(source, size, folder, paragraphs)
        articles, skipped = timed(
            "ingest", lambda: prepare_articles(folder, settings=settings.inputs)
        )
        timed("ingest_dating", lambda: date_articles(articles, folder))
        for figure in (seconds, cpu):
            figure["ingest"] = round(figure["ingest"] + figure.pop("ingest_dating"), 2)
    today, copies = timed("duplicates", lambda: set_copies_aside(articles))
    figures.update(
        read=len(articles),
        skipped=len(skipped),
        copies=len(copies),
        sentences=sum(len(a.sentences) for a in today),
    )
    embedder = CachedEmbedder(name, identity, lambda: model, cache)
    vectors = timed(
        "embed", lambda: embed_articles(today, embedder, settings.cluster.lead_sentences)
    )
    figures["embedded_by_model"] = embedder.misses
    figures["from_cache"] = embedder.hits
    warm = CachedEmbedder(name, identity, lambda: model, cache)
    timed("embed_warm", lambda: embed_articles(today, warm, settings.cluster.lead_sentences))
    figures["embed_warm_embedded_by_model"] = warm.misses
    stories = timed(
        "cluster", lambda: bring_back_copies(cluster(today, vectors, settings.cluster), copies)
    )
    figures["stories"] = len(stories)
    figures["largest_story"] = max(len(s.articles) for s in stories)
    writer = QuotingWriter(config.default_generator)
    generation = config.profile(writer.name).generation
    timed(
        "select",
        lambda: [
            select(
                s,
                vectors,
                settings.select,
                generation.evidence_words,
                generation.evidence_sentences,
            )
            for s in stories
        ],
    )
    briefed = sorted(stories, key=lambda s: -len(s.articles))[:STORIES_BRIEFED]
    summaries = timed(
        "summarise",
        lambda: summarise_stories(
            briefed,
            vectors,
            config,
            prompts,
            writer,
            warm,
            repairer(prompts.repair, writer),
        ),
    )
    figures["stories_briefed"] = len(summaries)
    figures["peak_rss_mb"] = round(peak_rss_mb())
    return figures


def table(results: list[dict]) -> str:
    stages = ("ingest", "duplicates", "embed", "embed_warm", "cluster", "select", "summarise")
    rows = [
        "| articles | read (copies) | sentences | stories | ingest | duplicates "
        "| embed (texts by model) | embed warm | cluster | select (all stories) | summarise 20 "
        "| peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cell = {st: f"{r['seconds'][st]:.1f} s (cpu {r['cpu'][st]:.1f})" for st in stages}
        rows.append(
            f"| {r['articles']:,} | {r['read']:,} ({r['copies']:,}) | {r['sentences']:,} "
            f"| {r['stories']:,} | {cell['ingest']} | {cell['duplicates']} "
            f"| {cell['embed']} ({r['embedded_by_model']:,}) | {cell['embed_warm']} "
            f"| {cell['cluster']} | {cell['select']} | {cell['summarise']} "
            f"| {r['peak_rss_mb']:,} MB |"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["articles"] / first["articles"]
        rows.append("")
        rows.append(
            f"From {first['articles']:,} to {last['articles']:,} articles ({growth:.0f}x), "
            "CPU seconds grew: "
            + ", ".join(
                f"{stage} {last['cpu'][stage] / max(first['cpu'][stage], 0.01):.1f}x"
                for stage in stages
            )
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument(
        "--source", type=Path, default=REPO.parent / "shared" / "eval" / "multinews_val250"
    )
    parser.add_argument("--cache", type=Path, help="embedding cache file (default: a new one)")
    parser.add_argument(
        "--paragraphs", type=int, help="keep each article's first N lines of text (default: all)"
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--hashed-embedder",
        action="store_true",
        help="hashed words instead of the real embedder: the pipeline's cost without model time",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = measure(
            args.child, args.source, args.cache, args.paragraphs, args.hashed_embedder
        )
        args.child_out.write_text(json.dumps(figures))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp) / "embeddings.sqlite"
        for size in args.sizes:
            out = Path(tmp) / f"{size}.json"
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--child", str(size), "--child-out", str(out)]
                + ["--source", str(args.source), "--cache", str(cache)]
                + (["--paragraphs", str(args.paragraphs)] if args.paragraphs else [])
                + (["--hashed-embedder"] if args.hashed_embedder else []),
                check=True,
            )
            result = json.loads(out.read_text())
            result["wall_s"] = round(time.perf_counter() - started, 1)
            results.append(result)
            print(json.dumps(result), flush=True)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
