"""Ingest: a folder of article files becomes Articles; a file that cannot be used is skipped
with a reason the user sees, never fatal.

Supported now: .txt and .md (optionally with YAML front matter: title, outlet, date, url).
Other formats (HTML, JSON lines, RSS/Atom) get a reader of their own in READERS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from briefing.errors import InputError
from briefing.records import Article, SkippedInput

log = logging.getLogger(__name__)

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_BINARY_PROBE = 8192


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    title_line: int | None = None
    date: dt.date | None = None
    outlet: str | None = None
    url: str | None = None
    header_lines: int = 0  # lines at the top that are metadata, not article text


class Skip(Exception):
    """Raised by a reader: this file is unusable, for the reason given."""


def decode(data: bytes) -> str:
    if not data.strip():
        raise Skip("empty file")
    if b"\x00" in data[:_BINARY_PROBE]:
        raise Skip("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        from charset_normalizer import from_bytes

        guess = from_bytes(data).best()
        if guess is not None and guess.encoding not in ("utf_8", "ascii"):
            hint = f"; it looks like {guess.encoding}: convert it to UTF-8 (e.g. with iconv)"
        raise Skip(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}){hint}"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(lines: list[str]) -> Metadata:
    """YAML front matter between two `---` lines at the top of the file, if any."""
    if not lines or lines[0].strip() != "---":
        return Metadata()
    for end in range(1, min(len(lines), 60)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return Metadata()
    try:
        data = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError:
        return Metadata()
    if not isinstance(data, dict):
        return Metadata()
    title = str(data.get("title") or "").strip()
    title_line = None
    if title:
        title_line = next(
            (i + 1 for i in range(1, end) if lines[i].lstrip().startswith("title")), None
        )
    raw_date = data.get("date")
    date = None
    if isinstance(raw_date, dt.datetime):
        date = raw_date.date()
    elif isinstance(raw_date, dt.date):
        date = raw_date
    elif isinstance(raw_date, str):
        try:
            date = dt.date.fromisoformat(raw_date.strip()[:10])
        except ValueError:
            date = None
    outlet = data.get("outlet") or data.get("source") or data.get("publisher")
    url = data.get("url") or data.get("link")
    return Metadata(
        title=title,
        title_line=title_line,
        date=date,
        outlet=str(outlet).strip() if outlet else None,
        url=str(url).strip() if url else None,
        header_lines=end + 1,
    )


def _date_from_name(path: Path) -> dt.date | None:
    match = _DATE_IN_NAME.search(path.name)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def read_text_article(path: Path, rel: str, data: bytes) -> Article:
    text = decode(data)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    meta = _front_matter(lines)
    # Metadata lines are not article text: clean drops them by line number.
    boilerplate = {n: "metadata" for n in range(1, meta.header_lines + 1)}
    return Article(
        id=hashlib.sha256(data).hexdigest()[:16],
        path=rel,
        lines=tuple(lines),
        title=meta.title,
        title_line=meta.title_line,
        date=meta.date or _date_from_name(path),
        outlet=meta.outlet,
        url=meta.url,
        boilerplate=boilerplate,
    )


Reader = Callable[[Path, str, bytes], Article]
READERS: dict[str, Reader] = {".txt": read_text_article, ".md": read_text_article}


def ingest(folder: Path) -> tuple[list[Article], list[SkippedInput]]:
    """Read every supported file below `folder`, in path order."""
    if not folder.exists():
        raise InputError(f"input folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"input {folder} is not a folder")
    articles: list[Article] = []
    skipped: list[SkippedInput] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue  # hidden files and folders (.git, .DS_Store) are not articles
        if path.is_dir():
            continue
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            skipped.append(SkippedInput(rel, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        try:
            data = path.read_bytes()
            article = reader(path, rel, data)
        except Skip as exc:
            skipped.append(SkippedInput(rel, str(exc)))
            continue
        except OSError as exc:
            skipped.append(SkippedInput(rel, f"cannot read: {exc.strerror or exc}"))
            continue
        if article.id in seen:
            skipped.append(SkippedInput(rel, f"same content as {seen[article.id]}"))
            continue
        seen[article.id] = rel
        articles.append(article)
    for item in skipped:
        log.warning("skipped %s: %s", item.path, item.reason)
    return articles, skipped
