"""Sources: a folder of article files becomes Articles; a file that cannot be used is skipped
with a reason the user sees, never fatal.

One reader per format, registered by file suffix in READERS; a reader may return several
articles for one file. Supported now: .txt and .md (sources/text.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from briefing.errors import InputError
from briefing.records import Article, SkippedInput
from briefing.sources.base import Reader, Skip, decode
from briefing.sources.text import read_text_file

__all__ = ["READERS", "Reader", "Skip", "decode", "ingest"]

log = logging.getLogger(__name__)

READERS: dict[str, Reader] = {".txt": read_text_file, ".md": read_text_file}


def ingest(
    folder: Path, include: Iterable[str] | None = None
) -> tuple[list[Article], list[SkippedInput]]:
    """Read every supported file below `folder` (or only the relative paths in `include`), in
    path order."""
    if not folder.exists():
        raise InputError(f"input folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"input {folder} is not a folder")
    articles: list[Article] = []
    skipped: list[SkippedInput] = []
    seen: dict[str, str] = {}
    paths = folder.rglob("*") if include is None else (folder / rel for rel in include)
    for path in sorted(paths):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue  # hidden files and folders (.git, .DS_Store) are not articles
        if path.is_dir() or (include is not None and not path.is_file()):
            continue
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            skipped.append(SkippedInput(rel, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        try:
            data = path.read_bytes()
            found = reader(path, rel, data)
        except Skip as exc:
            skipped.append(SkippedInput(rel, str(exc)))
            continue
        except OSError as exc:
            skipped.append(SkippedInput(rel, f"cannot read: {exc.strerror or exc}"))
            continue
        for article in found:
            if article.id in seen:
                # A byte-identical copy is still a source: the duplicates stage lists it in
                # its story and counts it once. It needs an id of its own.
                copy_id = hashlib.sha256(f"{article.id}\n{rel}".encode()).hexdigest()[:16]
                article = dataclasses.replace(article, id=copy_id)
            seen[article.id] = rel
            articles.append(article)
    for item in skipped:
        log.warning("skipped %s: %s", item.path, item.reason)
    return articles, skipped
