"""The embed stage with the embedding cache, cold and warm, over a folder of articles.

    python benchmarks/embed_cache.py [--input ../shared/eval/multinews_val250] [--profile minilm]

Ingest and clean as `briefing run` does (`pipeline.prepare_articles`), then `embed_articles`
twice through the real embedder behind a `CachedEmbedder` on a new cache file in a temporary
folder: the first run finds the cache empty, the second is a new embedder on the same file, as
the next day's run would be. The model is loaded before the first run's clock starts and is not
loaded at all in the second (every text is cached). Prints the times, how many texts the model
embedded, how long the model itself took in the first run (the rest is hashing and SQLite), the
cache file's size, and whether the second run's vectors equal the first's bit for bit.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from briefing.backends.base import backend
from briefing.backends.vector_cache import CACHE_FILE, CachedEmbedder, embedder_identity
from briefing.config import load_config
from briefing.eval.datasets import labelled_articles
from briefing.pipeline import prepare_articles
from briefing.stages.embed import ArticleVectors, embed_articles

REPO = Path(__file__).resolve().parent.parent


class TimedModel:
    """The model, with the seconds it spends embedding."""

    def __init__(self, model):
        self.model = model
        self.name = model.name
        self.seconds = 0.0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.model.embed(texts)
        finally:
            self.seconds += time.perf_counter() - started


def same_bits(a: ArticleVectors, b: ArticleVectors) -> bool:
    return (
        a.leads.keys() == b.leads.keys()
        and a.sentences.keys() == b.sentences.keys()
        and all(a.leads[k].tobytes() == b.leads[k].tobytes() for k in a.leads)
        and all(a.sentences[k].tobytes() == b.sentences[k].tobytes() for k in a.sentences)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--input", type=Path, default=REPO.parent / "shared" / "eval" / "multinews_val250"
    )
    parser.add_argument("--profile", default=None, help="embedder profile (default: the config's)")
    args = parser.parse_args()
    config, _ = load_config()
    name = args.profile or config.default_embedder
    profile = config.profile(name, "embedder")
    identity = embedder_identity(name, profile)
    assert identity is not None, "pull the embedder's weights first: briefing models pull"

    started = time.perf_counter()
    # every labelled article (the reference summaries left out), as `briefing eval` reads them
    chosen = [rel for rels in labelled_articles(args.input, True).values() for rel in rels]
    articles, skipped = prepare_articles(
        args.input / "clusters", include=chosen, settings=config.pipeline.inputs
    )
    ingest_s = time.perf_counter() - started
    lead_sentences = config.pipeline.cluster.lead_sentences
    texts = len(articles) + sum(len(a.sentences) + (a.title_sentence is not None) for a in articles)
    print(
        f"{len(chosen)} labelled articles, {len(articles)} read ({len(skipped)} skipped), "
        f"{texts} texts to embed"
    )
    print(f"ingest + clean: {ingest_s:.1f} s")

    started = time.perf_counter()
    model = TimedModel(backend(profile).load_embedder(name, profile, print, False))
    print(f"load the {name} model: {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / CACHE_FILE
        runs = []
        for label in ("first run (empty cache)", "second run (warm cache)"):
            loads: list[str] = []

            def load(loads=loads) -> TimedModel:
                loads.append("loaded")
                return model

            embedder = CachedEmbedder(name, identity, load, path)
            before = model.seconds
            started = time.perf_counter()
            vectors = embed_articles(articles, embedder, lead_sentences)
            seconds = time.perf_counter() - started
            runs.append(vectors)
            print(
                f"{label}: embed stage {seconds:.1f} s; {embedder.summary()}; "
                f"model {model.seconds - before:.1f} s{' (loaded)' if loads else ''}"
            )
        print(f"cache file: {path.stat().st_size / 2**20:.1f} MB")
        print(f"vectors of the second run equal the first's bit for bit: {same_bits(*runs)}")


if __name__ == "__main__":
    main()
