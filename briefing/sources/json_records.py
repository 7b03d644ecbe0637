"""JSON (.json) and JSON Lines (.jsonl): one article per object, per line, or per element of a
top-level list.

Accepted fields (the first one present wins): title: `title`, `headline`; text: `text`,
`content`, `body`, `summary`, `description` (HTML in it is reduced to text); url: `url`,
`link`; date: `date`, `published`, `published_at`, `pubDate`; outlet: `source`, `outlet`,
`site`, `publisher` (a string, or an object with a `name` or `title`). The record number of a
citation is the line number in a .jsonl file and the element number in a list; a malformed line
is skipped with its reason and the rest of the file is read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from briefing.records import Article, SkippedInput
from briefing.sources.base import (
    Skip,
    decode,
    html_to_paragraphs,
    looks_like_html,
    parse_date,
    text_article,
)

TITLE = ("title", "headline")
TEXT = ("text", "content", "body", "summary", "description")
URL = ("url", "link")
DATE = ("date", "published", "published_at", "pubDate")
OUTLET = ("source", "outlet", "site", "publisher")
MAX_REPORTED = 5  # malformed records named one by one in a file; the rest are counted


def _first(record: dict, keys: tuple[str, ...]) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _string(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or ""
    return value if isinstance(value, str) else ""


def record_article(rel: str, record: object, number: int | None) -> Article:
    """The article one JSON object holds; Skip when it is not an object or has no text."""
    if not isinstance(record, dict):
        raise Skip(f"a JSON {type(record).__name__}, not an object with a text field")
    body = _first(record, TEXT)
    if isinstance(body, list):  # paragraphs as a list of strings
        body = "\n".join(p for p in body if isinstance(p, str))
    if not isinstance(body, str) or not body.strip():
        raise Skip(f"no text field ({', '.join(TEXT)})")
    paragraphs = html_to_paragraphs(body) if looks_like_html(body) else body.split("\n")
    try:
        return text_article(
            rel,
            _string(_first(record, TITLE)),
            paragraphs,
            record=number,
            date=parse_date(_first(record, DATE)),
            outlet=_string(_first(record, OUTLET)) or None,
            url=_string(_first(record, URL)) or None,
        )
    except Skip:
        raise Skip(f"no text in the text field ({', '.join(TEXT)})") from None


def _parse(text: str) -> object:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _read_lines(rel: str, text: str) -> list[Article | SkippedInput]:
    found: list[Article | SkippedInput] = []
    bad: list[SkippedInput] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            found.append(record_article(rel, _parse(line), number))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad.append(SkippedInput(f"{rel}, line {number}", f"not valid JSON ({exc})"))
        except Skip as exc:
            bad.append(SkippedInput(f"{rel}, line {number}", str(exc)))
    if not any(isinstance(item, Article) for item in found):
        first = f"; line {bad[0].path.rsplit(' ', 1)[-1]}: {bad[0].reason}" if bad else ""
        raise Skip(f"no usable JSON record ({len(bad)} unusable line(s){first})")
    if len(bad) > MAX_REPORTED:
        rest = len(bad) - MAX_REPORTED
        bad = bad[:MAX_REPORTED] + [
            SkippedInput(f"{rel}, {rest} more line(s)", "unusable JSON records, as above")
        ]
    return found + bad


def read_json_file(path: Path, rel: str, data: bytes) -> Sequence[Article | SkippedInput]:
    text = decode(data)
    if path.suffix.lower() == ".jsonl":
        return _read_lines(rel, text)
    try:
        document = _parse(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # JSON Lines saved as .json
            return _read_lines(rel, text)
        raise Skip(f"not valid JSON ({exc})") from None
    except ValueError as exc:
        raise Skip(f"not valid JSON ({exc})") from None
    if not isinstance(document, list):
        return [record_article(rel, document, None)]
    found: list[Article | SkippedInput] = []
    for number, element in enumerate(document, start=1):
        try:
            found.append(record_article(rel, element, number))
        except Skip as exc:
            found.append(SkippedInput(f"{rel}, record {number}", str(exc)))
    if not any(isinstance(item, Article) for item in found):
        raise Skip(f"no usable record in the JSON list of {len(document)}")
    return found
