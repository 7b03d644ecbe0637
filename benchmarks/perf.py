"""How fast briefing runs on this machine, and how fast llama.cpp runs the same weights (issue 18).

    python benchmarks/perf.py [--profiles qwen2.5-coder-1.5b smollm2-135m] [--out DIR]
        [--llama-python /path/to/venv/bin/python] [--skip cold,warm,val,micro]

1. Whole runs: `briefing run` in a child process each (wall time, peak memory from wait4), on
   examples/articles and ../shared/seeds, for every profile:
   - cold: the weights downloaded but not converted (a fresh cache folder holding hard links to
     the downloaded files, so the run converts them, and with an empty embedding cache);
   - warm: the user's cache, converted beforehand by `briefing models pull`.
   Each run's per-stage seconds and the writer's token rates come from its JSON.
2. The 690 labelled articles of ../shared/eval/multinews_val250 (not the clusters' reference
   summaries) to a 20-story briefing with the first
   profile (`--max-stories 20 --max-minutes 4.5`, where the CLI has them: the stories the
   budget leaves unwritten are quoted, and the JSON counts them).
3. The writer alone, on the prompt of the seeds' largest story: prefill and decode speed of our
   code path (`backends.int8.generate`, which the pipeline uses) with the same token ids, the
   same number of new tokens (EOS ignored) and the same thread count as llama.cpp
   (llama-cpp-python in a venv of its own: a benchmark tool, never a dependency) reading the
   profile's GGUF file; our batched decode is compared with llama.cpp's single stream. Each
   figure is the best of `--repeats` tries.

Writes perf.json and perf.md into --out and prints the Markdown. Two model jobs at once halve
each other's speed: run it on a quiet machine, and compare ratios taken in one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATE = "2026-11-22"
INPUTS = {
    "examples": REPO / "examples" / "articles",
    "seeds": SHARED / "seeds",
}
VAL = SHARED / "eval" / "multinews_val250"


def labelled_articles(dataset: Path) -> Path:
    """A folder holding hard links to the dataset's labelled articles only: the clusters'
    REFERENCE.md summaries are no input."""
    folder = Path(tempfile.mkdtemp(prefix="briefing-val-"))
    for line in (dataset / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        path = json.loads(line)["path"]
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(dataset / path, target)
        except OSError:
            shutil.copy2(dataset / path, target)
    return folder


# Run inside llama-cpp-python's venv: prefill and single-stream decode of given token ids.
LLAMA_SCRIPT = r"""
import json, sys, time
import numpy as np
from llama_cpp import Llama
job = json.loads(sys.stdin.read())
ids, new, threads = job["ids"], job["new_tokens"], job["threads"]
llm = Llama(model_path=job["gguf"], n_threads=threads, n_threads_batch=threads,
            n_ctx=len(ids) + new + 16, n_batch=512, verbose=False)
vocab = llm.n_vocab()
def last_logits():  # the context's logits of the last token evaluated
    return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(vocab,))
llm.eval(ids[:8]); llm.reset()  # warm-up
best = None
for _ in range(job["repeats"]):
    llm.reset()
    t0 = time.perf_counter(); llm.eval(ids); t1 = time.perf_counter()
    token = int(np.argmax(last_logits()))
    for _ in range(new - 1):
        llm.eval([token])
        token = int(np.argmax(last_logits()))
    t2 = time.perf_counter()
    tried = {"prefill_s": t1 - t0, "decode_s": t2 - t1}
    best = tried if best is None else {k: min(best[k], tried[k]) for k in best}
print(json.dumps({**best, "prompt_tokens": len(ids), "decode_steps": new - 1, "threads": threads,
                  "version": __import__("llama_cpp").__version__}))
"""


def run_child(command: list[str], env: dict[str, str] | None = None) -> dict:
    """A child process's exit code, wall seconds and peak RSS (MB), its output kept."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode(errors="replace")
    return {
        "exit": child.returncode,
        "wall_s": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "output": output,
    }


def briefing_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "briefing", *args]


