"""Dates: every article gets one, and which articles count for the day briefed.

An article's date comes from, in this order: its metadata (front matter, feed or page fields, as
the reader found them; or a date in the file name), a dateline or date in its first lines, else
the file's modification time. The source is recorded (`DatedArticle.source`) for the manifest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from briefing.records import Article

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# 2026-11-23 | November 23, 2026 | 23 November 2026 (datelines and "Published ..." lines)
_DATE_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), ("y", "m", "d")),
    (re.compile(_MONTH + r"\s+(\d{1,2}),?\s+(\d{4})\b", re.IGNORECASE), ("M", "d", "y")),
    (re.compile(r"\b(\d{1,2})\s+" + _MONTH + r",?\s+(\d{4})\b", re.IGNORECASE), ("d", "M", "y")),
]
DATELINE_LINES = 8  # a dateline is looked for in the first lines of the file
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class DatedArticle:
    article: Article  # with .date set
    source: str  # "metadata", "file name", "dateline" or "mtime"
    at: dt.datetime  # the date as a moment (midnight for a day), for --since and --window


_PUBLISHED = re.compile(r"\b(?:published|updated|posted|modified|filed|date)\b", re.I)
_DATELINE_MAX_WORDS = 12  # a line this short with a date in it is a dateline or a byline
_DATELINE_REACH = 5  # or the date is among a longer line's first words: "HARLOW, March 1, 2026 -"


def _is_dateline(line: str, start: int) -> bool:
    """A date at `start` of the line dates the article: it stands in a short line, opens the
    line, or follows "Published", "Updated" and the like. A date inside a sentence is about
    something else: "Donald Trump before opening the Nasdaq on September 20, 2005. Michael
    Nagle/Getty Images" is a photo caption of an article about the stock market in 2018."""
    return (
        len(line.split()) <= _DATELINE_MAX_WORDS
        or len(line[:start].split()) < _DATELINE_REACH
        or _PUBLISHED.search(line) is not None
    )


def date_in_text(lines: tuple[str, ...] | list[str]) -> dt.date | None:
    """The first date written in a dateline of the article's first lines (its own line,
    "HARLOW, March 1, 2026 - ...", "Published ...")."""
    for line in list(lines)[:DATELINE_LINES]:
        for pattern, order in _DATE_PATTERNS:
            for match in pattern.finditer(line):
                if not _is_dateline(line, match.start()):
                    continue
                parts = dict(zip(order, match.groups(), strict=True))
                try:
                    month = _MONTHS[parts["M"].lower()] if "M" in parts else int(parts["m"])
                    return dt.date(int(parts["y"]), month, int(parts["d"]))
                except (ValueError, KeyError):
                    continue
    return None


def date_articles(articles: list[Article], input_dir: Path) -> list[DatedArticle]:
    """Each article with a date and where it came from."""
    dated = []
    for article in articles:
        if article.date is not None:
            name_match = _DATE_IN_NAME.search(Path(article.path).name)
            source = (
                "file name"
                if name_match and name_match.group(0) == article.date.isoformat()
                else "metadata"
            )
            at = dt.datetime.combine(article.date, dt.time())
        elif (found := date_in_text(article.lines)) is not None:
            source, at = "dateline", dt.datetime.combine(found, dt.time())
        else:
            try:
                mtime = (input_dir / article.path).stat().st_mtime
            except OSError:
                mtime = dt.datetime.now().timestamp()
            source, at = "mtime", dt.datetime.fromtimestamp(mtime)
        dated.append(
            DatedArticle(
                dataclasses.replace(article, date=at.date(), date_is_file_time=source == "mtime"),
                source,
                at,
            )
        )
    return dated


def parse_window(value: str) -> dt.timedelta:
    """`24h`, `90m`, `2d`, `1w` as a duration."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value.lower())
    if not match:
        raise ValueError(f"{value!r} is not a window such as 24h, 90m, 2d or 1w")
    amount, unit = int(match.group(1)), match.group(2)
    return {
        "m": dt.timedelta(minutes=amount),
        "h": dt.timedelta(hours=amount),
        "d": dt.timedelta(days=amount),
        "w": dt.timedelta(weeks=amount),
    }[unit]


def parse_since(value: str) -> dt.datetime:
    """`2026-11-22` or `2026-11-22T18:00` as a moment."""
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date or time such as 2026-11-22 or 2026-11-22T18:00"
        ) from None


def window_start(
    date: dt.date, window: dt.timedelta, now: dt.datetime | None = None
) -> dt.datetime:
    """The start of a window ending now when briefing today, else at the end of `date`. A
    window of whole days starts at midnight, since metadata dates are days."""
    now = now or dt.datetime.now()
    end = now if date == now.date() else dt.datetime.combine(date + dt.timedelta(days=1), dt.time())
    start = end - window
    if window % dt.timedelta(days=1) == dt.timedelta(0):
        start = dt.datetime.combine(start.date(), dt.time())
    return start


def counts_since(article: DatedArticle, since: dt.datetime) -> bool:
    """Whether an article dated `at` falls in a window from `since` (a day-precision date
    counts when its day overlaps the window)."""
    if article.source == "mtime":
        return article.at >= since
    return article.at.date() >= since.date()
