"""Writing outputs atomically: a temporary file in the same folder, fsynced, then renamed over
the target, so an interrupted run never leaves half a briefing nor damages the previous one.
Written files get the permissions of an ordinary new file (0666 less the umask), not the 0600
of the temporary file, so a web server or a colleague can read the briefings."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from briefing.errors import OutputError


def _umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
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
