"""Clean: find each article's title, drop page furniture, split the rest into sentences that
keep the line numbers of the original file.

Boilerplate is recognised by general rules (comment forms, calls to follow or subscribe,
navigation, credits, copyright and syndication notes, reading-time stamps, photo captions)
and by lines that repeat across several files of one outlet. Sentence splitting is pysbd's.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Set

from briefing.config import InputSettings
from briefing.records import Article, Sentence
from briefing.text import cap_sentence, remove_invisible, split_paragraph, words

_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "comment form",
        re.compile(
            r"^(leave a (reply|comment)|post comment|submit comment|cancel reply)\b"
            r"|your email address will not be published|required fields are marked"
            r"|^(name|email|website|comment)\s*\*?$",
            re.I,
        ),
    ),
    (
        "call to follow or subscribe",
        re.compile(
            r"\b(join|follow|subscribe|sign up|like us|download)\b.{0,60}"
            r"\b(telegram|whatsapp|twitter|facebook|instagram|youtube|tiktok|channel|newsletter|"
            r"us on|our app|podcast)\b",
            re.I,
        ),
    ),
    (
        "navigation",
        re.compile(
            r"^(latest|related|trending|top|more|recommended|popular|breaking|editor'?s picks?)"
            r"( news| stories| articles| posts| reads| headlines| videos)?\s*:?$"
            r"|^(read|see) (more|next|also)\b|^(advertisement|sponsored( content)?|skip to content)$"
            r"|^share (this|on)\b|\bclick here\b|^(previous|next) (post|article)\b"
            r"|^tags?:|^filed under\b",
            re.I,
        ),
    ),
    (
        "credit line",
        re.compile(
            r"^(thanks to the )?courtesy( of)?\b|^(additional )?reporting by\b"
            r"|^(editing|edited|writing|compiled) by\b|^(photo|image|picture|video)s?( credit)?:"
            r"|^credits?\s*:"
            r"|\((reporting|editing) by\b",
            re.I,
        ),
    ),
    (
        # A line addressed to a summarising model is never article text, and citing it would
        # hand the attacker a citation.
        "instruction to a model (prompt injection)",
        re.compile(
            r"\b(ignore|disregard|forget)\b.{0,30}\b(previous|prior|above|earlier|all|any)\b.{0,20}"
            r"\b(instructions?|prompts?|rules)\b|\bsystem prompt\b"
            r"|\byou are (now )?(an? )?(ai|language model|chatbot|assistant)\b",
            re.I,
        ),
    ),
    (
        "photo caption",
        re.compile(
            r"getty images|\bafp\s*/|/\s*afp\b|\bap photo\b|shutterstock|\breuters\s*/|/tns\)", re.I
        ),
    ),
    (
        "copyright or syndication",
        re.compile(
            r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved|\bdistributed by\b"
            r"|\bcontent agency\b|\bsyndicat(ed|ion)\b"
            r"|this (article|story) (was |first )?(originally )?(appeared|published)",
            re.I,
        ),
    ),
]
# "0 3 min 2 yrs", "5 min read", "2 hours ago": stamps of a page template, not sentences.
_STAMP = re.compile(
    r"^[\d\s|·•:/-]*(\d+\s*(min|mins|minutes?|hrs?|hours?|days?|wks?|weeks?|yrs?|years?)"
    r"(\s*(read|ago))?[\s|·•]*)+$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]…]\s*$")
_MD_PREFIX = re.compile(r"^\s*(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)")

MAX_TITLE_WORDS = 30
MAX_TITLE_WORDS_WITH_STOP = 12
MAX_SHORT_LINE_WORDS = 20
REPEAT_MIN_FILES = 3
MAX_SENTENCE_WORDS = InputSettings().max_sentence_words


def boilerplate_reason(line: str) -> str | None:
    """Why a line is page furniture rather than article text, or None if it is text."""
    text = line.strip()
    if not text:
        return None
    for reason, pattern in _RULES:
        if pattern.search(text):
            return reason
    if _STAMP.match(text):
        return "page stamp"
    return None


def _normal(line: str) -> str:
    return " ".join(words(line.lower()))


def repeated_lines(articles: Iterable[Article]) -> dict[str, set[str]]:
    """Per outlet, the short lines that occur in REPEAT_MIN_FILES or more of its files."""
    files_with: dict[tuple[str, str], set[str]] = defaultdict(set)
    for article in articles:
        outlet = article.outlet or ""
        for line in article.lines:
            norm = _normal(line)
            if norm and len(norm.split()) <= MAX_SHORT_LINE_WORDS:
                files_with[(outlet, norm)].add(article.id)
    repeated: dict[str, set[str]] = defaultdict(set)
    for (outlet, norm), ids in files_with.items():
        if len(ids) >= REPEAT_MIN_FILES:
            repeated[outlet].add(norm)
    return repeated


def _paragraphs(lines: tuple[str, ...], dropped: dict[int, str]) -> list[list[int]]:
    """Runs of consecutive kept, non-empty lines (1-based line numbers)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or number in dropped:
            if current:
                runs.append(current)
                current = []
            continue
        current.append(number)
    if current:
        runs.append(current)
    return runs


