"""Sources: a folder of article files becomes Articles; a file that cannot be used is skipped
with a reason the user sees, never fatal.

One reader per format, registered by file suffix in READERS; a reader may return several
articles for one file: .txt and .md (sources/text.py), .html and .htm (sources/html.py), .json
and .jsonl (sources/json_records.py), .rss, .atom and feed .xml (sources/feeds.py).

The walk follows no link out of the input folder and no link to a folder (so no loop can hold
it), reads only regular files (a named pipe would block forever), and reads no file larger than
the size cap.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from briefing.config import InputSettings
from briefing.errors import InputError
from briefing.records import Article, SkippedInput
from briefing.sources.base import Reader, Skip, decode
from briefing.sources.feeds import read_feed_file
from briefing.sources.html import read_html_file
from briefing.sources.json_records import read_json_file
from briefing.sources.text import read_text_file

__all__ = ["READERS", "Reader", "Skip", "decode", "ingest", "reread_lines"]

log = logging.getLogger(__name__)

READERS: dict[str, Reader] = {
    ".txt": read_text_file,
    ".md": read_text_file,
    ".html": read_html_file,
    ".htm": read_html_file,
    ".json": read_json_file,
    ".jsonl": read_json_file,
    ".rss": read_feed_file,
    ".atom": read_feed_file,
    ".xml": read_feed_file,
}
MAX_FILE_BYTES = InputSettings().max_file_bytes


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _walk(folder: Path) -> Iterator[tuple[str, Path, str | None]]:
    """(relative path, path, problem) of everything below `folder` that is not a folder or
    hidden, and of each folder that cannot be listed (with the problem); links to folders are
    yielded too (and refused), never entered. An explicit stack, not recursion: no depth of
    nesting can overflow it."""
    stack = [(folder, "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            yield (
                prefix.rstrip("/") or ".",
                directory,
                f"cannot list the folder: {exc.strerror or exc}",
            )
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders (.git, .DS_Store) are not articles
            rel = prefix + entry.name
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if is_folder:
                stack.append((Path(entry.path), rel + "/"))
            else:
                yield rel, Path(entry.path), None


def _link_problem(path: Path, root: Path) -> str | None:
    """Why a symbolic link is not followed, or None for a link to a file inside the folder."""
    try:
        target = Path(os.path.realpath(path))
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop, not followed"
        if isinstance(exc, FileNotFoundError):
            return "broken symbolic link (its target does not exist)"
        return f"cannot read: {exc.strerror or exc}"
    if not target.is_relative_to(root):
        return "symbolic link to outside the input folder, not followed"
    if target.is_dir():
        return "symbolic link to a folder, not followed"
    return None


def _read(path: Path, root: Path, max_bytes: int) -> bytes:
    """The bytes of one input file; Skip with the reason when it must not or cannot be read."""
    if path.is_symlink():
        problem = _link_problem(path, root)
        if problem:
            raise Skip(problem)
    try:
        info = path.stat()
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise Skip("not a regular file (a pipe, socket or device), not read")
    if info.st_size > max_bytes:
        raise Skip(
            f"larger than the {_megabytes(max_bytes)} limit ({_megabytes(info.st_size)}); "
            "raise pipeline.inputs.max_file_bytes in models.yaml to read it"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise Skip(f"larger than the {_megabytes(max_bytes)} limit")
    return data


def ingest(
    folder: Path, include: Iterable[str] | None = None, max_file_bytes: int = MAX_FILE_BYTES
) -> tuple[list[Article], list[SkippedInput]]:
    """Read every supported file below `folder` (or only the relative paths in `include`), in
    path order."""
    if not folder.exists():
        raise InputError(f"input folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"input {folder} is not a folder")
    root = folder.resolve()
    articles: list[Article] = []
    skipped: list[SkippedInput] = []
    seen: dict[str, str] = {}
    if include is None:
        paths = sorted(_walk(folder), key=lambda item: item[0])
    else:
        paths = sorted(
            (rel, folder / rel, None)
            for rel in include
            if not any(part.startswith(".") for part in Path(rel).parts)
            and ((folder / rel).is_symlink() or not (folder / rel).is_dir())
        )
    for rel, path, problem in paths:
        if problem is None and path.is_symlink():
            problem = _link_problem(path, root)
        if problem is None and path.suffix.lower() not in READERS:
            problem = f"unsupported file type {path.suffix or '(none)'}"
        if problem:
            skipped.append(SkippedInput(rel, problem))
            continue
        reader = READERS[path.suffix.lower()]
        try:
            found = reader(path, rel, _read(path, root, max_file_bytes))
        except Skip as exc:
            skipped.append(SkippedInput(rel, str(exc)))
            continue
        for item in found:
            if isinstance(item, SkippedInput):
                skipped.append(item)
                continue
            if item.id in seen:
                # A byte-identical copy is still a source: the duplicates stage lists it in
                # its story and counts it once. It needs an id of its own.
                copy_id = hashlib.sha256(f"{item.id}\n{item.where}".encode()).hexdigest()[:16]
                item = dataclasses.replace(item, id=copy_id)
            seen[item.id] = item.where
            articles.append(item)
    for skip in skipped:
        log.warning("skipped %s: %s", skip.path, skip.reason)
    return articles, skipped


def reread_lines(folder: Path, rel: str, record: int | None) -> tuple[str, ...]:
    """The lines a citation counts in, read again from the input file (`briefing verify`):
    the file's own lines, or the text its reader extracts for the article `record`. Raises
    OSError or Skip when the file or the article cannot be read now."""
    path = folder / rel
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(rel)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise Skip("unsupported file type")
    for item in reader(path, rel, _read(path, folder.resolve(), MAX_FILE_BYTES * 20)):
        if isinstance(item, Article) and item.record == record:
            return item.lines
    raise Skip(f"record {record} is not in the file now")