def cold_cache(profiles: list[str], embedder: str) -> Path:
    """A cache folder with the downloaded weights only (hard links: no copy of 1 GB)."""
    from briefing.backends.weights import cache_root

    folder = Path(tempfile.mkdtemp(prefix="briefing-cold-"))
    for name in [*profiles, embedder]:
        source = cache_root() / "models" / name
        for path in source.rglob("*"):
            target = folder / "models" / name / path.relative_to(source)
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
    return folder


def whole_run(
    folder: Path, profile: str, env: dict[str, str], *extra: str, keep: Path | None = None
) -> dict:
    """One `briefing run` into a fresh output folder (so no summary is reused); the folder is
    removed afterwards unless `keep` names it."""
    out = keep or Path(tempfile.mkdtemp(prefix="briefing-perf-"))
    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
    try:
        result = run_child(
            briefing_command(
                "run", str(folder), "--out", str(out), "--date", DATE, "--model", profile, *extra
            ),
            env,
        )
        facts: dict = {}
        written = out / f"{DATE}.json"
        if written.exists():
            data = json.loads(written.read_text())
            facts = {
                "stories": data.get("story_count"),
                "articles": data.get("article_count"),
                "timings_s": data.get("run", {}).get("timings_s"),
                "writer": data.get("run", {}).get("writer_throughput"),
                "budget": data.get("run", {}).get("budget"),
            }
        if result["exit"] not in (0, 6):  # 6: written, some input skipped
            facts["log_tail"] = result["output"][-2000:]
        del result["output"]
        return {**result, **facts}
    finally:
        if keep is None:
            shutil.rmtree(out, ignore_errors=True)


def story_prompt(folder: Path, profile: str) -> list[dict[str, str]]:
    """The writer's prompt for the largest story of `folder`, as the pipeline builds it."""
    from briefing.backends.base import load_embedder
    from briefing.config import load_config
    from briefing.pipeline import load_prompts, prepare_articles
    from briefing.stages.cluster import cluster
    from briefing.stages.embed import embed_articles
    from briefing.stages.generate import story_messages
    from briefing.stages.select import select

    config, config_path = load_config(None)
    settings = config.profiles[profile].generation
    articles, _ = prepare_articles(folder, settings=config.pipeline.inputs)
    embedder = load_embedder(config, config.default_embedder, lambda line: None, False)
    vectors = embed_articles(articles, embedder, config.pipeline.cluster.lead_sentences)
    stories = cluster(articles, vectors, config.pipeline.cluster)
    story = max(stories, key=lambda s: sum(len(a.sentences) for a in s.articles))
    evidence = select(
        story, vectors, config.pipeline.select, settings.evidence_words, settings.evidence_sentences
    )
    template = load_prompts(config_path).story
    assert template is not None
    return story_messages(template, story, evidence)


def micro_ours(job: dict) -> dict:
    """In a child process: load the profile's writer as a run does, then time our generate
    on the job's prompt, one stream and `batch` streams."""
    import torch

    from briefing.backends import int8
    from briefing.backends.base import load_generator
    from briefing.config import load_config

    config, _ = load_config(None)
    writer = load_generator(config, job["profile"], lambda line: None, False)
    model, tokenizer = writer.model, writer.tokenizer  # type: ignore[attr-defined]
    text = tokenizer.apply_chat_template(
        job["messages"], tokenize=False, add_generation_prompt=True
    )
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    new = job["new_tokens"]

    def best_of(rows: int) -> dict:
        best: dict | None = None
        for _ in range(job["repeats"]):
            [result, *_] = int8.generate(
                model,
                tokenizer,
                [text] * rows,
                max_new_tokens=new,
                min_new_tokens=new,
                batch_size=rows,
                loop_window=0,
            )
            tried = {"prefill_s": result.prefill_seconds, "decode_s": result.decode_seconds}
            best = tried if best is None else {k: min(best[k], tried[k]) for k in best}
        assert best is not None
        return {**best, "rows": rows, "decode_steps": new - 1}

    int8.generate(model, tokenizer, [text], max_new_tokens=2, loop_window=0)  # warm-up
    return {
        "ids": ids,
        "threads": torch.get_num_threads(),
        "single": best_of(1),
        "batched": best_of(job["batch"]),
    }


