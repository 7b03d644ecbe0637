"""Writing outputs atomically: a temporary file in the same folder, fsynced, then renamed over
the target, so an interrupted run never leaves half a briefing nor damages the previous one.
Written files get the permissions of an ordinary new file (0666 less the umask), not the 0600
of the temporary file, so a web server or a colleague can read the briefings."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from briefing.errors import LockHeld, OutputError


def _umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_copy(path: Path, text: str) -> Path:
    """`text` in a fsynced temporary file beside `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write into {path.parent}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return Path(tmp)


def write_atomic(path: Path, text: str) -> None:
    write_all({path: text})


def write_all(files: dict[Path, str]) -> None:
    """Write the files as one: every text goes into a fsynced temporary file first, then each is
    renamed over its target in the given order; if one rename fails, the targets already
    replaced get their previous content back (kept as hard links until the end)."""
    temps: dict[Path, Path] = {}
    backups: dict[Path, Path | None] = {}
    replaced: list[Path] = []
    try:
        for path, text in files.items():
            temps[path] = _temp_copy(path, text)
        for path in files:
            backup = None
            if path.is_file():
                backup = path.with_name(f".{path.name}.previous")
                with contextlib.suppress(FileNotFoundError):
                    backup.unlink()
                os.link(path, backup)
            backups[path] = backup
            os.replace(temps[path], path)
            del temps[path]
            replaced.append(path)
    except BaseException as exc:
        for path in replaced:  # undo the renames done
            backup = backups[path]
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, path)
                else:
                    path.unlink()
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                tmp.unlink()
        if isinstance(exc, OSError):
            where = getattr(exc, "filename", None) or "the output folder"
            raise OutputError(f"cannot write {where}: {exc.strerror or exc}") from exc
        raise
    finally:
        for backup in backups.values():
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()


LOCK_FILE = ".briefing.lock"


@contextlib.contextmanager
def folder_lock(out_dir: Path, wait_s: float) -> Iterator[None]:
    """Hold the output folder's lock for a run: an overlapping run waits up to `wait_s`
    seconds, then gives up with LockHeld. The lock is an OS file lock (filelock), so a run
    that is killed releases it with its process."""
    from filelock import FileLock, Timeout

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {out_dir}: {exc.strerror or exc}"
        ) from exc
    lock = FileLock(out_dir / LOCK_FILE, timeout=wait_s)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(
            f"another briefing run is writing into {out_dir} (lock {out_dir / LOCK_FILE} held "
            f"for more than {wait_s:g} s); this run did nothing"
        ) from None
    except OSError as exc:
        raise OutputError(
            f"cannot lock the output folder {out_dir}: {exc.strerror or exc}"
        ) from exc
    try:
        yield
    finally:
        lock.release()


_BRIEFING_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.md$")
BRIEFING_SUFFIXES = (".md", ".json", ".html", ".manifest.json")


def briefing_dates(out_dir: Path) -> list[str]:
    """The dates of the briefings in the folder (YYYY-MM-DD.md), newest first."""
    found = [m.group(1) for p in out_dir.glob("*.md") if (m := _BRIEFING_NAME.match(p.name))]
    return sorted(found, reverse=True)


def prune(out_dir: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` briefings (every file of each); the dates deleted."""
    dates = briefing_dates(out_dir)[keep:]
    for date in dates:
        for suffix in BRIEFING_SUFFIXES:
            with contextlib.suppress(FileNotFoundError):
                (out_dir / f"{date}{suffix}").unlink()
    return dates
