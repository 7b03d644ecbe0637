"""RSS and Atom feeds (.rss, .atom, and .xml files that are feeds), by feedparser: one article
per entry, from its full content (content:encoded) when the feed has it, else its summary.

A document that declares entities in its DOCTYPE is refused before any parser sees it: entity
expansion is how a few hundred bytes become gigabytes ("billion laughs"), and feeds have no use
for it. feedparser is given a stream, never a string it could take for a URL or a file name.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path

from briefing.records import Article, SkippedInput
from briefing.sources.base import Skip, declared_encoding, decode, html_to_paragraphs, text_article

FEED_SUFFIXES = (".rss", ".atom", ".xml")
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf"}
_DECLARATION_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")


def _prolog_and_root(text: str) -> tuple[str, str]:
    """Everything before the root element (the XML declaration, comments, the DOCTYPE and its
    internal subset), and the root element's name in lower case ("" when there is none)."""
    for match in _ROOT.finditer(text):
        before = text[: match.start()]
        # a name after "<" inside a comment does not start the root element
        if before.count("<!--") == before.count("-->"):
            return before, match.group(1).lower()
    return text, ""


def _date(entry) -> dt.date | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)  # feedparser gives UTC
    except ValueError:
        return None


def _paragraphs(entry) -> list[str]:
    contents = list(entry.get("content") or [])
    if not contents and entry.get("summary_detail"):
        contents = [entry["summary_detail"]]
    if not contents:
        return []
    best = max(contents, key=lambda c: len(c.get("value") or ""))
    value = best.get("value") or ""
    if "html" in (best.get("type") or "text/html"):
        return html_to_paragraphs(value)
    return value.split("\n")


def read_feed_file(path: Path, rel: str, data: bytes) -> Sequence[Article | SkippedInput]:
    import feedparser

    text = decode(data, declared_encoding(data))
    prolog, root = _prolog_and_root(text)
    if re.search(r"<!ENTITY", prolog, re.I):
        raise Skip(
            "the XML declares entities in its DOCTYPE; refused unparsed (entity expansion can "
            "exhaust memory)"
        )
    if root not in _FEED_ROOTS:
        what = f"<{root}>" if root else "no root element"
        raise Skip(f"XML that is not an RSS or Atom feed ({what})")
    # The text is decoded already: tell the parser so, whatever the declaration said.
    utf8 = _DECLARATION_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    try:
        feed = feedparser.parse(io.BytesIO(utf8), sanitize_html=True, resolve_relative_uris=False)
    except Exception as exc:  # a parser failure on one file must not stop the run
        raise Skip(f"the feed could not be parsed ({type(exc).__name__}: {exc})") from None
    if not feed.entries:
        problem = feed.get("bozo_exception")
        raise Skip(f"a feed with no entries{f' ({problem})' if problem else ''}")
    outlet = feed.feed.get("title") or None
    found: list[Article | SkippedInput] = []
    for number, entry in enumerate(feed.entries, start=1):
        try:
            found.append(
                text_article(
                    rel,
                    entry.get("title") or "",
                    _paragraphs(entry),
                    record=number,
                    date=_date(entry),
                    outlet=outlet,
                    url=entry.get("link") or None,
                )
            )
        except Skip:
            found.append(SkippedInput(f"{rel}, entry {number}", "no text in the entry"))
    if not any(isinstance(item, Article) for item in found):
        problem = feed.get("bozo_exception")
        raise Skip(
            f"not a readable feed ({problem})" if problem else "no entry of the feed has text"
        )
    return found