def _looks_like_title(line: str) -> bool:
    """Headlines are short and seldom end with a full stop; a long line that does is the
    article's first sentence (files whose first line is empty start with their body)."""
    count = len(words(line))
    if count > MAX_TITLE_WORDS:
        return False
    return not (line.endswith(".") and count > MAX_TITLE_WORDS_WITH_STOP)


def _has_text_after(lines: tuple[str, ...], number: int, dropped: dict[int, str]) -> bool:
    return any(
        line.strip() and n not in dropped for n, line in enumerate(lines, start=1) if n > number
    )


def _capped(spans: list[tuple[int, int]], text: str, max_words: int) -> Iterator[tuple[int, int]]:
    """Sentence spans of at most `max_words` words: a longer one (run-on text with no sentence
    end) is split at clause boundaries, or left out."""
    for start, end in spans:
        for a, b in cap_sentence(text[start:end], max_words):
            yield start + a, start + b


def clean_article(
    article: Article,
    repeated: Set[str] = frozenset(),
    max_sentence_words: int = MAX_SENTENCE_WORDS,
) -> Article:
    dropped = dict(article.boilerplate)
    is_markdown = article.markup == "markdown"
    for number, line in enumerate(article.lines, start=1):
        if number in dropped:
            continue
        reason = boilerplate_reason(line)
        if reason is None and repeated and _normal(line) in repeated:
            reason = "repeated across files of this outlet"
        if reason:
            dropped[number] = reason

    title, title_line = article.title, article.title_line
    first_text = next(
        (n for n, line in enumerate(article.lines, 1) if line.strip() and n not in dropped), None
    )
    if not title and first_text is not None:
        candidate = _MD_PREFIX.sub("", article.lines[first_text - 1]).strip()
        if _looks_like_title(candidate) and _has_text_after(article.lines, first_text, dropped):
            title, title_line = candidate, first_text
    if title_line is not None:
        dropped.setdefault(title_line, "title")

    # A short line standing alone with no sentence ending is a heading, a menu item or a
    # related headline; a short line inside a paragraph is part of a wrapped sentence.
    def blank(number: int) -> bool:
        return not (1 <= number <= len(article.lines)) or not article.lines[number - 1].strip()

    for number, line in enumerate(article.lines, start=1):
        text = line.strip()
        if not text or number in dropped:
            continue
        if is_markdown and text.startswith("#"):
            dropped[number] = "heading"
        elif (
            blank(number - 1)
            and blank(number + 1)
            and not _SENTENCE_END.search(text)
            and len(words(text)) <= MAX_SHORT_LINE_WORDS
        ):
            dropped[number] = "heading or link text, not a sentence"

    sentences: list[Sentence] = []
    for run in _paragraphs(article.lines, dropped):
        text = ""
        starts: list[tuple[int, int]] = []  # (char offset, line number)
        for number in run:
            line = remove_invisible(article.lines[number - 1]).strip()
            if is_markdown:
                line = _MD_PREFIX.sub("", line)
            if text:
                text += " "
            starts.append((len(text), number))
            text += line
        offsets = [off for off, _ in starts]
        for start, end in _capped(split_paragraph(text), text, max_sentence_words):
            sentence_text = text[start:end]
            if boilerplate_reason(sentence_text):
                continue
            first = starts[bisect.bisect_right(offsets, start) - 1][1]
            last = starts[bisect.bisect_left(offsets, end) - 1][1]
            sentences.append(
                Sentence(
                    article.id,
                    article.path,
                    len(sentences),
                    sentence_text,
                    first,
                    last,
                    article.record,
                    article.url,
                    article.copy,
                )
            )
    return dataclasses.replace(
        article, title=title, title_line=title_line, sentences=tuple(sentences), boilerplate=dropped
    )


def clean(articles: list[Article], max_sentence_words: int = MAX_SENTENCE_WORDS) -> list[Article]:
    repeated = repeated_lines(articles)
    return [
        clean_article(a, repeated.get(a.outlet or "", set()), max_sentence_words) for a in articles
    ]
