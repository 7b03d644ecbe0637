"""The embedding cache shared by every run (briefing/backends/vector_cache.py): what a second
run embeds, what a changed text or other weights cost, a damaged file, two runs at once, the
size bound, and a daily run through the CLI."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, FakeGenerator, write_files
from test_cli import ARTICLES as CLI_ARTICLES

from briefing import cli, pipeline
from briefing.backends import base
from briefing.backends import transformers as transformers_backend
from briefing.backends.vector_cache import CACHE_FILE, CachedEmbedder, VectorStore
from briefing.config import load_config


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the texts it is asked to embed (the model's work)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += list(texts)
        # not unit length on purpose: the cache must hand back exactly what it was given
        return super().embed(texts) * np.float32(1.0 + 1e-7 * len(self.texts))


TEXTS = [
    "The Harlow bridge was closed on Monday after winds reached 120 km/h.",
    "Engineers will inspect the bridge before it reopens, the council said.",
    "Dunmore city council voted 9 to 4 to build an 11-kilometre tram line.",
]


def cached(path: Path, identity: str = "fake weights 1") -> tuple[CachedEmbedder, CountingEmbedder]:
    model = CountingEmbedder()
    return CachedEmbedder("fake", identity, lambda: model, path=path), model


def test_a_second_run_embeds_nothing_it_has_seen_and_gets_the_same_bits(tmp_path):
    first, model = cached(tmp_path / CACHE_FILE)
    vectors = first.embed(TEXTS)
    assert model.texts == TEXTS

    second, model_again = cached(tmp_path / CACHE_FILE)  # a new run: a new process's embedder
    again = second.embed(list(reversed(TEXTS)))
    assert model_again.texts == []
    assert second.hits == 3 and second.misses == 0
    assert again.dtype == np.float32
    assert again[::-1].tobytes() == vectors.tobytes()  # bit for bit, in the asked order


def test_the_model_is_not_loaded_when_every_text_is_cached(tmp_path):
    first, _ = cached(tmp_path / CACHE_FILE)
    first.embed(TEXTS)
    loads: list[int] = []
    second = CachedEmbedder(
        "fake",
        "fake weights 1",
        lambda: loads.append(1) or CountingEmbedder(),
        tmp_path / CACHE_FILE,
    )
    second.embed(TEXTS[:2])
    assert second.embed([]).shape == (0, FakeEmbedder.dim)
    assert loads == []
    second.embed(["A sentence no run has seen."])
    assert loads == [1]


def test_only_a_changed_or_new_text_is_embedded_and_repeats_once(tmp_path):
    first, _ = cached(tmp_path / CACHE_FILE)
    first.embed(TEXTS)
    second, model = cached(tmp_path / CACHE_FILE)
    changed = TEXTS[0].replace("Monday", "Tuesday")
    vectors = second.embed([changed, TEXTS[1], changed])
    assert model.texts == [changed]
    assert vectors[0].tobytes() == vectors[2].tobytes()
    assert "1 embedded" in second.summary()


def test_other_weights_or_settings_do_not_share_vectors(tmp_path, isolated_cache):
    first, _ = cached(tmp_path / CACHE_FILE, "fake weights 1")
    first.embed(TEXTS)
    other, model = cached(tmp_path / CACHE_FILE, "fake weights 2")
    other.embed(TEXTS)
    assert model.texts == TEXTS

    config, _ = load_config()
    profile = config.profile("minilm")
    identity = base_identity("minilm", profile)
    longer = profile.model_copy(update={"max_length": 128})
    assert identity != base_identity("minilm", longer)
    source = profile.source
    assert source is not None
    reweighted = profile.model_copy(
        update={"source": source.model_copy(update={"sha256": {"model.safetensors": "0" * 64}})}
    )
    assert identity != base_identity("minilm", reweighted)


def base_identity(name, profile):
    from briefing.backends.vector_cache import embedder_identity

    return embedder_identity(name, profile)


@pytest.mark.parametrize("damage", [b"this is not a database" * 200, b""])
def test_a_damaged_cache_is_set_aside_with_a_warning_and_rebuilt(tmp_path, caplog, damage):
    path = tmp_path / CACHE_FILE
    first, _ = cached(path)
    first.embed(TEXTS)
    first._close()
    if damage:
        path.write_bytes(damage)
    else:  # a torn page in the middle of the file
        data = bytearray(path.read_bytes())
        data[4096 : 4096 + 512] = b"\xff" * 512
        data[:16] = b"SQLite format 3\x00"
        path.write_bytes(bytes(data))
        path.with_name(path.name + "-wal").unlink(missing_ok=True)
    second, model = cached(path)
    with caplog.at_level(logging.WARNING):
        vectors = second.embed(TEXTS)
    assert vectors.shape == (3, FakeEmbedder.dim)
    assert model.texts == TEXTS  # embedded again, not read from the damaged file
    if damage:
        assert "cannot be read" in caplog.text
        assert path.with_name(path.name + ".damaged").exists()
    third, model_again = cached(path)  # the rebuilt cache serves the next run
    assert third.embed(TEXTS).tobytes() == vectors.tobytes()
    assert model_again.texts == []


def test_a_cache_that_cannot_be_written_only_costs_the_cache(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    embedder, model = cached(blocker / CACHE_FILE)
    with caplog.at_level(logging.WARNING):
        assert embedder.embed(TEXTS).shape == (3, FakeEmbedder.dim)
        embedder.embed(TEXTS)
    assert model.texts == TEXTS * 2
    assert caplog.text.count("not used in this run") == 1


def test_a_vector_of_the_wrong_size_is_embedded_again_and_replaced(tmp_path, caplog):
    path = tmp_path / CACHE_FILE
    first, _ = cached(path)
    vectors = first.embed(TEXTS)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE vectors SET vector = ?", (b"\x00" * 12,))
    second, model = cached(path)
    with caplog.at_level(logging.WARNING):
        again = second.embed(TEXTS)
    assert "3 damaged entry(ies)" in caplog.text
    assert model.texts == TEXTS and again.shape == vectors.shape
    third, model_again = cached(path)
    assert third.embed(TEXTS).tobytes() == again.tobytes() and model_again.texts == []


def _embed_many(path: str, offset: int) -> None:
    embedder = CachedEmbedder("fake", "fake weights 1", FakeEmbedder, Path(path))
    texts = [f"Sentence number {i} of the day." for i in range(offset, offset + 3000)]
    for start in range(0, len(texts), 100):
        embedder.embed(texts[start : start + 100])


def test_two_runs_at_once_leave_a_sound_cache_with_every_vector(tmp_path):
    path = tmp_path / CACHE_FILE
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_embed_many, args=(str(path), k)) for k in (0, 1500)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM vectors").fetchone() == (4500,)


def test_entries_unused_for_long_and_beyond_the_cap_are_dropped(tmp_path, monkeypatch):
    path = tmp_path / CACHE_FILE
    first, _ = cached(path)
    first.embed(TEXTS)
    first._close()
    store = VectorStore(path)
    today = (dt.date.today() - dt.date(1970, 1, 1)).days
    store.db.execute("UPDATE vectors SET used = ?", (today - 40,))
    store.db.execute("DELETE FROM meta")
    assert store.prune(max_idle_days=30) == 3
    assert store.prune(max_idle_days=30) == 0  # once a day
    embedder, _ = cached(path)
    embedder.embed([f"Sentence {i}." for i in range(10)])
    store.db.execute("DELETE FROM meta")
    assert store.prune(max_rows=4) == 6
    assert store.db.execute("SELECT count(*) FROM vectors").fetchone() == (4,)


# the CLI tests' two reports of one storm, without their unreadable file
ARTICLES = {path: text for path, text in CLI_ARTICLES.items() if isinstance(text, str)}


def test_a_second_daily_run_embeds_nothing_and_a_changed_article_only_its_sentences(
    tmp_path, monkeypatch, capsys, isolated_cache
):
    """Through `briefing run`: the default embedder profile behind the cache (the model faked),
    two output folders sharing the cache in the user's cache folder."""
    models: list[CountingEmbedder] = []

    def load_model(*args, **kwargs):
        models.append(CountingEmbedder())
        return models[-1]

    monkeypatch.setattr(transformers_backend, "load_embedder", load_model)
    monkeypatch.setattr(
        pipeline, "load_generator", lambda *a, **k: FakeGenerator(*["A headline"] * 20)
    )
    assert pipeline.load_embedder is base.load_embedder
    write_files(tmp_path / "in", ARTICLES)

    def run(out: str) -> tuple[str, str]:
        monkeypatch.setattr(
            sys, "argv", ["briefing", "run", str(tmp_path / "in"), "--out", str(tmp_path / out)]
        )
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
        err = capsys.readouterr().err
        assert exit_info.value.code == 0, err
        return (tmp_path / out / f"{dt.date.today()}.md").read_text(), err

    first, _ = run("out1")
    assert len(models) == 1 and models[0].texts
    assert (isolated_cache / CACHE_FILE).is_file()
    second, log_text = run("out2")
    assert second == first
    assert len(models) == 1  # every vector came from the cache: the model never loaded
    assert re.search(r"(\d+) of \1 text\(s\) from the embedding cache, 0 embedded", log_text)

    write_files(tmp_path / "in", {"b/storm.txt": ARTICLES["b/storm.txt"].replace("km/h", "mph")})
    run("out3")
    assert len(models) == 2
    assert models[1].texts and all("mph" in t for t in models[1].texts)