def micro(profile: str, messages: list[dict[str, str]], args: argparse.Namespace) -> dict:
    """Our writer and llama.cpp on the same prompt tokens, new tokens and threads."""
    from briefing.backends.weights import cache_root
    from briefing.config import load_config

    job = {
        "profile": profile,
        "messages": messages,
        "new_tokens": args.new_tokens,
        "repeats": args.repeats,
        "batch": args.batch,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(job, fh)
    ours_run = run_child([sys.executable, __file__, "--micro-job", fh.name])
    os.unlink(fh.name)
    if ours_run["exit"] != 0:
        return {"error": ours_run["output"][-2000:]}
    ours = json.loads(ours_run["output"].strip().splitlines()[-1])
    ids = ours.pop("ids")
    prompt_tokens = len(ids)
    figures: dict = {
        "prompt_tokens": prompt_tokens,
        "new_tokens": args.new_tokens,
        "threads": ours["threads"],
        "ours_peak_rss_mb": ours_run["peak_rss_mb"],
    }
    for kind in ("single", "batched"):
        r = ours[kind]
        figures[f"ours_{kind}"] = {
            "rows": r["rows"],
            "prefill_tok_s": round(r["rows"] * prompt_tokens / r["prefill_s"], 2),
            "decode_tok_s": round(r["rows"] * r["decode_steps"] / r["decode_s"], 2),
        }
    config, _ = load_config(None)
    gguf = config.profiles[profile].gguf_file
    python = args.llama_python or os.environ.get("BRIEFING_LLAMA_PYTHON")
    if not python or not gguf:
        figures["llama_cpp"] = None
        return figures
    request = {
        "gguf": str(cache_root() / "models" / profile / gguf),
        "ids": ids,
        "new_tokens": args.new_tokens,
        "threads": ours["threads"],
        "repeats": args.repeats,
    }
    started = time.monotonic()
    done = subprocess.run(
        [python, "-c", LLAMA_SCRIPT],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        figures["llama_cpp"] = {"error": done.stderr[-2000:]}
        return figures
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    figures["llama_cpp"] = {
        "version": theirs["version"],
        "prefill_tok_s": round(prompt_tokens / theirs["prefill_s"], 2),
        "decode_tok_s": round(theirs["decode_steps"] / theirs["decode_s"], 2),
        "wall_s": round(time.monotonic() - started, 1),
    }
    base = figures["llama_cpp"]
    figures["ratios"] = {
        "prefill": round(figures["ours_single"]["prefill_tok_s"] / base["prefill_tok_s"], 2),
        "decode_single": round(figures["ours_single"]["decode_tok_s"] / base["decode_tok_s"], 2),
        "decode_batched": round(figures["ours_batched"]["decode_tok_s"] / base["decode_tok_s"], 2),
    }
    return figures


def supports(flag: str) -> bool:
    shown = subprocess.run(
        briefing_command("run", "--help"), capture_output=True, text=True, cwd=REPO, check=False
    )
    return flag in shown.stdout


def markdown(report: dict) -> str:
    lines = [
        f"# briefing speed, {report['started']} ({report['machine']})",
        "",
        f"Commit {report['commit']}; load average at start {report['load_at_start']}.",
        "",
        "## Whole runs (`briefing run`, fresh output folder each)",
        "",
        "| profile | input | cache | exit | stories | wall | peak RSS | prefill tok/s | "
        "decode tok/s | stages (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["runs"]:
        writer = row.get("writer") or {}
        stages = ", ".join(
            f"{k} {v:.1f}"
            for k, v in (row.get("timings_s") or {}).items()
            if k != "total" and v >= 0.05
        )
        lines.append(
            f"| {row['profile']} | {row['input']} | {row['cache']} | {row['exit']} | "
            f"{row.get('stories', '')} | {row['wall_s']:.1f} s | {row['peak_rss_mb']} MB | "
            f"{writer.get('prefill_tok_s', '')} | {writer.get('decode_tok_s', '')} | {stages} |"
        )
    lines += [
        "",
        "## The writer alone, against llama.cpp on the same GGUF file",
        "",
        "| profile | prompt tokens | new tokens | threads | ours prefill | llama.cpp prefill | "
        "ratio | ours decode (1 stream) | llama.cpp decode | ratio | ours decode (batch) | "
        "ratio to llama.cpp's single stream |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for profile, m in report["micro"].items():
        if "error" in m:
            lines.append(f"| {profile} | failed: see perf.json | | | | | | | | | | |")
            continue
        base = m.get("llama_cpp") or {}
        ratios = m.get("ratios") or {}
        lines.append(
            f"| {profile} | {m['prompt_tokens']} | {m['new_tokens']} | {m['threads']} | "
            f"{m['ours_single']['prefill_tok_s']} | {base.get('prefill_tok_s', 'n/a')} | "
            f"{ratios.get('prefill', '')} | {m['ours_single']['decode_tok_s']} | "
            f"{base.get('decode_tok_s', 'n/a')} | {ratios.get('decode_single', '')} | "
            f"{m['ours_batched']['decode_tok_s']} ({m['ours_batched']['rows']} rows) | "
            f"{ratios.get('decode_batched', '')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", nargs="+", default=["qwen2.5-coder-1.5b", "smollm2-135m"])
    parser.add_argument("--out", type=Path, default=Path("perf-results"))
    parser.add_argument("--llama-python", help="python of a venv with llama-cpp-python")
    parser.add_argument("--skip", default="", help="comma-separated: cold,warm,val,micro")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--val-stories", type=int, default=20)
    parser.add_argument(
        "--val-minutes", type=float, default=4.5, help="--max-minutes of the 690-article run"
    )
    parser.add_argument(
        "--keep", type=Path, help="keep the warm runs' briefings in KEEP/<profile>-<input>"
    )
    parser.add_argument("--micro-job", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.micro_job:
        print(json.dumps(micro_ours(json.loads(Path(args.micro_job).read_text()))))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    skip = set(filter(None, args.skip.split(",")))
    from briefing.config import load_config

    config, _ = load_config(None)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    report: dict = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{os.cpu_count()} CPUs",
        "load_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "runs": [],
        "micro": {},
    }
    env = dict(os.environ)

    def record(row: dict) -> None:
        report["runs"].append(row)
        print(json.dumps(row), flush=True)

    for profile in args.profiles:
        if "cold" not in skip:
            cache = cold_cache([profile], config.default_embedder)
            try:
                row = whole_run(INPUTS["seeds"], profile, {**env, "BRIEFING_CACHE_DIR": str(cache)})
                record({"profile": profile, "input": "seeds", "cache": "cold", **row})
            finally:
                shutil.rmtree(cache, ignore_errors=True)
        if "warm" not in skip:
            run_child(briefing_command("models", "pull", profile), env)
            for name, folder in INPUTS.items():
                if folder.is_dir():
                    keep = args.keep / f"{profile}-{name}" if args.keep else None
                    row = whole_run(folder, profile, env, keep=keep)
                    record({"profile": profile, "input": name, "cache": "warm", **row})
    if "val" not in skip and VAL.is_dir():
        extra = ["--max-stories", str(args.val_stories)] if supports("--max-stories") else []
        extra += ["--max-minutes", str(args.val_minutes)] if supports("--max-minutes") else []
        keep = args.keep / f"{args.profiles[0]}-multinews_val250" if args.keep else None
        articles = labelled_articles(VAL)
        try:
            row = whole_run(articles, args.profiles[0], env, *extra, keep=keep)
        finally:
            shutil.rmtree(articles, ignore_errors=True)
        record({"profile": args.profiles[0], "input": "multinews_val250", "cache": "warm", **row})
    if "micro" not in skip:
        messages = story_prompt(INPUTS["seeds"], args.profiles[0])
        for profile in args.profiles:
            report["micro"][profile] = micro(profile, messages, args)
            print(json.dumps({profile: report["micro"][profile]}), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "perf.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report)
    (args.out / "perf.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
