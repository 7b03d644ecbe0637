"""Plain text and Markdown files: one article a file, with optional YAML front matter
(title, outlet, date, url); the date may also come from the file name (2026-11-19-...)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from briefing.records import Article
from briefing.sources.base import decode

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    title_line: int | None = None
    date: dt.date | None = None
    outlet: str | None = None
    url: str | None = None
    header_lines: int = 0  # lines at the top that are metadata, not article text


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


def read_text_file(path: Path, rel: str, data: bytes) -> list[Article]:
    text = decode(data)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    meta = _front_matter(lines)
    # Metadata lines are not article text: clean drops them by line number.
    boilerplate = {n: "metadata" for n in range(1, meta.header_lines + 1)}
    article = Article(
        id=hashlib.sha256(data).hexdigest()[:16],
        path=rel,
        lines=tuple(lines),
        title=meta.title,
        title_line=meta.title_line,
        date=meta.date or _date_from_name(path),
        outlet=meta.outlet,
        url=meta.url,
        boilerplate=boilerplate,
        markup="markdown" if path.suffix.lower() == ".md" else "text",
    )
    return [article]
