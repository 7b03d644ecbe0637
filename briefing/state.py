"""The state a daily run keeps between runs: a small SQLite file in the output folder.

- articles seen: content hash (the article id), path, date and where the date came from, and
  the first briefing that counted it (so that the default run briefs only what is new);
- stories briefed: per briefing, each story's headline, its articles, the texts its sentences
  cite and its centroid (mean lead vector), for continuity on later days;
- summaries: a verified summary keyed by a hash of its evidence, the writer's profile and the
  settings, so that re-running a day reuses every unchanged story's summary.

Everything one run records is one transaction, committed only after the briefing files are
written: a run that fails or is killed leaves the state as it was. A state file that SQLite
cannot read is moved aside and rebuilt (continuity starts afresh), never a crash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.errors import StateError

log = logging.getLogger(__name__)

STATE_FILE = "state.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,          -- sha256 of the content, as Article.id
    path TEXT NOT NULL,
    date TEXT,                    -- ISO date
    date_source TEXT,             -- metadata, file name, dateline, mtime
    first_briefing TEXT NOT NULL  -- the briefing date that first counted it
);
CREATE TABLE IF NOT EXISTS stories (
    briefing TEXT NOT NULL,       -- ISO date of the briefing
    id TEXT NOT NULL,
    headline TEXT NOT NULL,
    status TEXT NOT NULL,         -- NEW, UPDATED, ONGOING
    article_ids TEXT NOT NULL,    -- JSON list
    cited TEXT NOT NULL,          -- JSON list of the source sentences its summary cites
    centroid BLOB NOT NULL,       -- float32 mean lead vector
    first_briefing TEXT NOT NULL, -- the briefing where the story was first NEW
    lineage TEXT NOT NULL,        -- the story's id in that briefing: one story across days
    PRIMARY KEY (briefing, id)
);
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,         -- hash of evidence, writer profile and settings
    data TEXT NOT NULL,           -- records.summary_to_data
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS briefings (
    date TEXT PRIMARY KEY,
    written_at TEXT NOT NULL,
    story_count INTEGER NOT NULL,
    article_count INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class SeenArticle:
    id: str
    path: str
    date: dt.date | None
    date_source: str | None
    first_briefing: dt.date


@dataclass(frozen=True)
class PastStory:
    briefing: dt.date
    id: str
    headline: str
    status: str
    article_ids: tuple[str, ...]
    cited: tuple[str, ...]
    centroid: np.ndarray
    first_briefing: dt.date
    lineage: str


class State:
    """An open state store. Reads see the committed state; `record_*` calls are staged in one
    transaction that `commit()` makes durable (or that is rolled back when the run fails)."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self.db = connection

    # --- reading -----------------------------------------------------------------------------

    def seen_articles(self) -> dict[str, SeenArticle]:
        rows = self._query("SELECT id, path, date, date_source, first_briefing FROM articles")
        return {
            r[0]: SeenArticle(
                r[0],
                r[1],
                dt.date.fromisoformat(r[2]) if r[2] else None,
                r[3],
                dt.date.fromisoformat(r[4]),
            )
            for r in rows
        }

    def last_briefing_before(self, date: dt.date) -> dt.date | None:
        rows = self._query("SELECT max(date) FROM briefings WHERE date < ?", (date.isoformat(),))
        return dt.date.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def briefing_dates(self) -> list[dt.date]:
        rows = self._query("SELECT date FROM briefings ORDER BY date")
        return [dt.date.fromisoformat(r[0]) for r in rows]

    def stories_before(self, date: dt.date) -> list[PastStory]:
        """The latest appearance before `date` of every story (lineage), latest first."""
        rows = self._query(
            "SELECT briefing, id, headline, status, article_ids, cited, centroid, first_briefing, "
            "lineage FROM stories WHERE briefing < ? ORDER BY briefing DESC, id",
            (date.isoformat(),),
        )
        latest: dict[str, PastStory] = {}
        for r in rows:
            if r[8] not in latest:
                latest[r[8]] = PastStory(
                    dt.date.fromisoformat(r[0]),
                    r[1],
                    r[2],
                    r[3],
                    tuple(json.loads(r[4])),
                    tuple(json.loads(r[5])),
                    np.frombuffer(r[6], dtype=np.float32).copy(),
                    dt.date.fromisoformat(r[7]),
                    r[8],
                )
        return list(latest.values())

    def cached_summary(self, key: str) -> dict | None:
        rows = self._query("SELECT data FROM summaries WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            data = json.loads(rows[0][0])
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    # --- writing (staged until commit) -------------------------------------------------------

    def record_articles(self, articles: list[SeenArticle]) -> None:
        # A re-run keeps the first briefing that counted an article.
        self._execute_many(
            "INSERT INTO articles (id, path, date, date_source, first_briefing) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET path = excluded.path, "
            "date = excluded.date, date_source = excluded.date_source, "
            "first_briefing = min(first_briefing, excluded.first_briefing)",
            [
                (
                    a.id,
                    a.path,
                    a.date.isoformat() if a.date else None,
                    a.date_source,
                    a.first_briefing.isoformat(),
                )
                for a in articles
            ],
        )

    def record_briefing(self, date: dt.date, stories: list[PastStory], article_count: int) -> None:
        """The stories of the briefing of `date`, replacing those of an earlier run that day."""
        self._execute_many("DELETE FROM stories WHERE briefing = ?", [(date.isoformat(),)])
        self._execute_many(
            "INSERT INTO stories (briefing, id, headline, status, article_ids, cited, centroid, "
            "first_briefing, lineage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    date.isoformat(),
                    s.id,
                    s.headline,
                    s.status,
                    json.dumps(list(s.article_ids)),
                    json.dumps(list(s.cited)),
                    np.asarray(s.centroid, np.float32).tobytes(),
                    s.first_briefing.isoformat(),
                    s.lineage,
                )
                for s in stories
            ],
        )
        self._execute_many(
            "INSERT OR REPLACE INTO briefings (date, written_at, story_count, article_count) "
            "VALUES (?, ?, ?, ?)",
            [(date.isoformat(), _now(), len(stories), article_count)],
        )

    def cache_summary(self, key: str, data: dict) -> None:
        self._execute_many(
            "INSERT OR REPLACE INTO summaries (key, data, created) VALUES (?, ?, ?)",
            [(key, json.dumps(data, ensure_ascii=False), _now())],
        )

    def forget_briefings(self, dates: list[dt.date]) -> None:
        """Pruned briefings (`--keep`): their stories no longer link anywhere."""
        for date in dates:
            self._execute_many("DELETE FROM stories WHERE briefing = ?", [(date.isoformat(),)])
            self._execute_many("DELETE FROM briefings WHERE date = ?", [(date.isoformat(),)])

    def commit(self) -> None:
        try:
            self.db.commit()
        except sqlite3.Error as exc:
            raise StateError(f"cannot save the state in {self.path}: {exc}") from exc

    def rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.rollback()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    # --- plumbing ----------------------------------------------------------------------------

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StateError(
                f"cannot read the state in {self.path} ({exc}); move it away to start afresh"
            ) from exc

    def _execute_many(self, sql: str, rows: list[tuple]) -> None:
        try:
            self.db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise StateError(f"cannot update the state in {self.path}: {exc}") from exc


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level "DEFERRED": every write opens a transaction that lasts until commit().
    db = sqlite3.connect(path, timeout=30, isolation_level="DEFERRED")
    try:
        check = db.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {check[0] if check else '?'}")
        db.executescript(_SCHEMA)
        version = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is None:
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif version[0] != str(SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"schema version {version[0]}, expected {SCHEMA_VERSION}")
        db.commit()
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def open_state(path: Path) -> Iterator[State]:
    """The state at `path`, created if missing; rebuilt (the damaged file moved aside to
    `<name>.corrupt-<time>`) when SQLite cannot read it. Not committed: the caller commits."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(f"cannot create {path.parent}: {exc.strerror or exc}") from exc
    try:
        db = _connect(path)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and not _is_damage(exc):
            raise StateError(f"cannot open the state {path}: {exc}") from exc
        aside = path.with_name(f"{path.name}.corrupt-{dt.datetime.now():%Y%m%d-%H%M%S}")
        try:
            path.rename(aside)
            for suffix in ("-journal", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    path.with_name(path.name + suffix).unlink()
            db = _connect(path)
        except (OSError, sqlite3.Error) as exc2:
            raise StateError(
                f"the state {path} is damaged ({exc}) and could not be rebuilt ({exc2}); "
                "move it away and run again"
            ) from exc2
        log.warning(
            "the state %s was damaged (%s); moved it to %s and started a new one: "
            "today's stories are all marked NEW",
            path,
            exc,
            aside.name,
        )
    state = State(path, db)
    try:
        yield state
    except BaseException:
        state.rollback()
        raise
    finally:
        state.close()


def _is_damage(exc: sqlite3.OperationalError) -> bool:
    """An OperationalError that means the file is not a usable database (as opposed to a
    locked or read-only one, which rebuilding would not fix)."""
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "schema" in text
