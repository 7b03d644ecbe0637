"""Writing outputs atomically: a temporary file in the same folder, fsynced, then renamed over
the target, so an interrupted run never leaves half a briefing nor damages the previous one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from briefing.errors import OutputError


def write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write into {path.parent}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def write_all(files: dict[Path, str]) -> None:
    """Write every file atomically; all texts are complete before the first rename."""
    for path, text in files.items():
        write_atomic(path, text)
