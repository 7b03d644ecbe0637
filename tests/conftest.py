"""Shared fakes and fixtures.

Unit tests use FakeEmbedder (hashed bag of words: texts sharing words get similar vectors, the
same text always the same vector) and FakeGenerator (queued headlines; sentence rewrites by
rule). End-to-end tests marked `e2e` run the real embedded models; their weights are pulled into
the user's cache on first use.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"
SEEDS = REPO.parent / "shared" / "seeds"


class FakeEmbedder:
    name = "fake-embedder"
    dim = 256

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                rows[i, digest[0] % self.dim] += 1.0
            rows[i, 0] += 1e-3  # no zero rows
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class FakeGenerator:
    """Headlines come from the queued `answers`. A sentence rewrite (summary sentence or
    repair) answers `rewrites[source]` for the first key found in the source sentence, a list
    answering its calls in turn; a source no key matches is copied back unchanged."""

    name = "fake-generator"

    def __init__(self, *answers: str, rewrites: dict[str, str | list[str]] | None = None):
        self.answers = deque(answers)
        self.rewrites = {
            key: deque([value] if isinstance(value, str) else value)
            for key, value in (rewrites or {}).items()
        }
        self.prompts: list[list[dict[str, str]]] = []
        self.copy_from: list[str] = []

    def generate(
        self,
        messages: list[dict[str, str]],
        copy_from: str = "",
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
    ) -> str:
        self.prompts.append(messages)
        self.copy_from.append(copy_from)
        if "headline" not in messages[-1]["content"].lower():
            key = next((k for k in self.rewrites if k in copy_from), None)
            if key is None:
                return copy_from
            queued = self.rewrites[key]
            return queued.popleft() if len(queued) > 1 else queued[0]
        if not self.answers:
            raise AssertionError("FakeGenerator ran out of headlines")
        return self.answers.popleft()

    def rewrite_prompts(self) -> list[str]:
        return [
            m[-1]["content"] for m in self.prompts if "headline" not in m[-1]["content"].lower()
        ]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(cache))
    return cache


def prepare(root: Path, files: dict[str, str | bytes], embedder=None):
    """Ingest, clean and embed files written under `root`: (articles, vectors)."""
    from briefing.pipeline import prepare_articles
    from briefing.stages.embed import embed_articles

    write_files(root, files)
    articles, _ = prepare_articles(root)
    return articles, embed_articles(articles, embedder or FakeEmbedder())


class FakeStoryWriter:
    """A writer of style "story": answers each story prompt with `answer(evidence lines)`, the
    numbered evidence it was shown; judges entailment with `judge(premise, sentence)` (default:
    every sentence supported). Records batch sizes."""

    def __init__(self, name: str, answer, judge=None):
        self.name = name
        self.answer = answer
        self.judge = judge or (lambda premise, sentence: 0.9)
        self.batches: list[int] = []
        self.allowances: list[float | None] = []  # the max_seconds of each call
        self.judged: list[tuple[str, str]] = []

    def _answer(self, messages) -> str:
        content = messages[-1]["content"]
        numbered = [line for line in content.splitlines() if re.match(r"\[\d+\] ", line)]
        return self.answer(numbered)

    def generate(
        self,
        messages,
        copy_from: str = "",
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
    ) -> str:
        self.batches.append(1)
        self.allowances.append(max_seconds)
        return self._answer(messages)

    def generate_many(
        self,
        requests,
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
        may_end=None,
    ) -> list[str]:
        self.batches.append(len(requests))
        self.may_end = may_end
        self.allowances.append(max_seconds)
        return [self._answer(messages) for messages, _ in requests]

    def entailment(self, pairs) -> list[float]:
        self.judged += list(pairs)
        return [self.judge(premise, sentence) for premise, sentence in pairs]


def story_writer_config(name: str = "fake-writer", **generation):
    """The packaged config with one more generator profile of style "story" named `name`."""
    import yaml

    from briefing.config import Config, packaged_defaults

    data = yaml.safe_load((packaged_defaults() / "models.yaml").read_text())
    data["profiles"][name] = {
        "kind": "causal-lm",
        "description": "a fake story writer for tests",
        "source": {"type": "local", "path": "/nonexistent"},
        "generation": {
            "style": "story",
            "evidence_words": 200,
            "evidence_sentences": 8,
            **generation,
        },
    }
    return Config.model_validate(data)
