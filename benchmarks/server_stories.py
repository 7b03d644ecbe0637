"""Stories per minute written by llama.cpp's server at 1, 2 and 4 concurrent requests.

Starts llama-cpp-python's server on the GGUF file of a pulled profile, builds the stories and
their evidence of a folder with the pipeline (in-process embedder), then times the generate
stage alone (`generate_stories`, one chat completion per story, the profile's prompt and copy
bias) with `server.concurrency` at 1, 2 and 4. Verification is not timed.

    BRIEFING_LLAMA_PYTHON=/path/to/venv-llama/bin/python \
        python benchmarks/server_stories.py [FOLDER] [--profile llamacpp-smollm2-135m]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from briefing.backends.base import load_embedder
from briefing.backends.llama_server import llama_python, llama_server
from briefing.backends.openai import OpenAIWriter
from briefing.backends.weights import cache_root, weights_dir
from briefing.config import load_config, load_prompt
from briefing.pipeline import prepare_articles
from briefing.stages.cluster import cluster
from briefing.stages.embed import embed_articles
from briefing.stages.generate import generate_stories
from briefing.stages.select import select

WEIGHTS = {  # the server profile -> the profile whose GGUF file it serves
    "llamacpp-smollm2-135m": "smollm2-135m",
    "llamacpp-qwen2.5-coder-1.5b": "qwen2.5-coder-1.5b",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path("examples/articles"))
    parser.add_argument("--profile", default="llamacpp-smollm2-135m", choices=sorted(WEIGHTS))
    parser.add_argument("--stories", type=int, default=8, help="stories per measurement")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 2, 4], help="in this order"
    )
    args = parser.parse_args()

    python = llama_python()
    if python is None:
        raise SystemExit("llama-cpp-python[server] not found: set $BRIEFING_LLAMA_PYTHON")
    config, config_path = load_config()
    profile = config.profiles[args.profile]
    assert profile.server is not None
    weights = config.profiles[WEIGHTS[args.profile]]
    folder = weights_dir(WEIGHTS[args.profile], weights)
    if folder is None:
        raise SystemExit(f"run `briefing models pull {WEIGHTS[args.profile]}` first")
    gguf = folder / str(weights.gguf_file)

    articles, _ = prepare_articles(args.folder)
    vectors = embed_articles(
        articles, load_embedder(config), config.pipeline.cluster.lead_sentences
    )
    stories = cluster(articles, vectors, config.pipeline.cluster)
    writer = profile.generation
    items = [
        (story, select(story, vectors, config.pipeline.select, writer.evidence_words,
                       writer.evidence_sentences))
        for story in stories
    ]  # fmt: skip
    items = (items * args.stories)[: args.stories]  # the folder's stories, repeated
    prompt = load_prompt(config_path, "story")
    print(f"{len(articles)} articles, {len(stories)} stories; timing {len(items)} stories each")

    tokenizer = cache_root() / "converted" / WEIGHTS[args.profile] / "tokenizer.json"
    with tempfile.TemporaryDirectory() as tmp:
        alias = profile.server.model
        with llama_server(
            python, gguf, alias, Path(tmp) / "server.log", threads=args.threads
        ) as url:
            print(
                f"{'concurrent':>10} {'seconds':>8} {'stories/min':>12} {'tokens out':>10} {'failed':>6}"
            )
            warm_up = True  # the first request pays for loading the model into memory
            for concurrency in args.concurrency:
                server = profile.server.model_copy(update={
                    "base_url": url, "concurrency": concurrency, "retries": 0,
                    "tokenizer": str(tokenizer) if tokenizer.is_file() else None,
                })  # fmt: skip
                generation = writer.model_copy(update={"batch_size": max(concurrency, 1)})
                client = OpenAIWriter(
                    args.profile,
                    profile.model_copy(update={"server": server, "generation": generation}),
                    say=lambda _: None,
                )
                if warm_up:
                    generate_stories(items[:1], prompt, client, batch_size=1)
                    warm_up = False
                started = time.monotonic()
                drafts = generate_stories(items, prompt, client, batch_size=len(items))
                seconds = time.monotonic() - started
                failed = sum(isinstance(d, Exception) for d in drafts)
                print(
                    f"{concurrency:>10} {seconds:>8.1f} {60 * len(items) / seconds:>12.2f} "
                    f"{client.client.stats.completion_tokens:>10} {failed:>6}"
                )


if __name__ == "__main__":
    main()