def test_the_embedder_batches_by_length_and_answers_in_the_order_asked():
    """TransformersEmbedder sorts texts by length into batches (less padding); every row must
    still be its own text's vector."""
    import torch

    class Tokenizer:
        def __call__(self, texts, padding, truncation, max_length, return_tensors):
            ids = [[len(w) for w in t.split()] or [1] for t in texts]
            width = max(map(len, ids))
            return {
                "input_ids": torch.tensor([row + [0] * (width - len(row)) for row in ids]),
                "attention_mask": torch.tensor(
                    [[1] * len(r) + [0] * (width - len(r)) for r in ids]
                ),
            }

    class Model:
        config = type("Config", (), {"hidden_size": 8})

        def __call__(self, input_ids, attention_mask):
            hidden = torch.nn.functional.one_hot(input_ids % 8, 8).float()
            return type("Output", (), {"last_hidden_state": hidden})

    embedder = transformers_backend.TransformersEmbedder.__new__(
        transformers_backend.TransformersEmbedder
    )
    embedder.tokenizer, embedder.model = Tokenizer(), Model()
    embedder.batch_size, embedder.max_length = 2, 16
    texts = ["a much longer sentence with many words", "short", "two words", "x yy zzz"]
    together = embedder.embed(texts)
    alone = np.concatenate([embedder.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-6)
    assert not np.allclose(together[0], together[1])
