"""The default writer's int8 kernels side by side: speed, and how much the answers change.

    python benchmarks/int8_kernels.py [--kernels weight-only row-scaled] [--pairs 12]
        [FOLDER ...]   (default: ../shared/seeds and examples/articles)

For every story of the folders, the writer's prompt as a run builds it (select, then the story
prompt); each kernel loads the default profile's int8 cache with that `int8_kernel`, writes all
stories in batches (as a run does: greedy, the profile's batch size and token limit), answers
the first `--pairs` entailment questions of the adversarial set, and writes 64 tokens for the
first prompt alone. Printed: prefill and decode seconds and tokens/s (batched and single
stream), how many answers are identical to the first kernel's, and the largest change of an
entailment probability. The answers are not judged here: read them with
../shared/eval/RUBRIC.md (a briefing per kernel: `int8_kernel` in a copy of models.yaml).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def story_prompts(folders: list[Path]) -> list[list[dict[str, str]]]:
    from briefing.backends.base import load_embedder
    from briefing.config import load_config
    from briefing.pipeline import load_prompts, prepare_articles
    from briefing.stages.cluster import cluster
    from briefing.stages.embed import embed_articles
    from briefing.stages.generate import story_messages
    from briefing.stages.select import select

    config, config_path = load_config(None)
    settings = config.profiles[config.default_generator].generation
    embedder = load_embedder(config, config.default_embedder, lambda line: None, False)
    template = load_prompts(config_path).story
    assert template is not None
    prompts = []
    for folder in folders:
        articles, _ = prepare_articles(folder, settings=config.pipeline.inputs)
        vectors = embed_articles(articles, embedder, config.pipeline.cluster.lead_sentences)
        for story in cluster(articles, vectors, config.pipeline.cluster):
            evidence = select(
                story, vectors, config.pipeline.select,
                settings.evidence_words, settings.evidence_sentences,
            )  # fmt: skip
            prompts.append(story_messages(template, story, evidence))
    return prompts


def measure(kernel: str, prompts: list, pairs: list[tuple[str, str]]) -> dict:
    from briefing.backends import int8
    from briefing.backends.base import load_generator
    from briefing.config import load_config

    config, _ = load_config(None)
    name = config.default_generator
    config.profiles[name] = config.profiles[name].model_copy(update={"int8_kernel": kernel})
    writer = load_generator(config, name, lambda line: None, False)
    model, tokenizer = writer.model, writer.tokenizer  # type: ignore[attr-defined]
    settings = config.profiles[name].generation
    int8.generate(model, tokenizer, [prompts[0]], max_new_tokens=2, loop_window=0)  # warm-up
    started = time.perf_counter()
    results = int8.generate(
        model, tokenizer, prompts, max_new_tokens=settings.max_new_tokens,
        batch_size=settings.batch_size, repetition_penalty=settings.repetition_penalty,
    )  # fmt: skip
    wall = time.perf_counter() - started
    batches = {(r.prefill_seconds, r.decode_seconds) for r in results}
    prompt_tokens = sum(r.prompt_tokens for r in results)
    new_tokens = sum(r.new_tokens for r in results)
    prefill = sum(b[0] for b in batches)
    decode = sum(b[1] for b in batches)
    started = time.perf_counter()
    entailment = int8.entailment_probabilities(model, tokenizer, pairs)
    entailment_s = time.perf_counter() - started
    [single] = int8.generate(
        model, tokenizer, [prompts[0]], max_new_tokens=64, min_new_tokens=64, loop_window=0
    )
    return {
        "kernel": kernel,
        "stories": len(prompts),
        "wall_s": round(wall, 2),
        "prompt_tokens": prompt_tokens,
        "prefill_s": round(prefill, 2),
        "prefill_tok_s": round(prompt_tokens / prefill, 2),
        "new_tokens": new_tokens,
        "decode_s": round(decode, 2),
        "decode_tok_s": round(new_tokens / decode, 2),
        "single_prefill_tok_s": round(single.prompt_tokens / single.prefill_seconds, 2),
        "single_decode_tok_s": round(63 / single.decode_seconds, 2),
        "entailment_s": round(entailment_s, 2),
        "entailment": [round(p, 3) for p in entailment],
        "texts": [r.text for r in results],
    }


def main() -> None:
    from briefing.eval.adversarial import ATTACKS, PARAPHRASES, SOURCES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--kernels", nargs="+", default=["weight-only", "row-scaled"])
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folders = args.folders or [ROOT.parent / "shared" / "seeds", ROOT / "examples" / "articles"]
    premise = SOURCES["ledger/tram.txt"] + "\n" + SOURCES["post/tram.txt"]
    pairs = [(premise, s) for _, s in ATTACKS] + [(premise, s) for s in PARAPHRASES]
    pairs = pairs[: args.pairs]
    prompts = story_prompts(folders)
    rows = [measure(kernel, prompts, pairs) for kernel in args.kernels]
    first = rows[0]
    print(
        "| kernel | stories | wall | prefill tok/s (batched / 1 stream) | decode tok/s "
        "(batched / 1 stream) | answers identical to the first | largest entailment change |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        same = sum(a == b for a, b in zip(first["texts"], row["texts"], strict=True))
        change = max(
            abs(a - b) for a, b in zip(first["entailment"], row["entailment"], strict=True)
        )
        print(
            f"| {row['kernel']} | {row['stories']} | {row['wall_s']} s | "
            f"{row['prefill_tok_s']} / {row['single_prefill_tok_s']} | "
            f"{row['decode_tok_s']} / {row['single_decode_tok_s']} | {same}/{row['stories']} | "
            f"{change:.3f} ({len(pairs)} questions) |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
