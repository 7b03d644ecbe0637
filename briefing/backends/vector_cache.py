"""Embeddings kept across runs, keyed by the embedder and the exact text.

`load_embedder` (backends/base.py) wraps every cacheable embedder in a `CachedEmbedder`, so the
embed stage, continuity and verify all read from one cache: a sentence embedded once (today, in
an earlier run, or by another output folder) is never embedded again by the same weights.

The cache is one SQLite file beside the model weights (`cache_root()/embeddings.sqlite`), so
that every output folder shares it. A key is (the embedder's identity, sha256 of the text); the
identity names the profile, the exact weights (the sha256 of each file, a Hugging Face commit,
or the served model), the token limit and how vectors are pooled and normalised, so changing
any of them starts afresh instead of mixing vectors. A vector is stored as the float32 bytes the
embedder returned and comes back bit for bit.

Bounded: entries not used for `MAX_IDLE_DAYS` days are dropped, and beyond `MAX_ROWS` entries
the least recently used go (about 1.6 KB each for the default 384-dimensional embedder, so at
most about 330 MB). Two runs at once are safe (WAL, a busy timeout, inserts that ignore a key
already written). A cache that cannot be read is moved aside with a warning and rebuilt; one
that cannot be written at all is skipped: the embedder then runs as if there were no cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from briefing.backends.base import Embedder
    from briefing.config import Profile

log = logging.getLogger(__name__)

CACHE_FILE = "embeddings.sqlite"
MAX_IDLE_DAYS = 30
MAX_ROWS = 200_000
# Bump when an embedder's pooling or normalisation changes: the identity then changes too.
RECIPE = "v1: transformers mean of last hidden states over real tokens; every row unit length"
_BUSY_TIMEOUT_S = 30.0
_CHUNK = 500  # keys per SQL statement (SQLite allows 999 variables in old builds)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embedders (
    id INTEGER PRIMARY KEY,
    identity TEXT UNIQUE NOT NULL,
    dim INTEGER                  -- floats per vector, set by the first vector stored
);
CREATE TABLE IF NOT EXISTS vectors (
    embedder INTEGER NOT NULL,   -- embedders.id
    text BLOB NOT NULL,          -- sha256 of the exact text
    vector BLOB NOT NULL,        -- float32, little-endian, as the embedder returned it
    used INTEGER NOT NULL,       -- the last day (days since 1970-01-01) a run used it
    PRIMARY KEY (embedder, text)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def cache_path() -> Path:
    from briefing.backends.weights import cache_root

    return cache_root() / CACHE_FILE


def _sha256_of_files(folder: Path) -> dict[str, str]:
    from briefing.backends.weights import sha256_of

    return {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file()}


def embedder_identity(name: str, profile: Profile) -> str | None:
    """What decides an embedder's vectors, as one string; None when it cannot be told without
    loading (a Hugging Face profile not yet downloaded): that run is then not cached."""
    from briefing.backends.weights import weights_dir
    from briefing.config import HubSource, LocalSource, PypiSource

    source = profile.source
    if profile.server is not None:  # the served model decides; truncation is the server's
        weights = f"server {profile.server.base_url} model {profile.server.model}"
    elif isinstance(source, PypiSource):  # checked against these hashes when pulled
        weights = f"pypi {sorted(source.packages)} sha256 {sorted(source.sha256.items())}"
    elif isinstance(source, HubSource):
        snapshot = weights_dir(name, profile)
        if snapshot is None:
            return None
        weights = f"hf {source.repo} commit {snapshot.name}"  # snapshots/<commit>
    elif isinstance(source, LocalSource):
        if not source.path.is_dir():
            return None
        weights = f"local sha256 {sorted(_sha256_of_files(source.path).items())}"
    else:
        return None
    return (
        f"profile {name}; backend {profile.backend}; {weights}; "
        f"max_length {profile.max_length}; {RECIPE}"
    )


def _today() -> int:
    return (dt.date.today() - dt.date(1970, 1, 1)).days


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class VectorStore:
    """The SQLite file. Every method may raise sqlite3.Error; `CachedEmbedder` decides what
    an error costs (nothing but the cache)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses no committed page
            self.db.executescript(_SCHEMA)  # each statement atomic; IF NOT EXISTS: races are fine
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def embedder(self, identity: str) -> tuple[int, int | None]:
        """The embedder's number in this file and the length of its vectors, if known."""
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO embedders (identity) VALUES (?)", (identity,))
        row = self.db.execute(
            "SELECT id, dim FROM embedders WHERE identity = ?", (identity,)
        ).fetchone()
        return int(row[0]), row[1]

    def set_dim(self, embedder: int, dim: int) -> None:
        with self.transaction():
            self.db.execute("UPDATE embedders SET dim = ? WHERE id = ?", (dim, embedder))

    def get(self, embedder: int, keys: list[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT text, vector FROM vectors WHERE embedder = ? AND text IN ({marks})",
                (embedder, *chunk),
            )
            found.update((bytes(k), bytes(v)) for k, v in rows)
        return found

    def put(self, embedder: int, rows: list[tuple[bytes, bytes]], used: list[bytes]) -> None:
        """Store new vectors and mark the ones read today as used (once a day per entry)."""
        today = _today()
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO vectors (embedder, text, vector, used) VALUES (?, ?, ?, ?)",
                [(embedder, key, vector, today) for key, vector in rows],
            )
            for chunk in _chunks(used):
                marks = ",".join("?" * len(chunk))
                self.db.execute(
                    f"UPDATE vectors SET used = ? WHERE embedder = ? AND used < ? "
                    f"AND text IN ({marks})",
                    (today, embedder, today, *chunk),
                )

    def prune(self, max_idle_days: int = MAX_IDLE_DAYS, max_rows: int = MAX_ROWS) -> int:
        """Drop entries idle too long, then the least recently used beyond `max_rows`; runs at
        most once a day. Returns how many went."""
        today = _today()
        row = self.db.execute("SELECT value FROM meta WHERE key = 'pruned'").fetchone()
        if row is not None and int(row[0]) >= today:
            return 0
        with self.transaction():
            dropped = self.db.execute(
                "DELETE FROM vectors WHERE used < ?", (today - max_idle_days,)
            ).rowcount
            (count,) = self.db.execute("SELECT count(*) FROM vectors").fetchone()
            if count > max_rows:
                dropped += self.db.execute(
                    "DELETE FROM vectors WHERE (embedder, text) IN "
                    "(SELECT embedder, text FROM vectors ORDER BY used LIMIT ?)",
                    (count - max_rows,),
                ).rowcount
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('pruned', ?)", (str(today),)
            )
        return dropped


