"""HTML pages (.html, .htm): the main text, title, date, site and URL, by trafilatura
(favor_precision, else its default extraction).

The extracted text is what citations count lines in; it is saved beside the briefing
(`sources/<id>.txt`), since the page's own lines hold markup a reader cannot count through.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from briefing.records import Article, SkippedInput
from briefing.sources.base import Skip, declared_encoding, decode, parse_date, text_article

# trafilatura logs every page it finds too short at WARNING; the skip reason says it once.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def read_html_file(path: Path, rel: str, data: bytes) -> Sequence[Article | SkippedInput]:
    import trafilatura

    text = decode(data, declared_encoding(data))
    page: dict | None = None
    # favor_precision first: on benchmarks/html_extractors.py's pages it let through 8 fewer
    # furniture lines (teasers of other stories, newsletter pitches, timestamps) and lost no
    # paragraph, except on an old table layout where it found no text at all; there the
    # default extraction, which found every paragraph, is the fallback (RESULTS.md).
    for favor_precision in (True, False):
        try:
            result = trafilatura.bare_extraction(
                text,
                with_metadata=True,
                include_comments=False,  # readers' comments are not the article
                include_tables=False,  # table cells are not sentences
                include_images=False,
                deduplicate=False,
                favor_precision=favor_precision,
            )
        except Exception as exc:  # a parser failure on one page must not stop the run
            raise Skip(f"the HTML could not be parsed ({type(exc).__name__}: {exc})") from None
        page = result if result is None or isinstance(result, dict) else result.as_dict()
        if ((page or {}).get("text") or "").strip():
            break
    body = (page or {}).get("text") or ""
    if page is None or not body.strip():
        raise Skip("no article text found in the page")
    try:
        return [
            text_article(
                rel,
                page.get("title") or "",
                body.split("\n"),
                date=parse_date(page.get("date")),
                outlet=page.get("sitename") or page.get("hostname"),
                url=page.get("url"),
            )
        ]
    except Skip:
        raise Skip("no article text found in the page") from None
