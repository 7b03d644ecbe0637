"""What every reader shares: the Reader protocol, the reason a file is skipped, decoding, and
the article a reader builds from extracted text (HTML, JSON records, feed entries)."""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from briefing.records import Article, SkippedInput
from briefing.text import normalize_space

_BINARY_PROBE = 8192
_BOMS = [  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# UTF-8 read as Windows-1252 and saved again: "Ã©" for "é", "â€™" for "’", "Â " for a no-break
# space. Real text never holds these pairs.
_MOJIBAKE = re.compile(
    r"Ã[\u00a0-\u00bf\u0152\u0153\u0160\u0161\u017d\u017e\u2013-\u203a\u20ac\u2122]|â€|Â[\u00a0-\u00bf]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Lines end in \n: CRLF and CR from other systems, and the Unicode line and paragraph
# separators that editors show as line breaks (so a cited line number is the one a reader sees).
_LINE_END = re.compile(r"\r\n?|[\u2028\u2029]")


class Reader(Protocol):
    def __call__(self, path: Path, rel: str, data: bytes) -> Sequence[Article | SkippedInput]:
        """The articles a file holds (one, or many for record and feed formats), and a
        SkippedInput for each part that is unusable (a malformed JSON line); raises Skip when
        the whole file is unusable."""
        ...


class Skip(Exception):
    """Raised by a reader: this file is unusable, for the reason given."""


def decode(data: bytes, declared: str | None = None) -> str:
    """The text of a file: a byte-order mark decides; else UTF-8; else the encoding the file
    declares (`declared`, from an XML or HTML header); else charset-normalizer's guess. Line
    ends become \\n. A decode that looks wrong (binary, replacement characters, mojibake) is
    refused with the reason, never passed on."""
    if not data.strip():
        raise Skip("empty file")
    text = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise Skip(
                    f"not valid {encoding.upper()} although it starts with its byte-order mark ({exc.reason})"
                ) from None
            break
    if text is None:
        if b"\x00" in data[:_BINARY_PROBE]:
            raise Skip("binary file (contains NUL bytes), not text")
        text = _decode_without_bom(data, declared)
    if not text.strip():
        raise Skip("empty file")
    _refuse_if_garbled(text)
    return _LINE_END.sub("\n", text)


def _decode_without_bom(data: bytes, declared: str | None) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8")  # cut off mid-character: drop the piece
        utf8_error = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    if declared:
        try:
            return data.decode(codecs.lookup(declared).name)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: guess instead
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    guess = matches.best()
    if guess is None or guess.encoding in ("utf_8", "ascii"):
        raise Skip(f"not valid UTF-8 ({utf8_error}) and no other text encoding fits")
    # On short texts charset-normalizer cannot tell the single-byte code pages apart (French
    # in Windows-1252 came out as Windows-1250, "à" as "ŕ"). Windows-1252, which files saved
    # as Latin-1 also use, wins when it reads the bytes as cleanly as the best guess.
    western = any(
        m.encoding in ("cp1252", "latin_1") and m.chaos <= guess.chaos + 0.01 for m in matches
    )
    if western:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin_1")
    return str(guess)


def _refuse_if_garbled(text: str) -> None:
    sample = text[:200_000]
    visible = max(1, len(sample) - sum(c.isspace() for c in sample))
    controls = len(_CONTROL.findall(sample))
    if controls > max(2, visible // 100):
        raise Skip(f"binary file, not text ({controls} control characters)")
    replaced = sample.count("\ufffd")
    if replaced > max(2, visible // 50):
        raise Skip(
            f"text damaged in an earlier conversion ({replaced} replacement characters '\ufffd')"
        )
    mojibake = len(_MOJIBAKE.findall(sample))
    non_ascii = sum(not c.isascii() for c in sample)
    if mojibake >= 3 and mojibake * 10 >= non_ascii:
        raise Skip(
            f"mojibake: UTF-8 text that was decoded as Windows-1252 and saved again "
            f"({mojibake} pairs such as 'Ã©' for 'é'); re-save it from the original"
        )


def declared_encoding(data: bytes) -> str | None:
    """The encoding an XML declaration or an HTML meta tag names near the top of a file."""
    head = data[:2048].decode("ascii", errors="ignore")
    match = re.search(r"<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)", head) or re.search(
        r"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", head, re.I
    )
    return match.group(1) if match else None


def parse_date(value: object) -> dt.date | None:
    """A date from ISO 8601 ("2026-03-04T10:00:00Z"), RFC 822 ("Tue, 04 Mar 2026 10:00:00
    GMT", as feeds write it) or a Unix time stamp; None when it is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def text_article(
    rel: str,
    title: str,
    paragraphs: Iterable[str],
    *,
    record: int | None = None,
    date: dt.date | None = None,
    outlet: str | None = None,
    url: str | None = None,
) -> Article:
    """An article whose text was extracted from its file (a page, a record, a feed entry).
    Its lines are the title, a blank line, then one paragraph a line with blank lines between:
    the text saved beside the briefing as `sources/<id>.txt`, where citations count lines."""
    title = normalize_space(title)
    body = [normalize_space(p) for p in paragraphs]
    body = [p for p in body if p]
    if body and title and body[0] == title:
        body = body[1:]  # a page repeats its headline as the first line of the text
    if not body:
        raise Skip("no article text")
    lines: list[str] = []
    if title:
        lines += [title, ""]
    for paragraph in body:
        lines += [paragraph, ""]
    lines.pop()
    article_id = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]
    return Article(
        id=article_id,
        path=rel,
        lines=tuple(lines),
        title=title,
        title_line=1 if title else None,
        date=date,
        outlet=normalize_space(outlet) or None if outlet else None,
        url=url.strip() or None if url else None,
        record=record,
        copy=f"sources/{article_id}.txt",
    )


def html_to_paragraphs(fragment: str) -> list[str]:
    """The text of an HTML fragment (a feed entry's content, a JSON record's body), one
    paragraph per block element or line break; scripts and styles dropped. lxml's HTML parser
    expands no entity declarations."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [line for line in fragment.split("\n") if line.strip()]
    for element in root.iter("script", "style", "noscript"):
        element.drop_tree()
    for element in root.iter(
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "pre",
        "section",
        "article",
        "figcaption",
        "dd",
        "dt",
    ):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    return [line for line in root.text_content().split("\n") if line.strip()]


_HTML_TAG = re.compile(r"<(p|div|br|span|a|b|i|em|strong|h[1-6]|li|ul|ol|img|figure)\b", re.I)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_TAG.search(text[:20_000]))