class CachedEmbedder:
    """An embedder that first looks each text up in the cache, embeds only the texts it has
    never seen (each once, however often it occurs) and stores their vectors.

    The model itself is loaded on the first text the cache does not hold: a re-run whose
    sentences are all cached never loads it."""

    def __init__(
        self,
        name: str,
        identity: str,
        load: Callable[[], Embedder],
        path: Path | None = None,
    ):
        self.name = name
        self.identity = identity
        self._load = load
        self._inner: Embedder | None = None
        self.path = path or cache_path()
        self.hits = 0  # texts answered from the cache, this run
        self.misses = 0  # texts embedded by the model, this run
        self.load_seconds = 0.0
        self._store: VectorStore | None = None
        self._embedder_id = 0
        self._dim: int | None = None  # floats per vector; entries of another length are damaged
        self._broken = False  # the cache failed: embed without it for the rest of the run

    @property
    def inner(self) -> Embedder:
        if self._inner is None:
            started = time.perf_counter()
            self._inner = self._load()
            self.load_seconds = time.perf_counter() - started
            log.info("loaded the embedder %s in %.1f s", self.name, self.load_seconds)
        return self._inner

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            self._open()
            if self._dim is not None:  # no need to load the model to answer nothing
                return np.zeros((0, self._dim), dtype=np.float32)
            return self.inner.embed(texts)
        keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest() for t in texts]
        stored = self._read(keys)
        # an entry of another length than this embedder's vectors is damaged: embedded again
        found = {
            key: np.frombuffer(blob, dtype="<f4")
            for key, blob in stored.items()
            if self._dim is not None and len(blob) == 4 * self._dim
        }
        if len(found) < len(stored):
            log.warning(
                "embedding cache %s: %d damaged entry(ies)", self.path, len(stored) - len(found)
            )
        missing: dict[bytes, str] = {}  # each text once, however often it occurs
        for key, text in zip(keys, texts, strict=True):
            if key not in found:
                missing.setdefault(key, text)
        computed: dict[bytes, np.ndarray] = {}
        if missing:
            vectors = np.asarray(self.inner.embed(list(missing.values())), dtype=np.float32)
            computed = dict(zip(missing, vectors, strict=True))
            if vectors.shape[1] != self._dim:
                self._set_dim(vectors.shape[1])
        self.hits += len(texts) - sum(1 for k in keys if k in computed)
        self.misses += len(computed)
        self._write([(k, v.astype("<f4").tobytes()) for k, v in computed.items()], list(found))
        rows = [found[k] if k in found else computed[k] for k in keys]
        return np.stack(rows).astype(np.float32)

    def summary(self) -> str:
        total = self.hits + self.misses
        return f"{self.hits} of {total} text(s) from the embedding cache, {self.misses} embedded"

    # --- the store, where every failure costs only the cache -------------------------------

    def _open(self) -> VectorStore | None:
        if self._broken:
            return None
        if self._store is None:
            for attempt in (1, 2):
                try:
                    self._store = VectorStore(self.path)
                    self._embedder_id, self._dim = self._store.embedder(self.identity)
                    dropped = self._store.prune()
                    if dropped:
                        log.info("embedding cache: %d entry(ies) unused for long dropped", dropped)
                    break
                except (sqlite3.OperationalError, OSError) as error:  # locked, read-only, full
                    self._give_up(error)
                    return None
                except sqlite3.DatabaseError as error:  # not a database, or a damaged one
                    self._close()
                    if attempt == 2 or not self._move_aside(error):
                        self._give_up(error)
                        return None
        return self._store

    def _move_aside(self, error: Exception) -> bool:
        """A file SQLite cannot read: keep it as *.damaged for a look, start a new one."""
        log.warning("embedding cache %s cannot be read (%s); starting a new one", self.path, error)
        try:
            self.path.replace(self.path.with_name(self.path.name + ".damaged"))
            for suffix in ("-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        except OSError:
            return False
        return True

    def _give_up(self, error: Exception) -> None:
        log.warning(
            "embedding cache %s not used in this run (%s); embedding without it", self.path, error
        )
        self._broken = True
        self._close()

    def _close(self) -> None:
        if self._store is not None:
            with contextlib.suppress(sqlite3.Error):
                self._store.close()
        self._store = None

    def _read(self, keys: list[bytes]) -> dict[bytes, bytes]:
        store = self._open()
        if store is None:
            return {}
        try:
            return store.get(self._embedder_id, keys)
        except sqlite3.OperationalError as error:
            log.warning("embedding cache %s: %s; these texts are embedded again", self.path, error)
            return {}
        except sqlite3.DatabaseError as error:
            self._close()
            if self._move_aside(error):
                return {}
            self._give_up(error)
            return {}

    def _write(self, rows: list[tuple[bytes, bytes]], used: list[bytes]) -> None:
        store = self._open()
        if store is None or not (rows or used):
            return
        try:
            store.put(self._embedder_id, rows, used)
        except sqlite3.Error as error:  # locked past the timeout, disk full, damaged
            log.warning("embedding cache %s not updated: %s", self.path, error)

    def _set_dim(self, dim: int) -> None:
        store = self._open()
        if store is None:
            return
        try:
            store.set_dim(self._embedder_id, dim)
            self._dim = dim
        except sqlite3.Error as error:
            log.warning("embedding cache %s not updated: %s", self.path, error)
