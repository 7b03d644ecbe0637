"""Clean: drop page furniture, find each article's title, split the rest into sentences that
keep the line numbers of the original file.

What is furniture is decided in stages/furniture.py (rules, lines repeated across an outlet's
files, a line classifier); clean applies it, drops headings and stray link text, and keeps a
title only when it reads as a headline, otherwise the lede's opening words stand in for it
(`Article.lede_title`). Sentence splitting is pysbd's.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterator, Set

from briefing.config import InputSettings
from briefing.records import Article, Sentence
from briefing.stages.furniture import (
    EMBEDDED_POST,
    MAX_CLASSIFIED_WORDS,
    SECTION_LABEL,
    FurnitureModel,
    group_of,
    line_contexts,
    load_model,
    normal_line,
    repeated_lines,
    rule_reason,
    sentence_reason,
    without_post_attribution,
)
from briefing.text import cap_sentence, remove_invisible, split_paragraph, without_tickers, words

_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]…]\s*$")
_MD_PREFIX = re.compile(r"^\s*(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)")
# "ALLENTOWN, Pa. (AP) — ", "LONDON — ", "PALO ALTO (CBS SF) — ": a dateline opens a lede.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'’ -]{1,30}(,\s+[A-Z][\w.]{1,12}(\s[A-Z][\w.]{1,12})?)?\s*(\([^)]{1,20}\))?"
    r"\s*[—–-]{1,2}\s+"
)

MAX_TITLE_WORDS = 25
MAX_TITLE_WORDS_WITH_STOP = 8
MIN_TITLE_WORDS = 3
LEDE_TITLE_WORDS = 12
MAX_SHORT_LINE_WORDS = 20
MAX_SENTENCE_WORDS = InputSettings().max_sentence_words
MIN_ARTICLE_WORDS = 8  # fewer words of text than this is not news, whatever the file holds
# ...nor this little text on a page of three furniture lines (links, teasers) to each line of it
MOSTLY_FURNITURE_WORDS = 100
FURNITURE_LINES_PER_TEXT_LINE = 3

# The rules alone, for callers that judge one line (kept under the name tests and eval use).
boilerplate_reason = rule_reason


# A line that is one quotation and nothing else: '"I'm as shocked as you people."'
_WHOLE_QUOTE = re.compile(r'^["“][^"“”]+["”]$')
# Words of a speaker with no speaker named: "I'm as shocked as you people." ('I was wrong,
# says minister' names one; "I Love Lucy star dies at 90" is no sentence)
_FIRST_PERSON = re.compile(r"^I(['’](m|ve|ll|d))?\s[^:]*[.!?]$")
_ATTRIBUTION = re.compile(r"\b(says?|said|tells?|told|admits?|insists?|claims?)\b|[:—–]")
_CUT_OFF = re.compile(r"(…|\.\.\.)\s*$")
# A lede that opens with a quotation: '"I am flattered," Stallone said in a statement.'
_OPENS_WITH_QUOTE = re.compile(r"^[\"“‘]")
_QUOTED_LEDE = re.compile(
    r'^["“](?P<quote>[^"“”]+?)[,.!?]?["”],?\s+(?P<speaker>([A-Z][\w.\'’-]*\s+){0,3}[A-Z][\w.\'’-]*)'
    r"\s+(said|says|told|added|wrote|tweeted|explained|insisted)\b"
)
PULL_QUOTE = "pull-quote, not a headline"
# A headline may end in an abbreviation's full stop ("... after offering talks with U.S.").
_ENDS_WITH_ABBREVIATION = re.compile(r"(\b(?:[A-Z]\.){2,}|\b(?:Jr|Sr|Inc|Corp|Co|Ltd|St)\.)$")


def headline_problem(line: str) -> str | None:
    """Why a line cannot be an article's title, or None when it reads as a headline."""
    text = line.strip()
    count = len(words(text))
    if rule_reason(text):
        return "page furniture"
    if _DATELINE.match(text):
        return "a dateline: the lede's first sentence"
    if _WHOLE_QUOTE.match(text) or (_FIRST_PERSON.match(text) and not _ATTRIBUTION.search(text)):
        return PULL_QUOTE
    if _CUT_OFF.search(text):
        return "cut off (ends with an ellipsis)"
    if count < MIN_TITLE_WORDS:
        return "too short"
    if count > MAX_TITLE_WORDS:
        return "too long"
    if text[:1].islower():
        return "starts in lower case: a sentence"
    full_stop = re.search(r"[.!?][\"”’]?\s*$", text) and not _ENDS_WITH_ABBREVIATION.search(text)
    if full_stop and count > MAX_TITLE_WORDS_WITH_STOP:
        return "a sentence (ends with a full stop)"
    return None


LEDE_SENTENCES = 3  # a title from the lede comes from one of its first sentences


def _opening_words(text: str, limit: int = LEDE_TITLE_WORDS) -> str:
    tokens = text.split()
    if len(tokens) <= limit:
        return text
    return " ".join(tokens[:limit]).rstrip(",;:—–-") + "…"


def lede_title(sentences: tuple[Sentence, ...]) -> str:
    """The first words of the lede, without its dateline, to stand in for a missing title.
    A quotation is not a headline: the first of the lede's sentences that does not open with
    one is used, else the quotation under its speaker's name ('Stallone: “I am…”')."""
    if not sentences:
        return ""
    lede = [_DATELINE.sub("", s.text).strip() for s in sentences[:LEDE_SENTENCES]]
    for text in lede:
        if text and not _OPENS_WITH_QUOTE.match(text):
            return _opening_words(text)
    quoted = _QUOTED_LEDE.match(lede[0])
    if quoted:
        speaker = quoted["speaker"]
        quote = _opening_words(quoted["quote"], LEDE_TITLE_WORDS - len(speaker.split()))
        return f"{speaker}: ‘{quote}’"
    return _opening_words(lede[0])


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


def _has_text_after(lines: tuple[str, ...], number: int, dropped: dict[int, str]) -> bool:
    return any(
        line.strip() and n not in dropped for n, line in enumerate(lines, start=1) if n > number
    )


def _quoted_again(lines: tuple[str, ...], number: int) -> bool:
    """Whether the words of line `number` recur in a later line: a pull-quote set above the
    article repeats a quotation of its text."""
    quoted = normal_line(lines[number - 1])
    return bool(quoted) and any(quoted in normal_line(line) for line in lines[number:])


def _capped(spans: list[tuple[int, int]], text: str, max_words: int) -> Iterator[tuple[int, int]]:
    """Sentence spans of at most `max_words` words: a longer one (run-on text with no sentence
    end) is split at clause boundaries, or left out."""
    for start, end in spans:
        for a, b in cap_sentence(text[start:end], max_words):
            yield start + a, start + b


REPEATED = "repeated across files of this {}"


def clean_article(
    article: Article,
    repeated: Set[str] = frozenset(),
    model: FurnitureModel | None = None,
    repeated_in: str = "outlet",
    max_sentence_words: int = MAX_SENTENCE_WORDS,
) -> Article:
    """The article without its furniture, with its title and its sentences. `repeated`: the
    normalised lines that repeat across this article's outlet or folder (`repeated_in`);
    `model`: the line classifier (None: rules and repetition only); sentences longer than
    `max_sentence_words` are split at clause boundaries or left out."""
    dropped = dict(article.boilerplate)
    is_markdown = article.markup == "markdown"
    for number, line in enumerate(article.lines, start=1):
        if number in dropped:
            continue
        reason = rule_reason(line)
        if reason is None and repeated and normal_line(line) in repeated:
            reason = REPEATED.format(repeated_in)
        if reason:
            dropped[number] = reason

    def kept_lines() -> list[int]:
        return [n for n, line in enumerate(article.lines, 1) if line.strip() and n not in dropped]

    # The classifier judges what the rules let through, but not the first line: headlines are
    # short lines without a full stop, as much furniture is, and the title check below knows
    # them better.
    candidates = [
        n for n in kept_lines()[1:] if len(article.lines[n - 1].split()) <= MAX_CLASSIFIED_WORDS
    ]
    if model is not None and candidates:
        contexts = line_contexts(article.lines)
        texts = [_MD_PREFIX.sub("", article.lines[n - 1]).strip() for n in candidates]
        chances = model.probabilities(texts, [contexts[n - 1] for n in candidates])
        for number, chance in zip(candidates, chances, strict=True):
            if chance >= model.threshold:
                dropped[number] = "page furniture (line classifier)"

    title, title_line = article.title, article.title_line
    if title and headline_problem(title):
        title, title_line = "", None  # a reader's title that is furniture ("Play Facebook")
    first_text = next(iter(kept_lines()), None)
    if not title and first_text is not None:
        candidate = _MD_PREFIX.sub("", article.lines[first_text - 1]).strip()
        problem = headline_problem(candidate)
        if problem is None and _has_text_after(article.lines, first_text, dropped):
            title, title_line = candidate, first_text
        elif problem == PULL_QUOTE and _quoted_again(article.lines, first_text):
            dropped[first_text] = "pull-quote (repeated in the text)"
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
            line = without_post_attribution(remove_invisible(article.lines[number - 1]).strip())
            line = without_tickers(line)
            if is_markdown:
                line = _MD_PREFIX.sub("", line)
            if text:
                text += " "
            starts.append((len(text), number))
            text += line
        offsets = [off for off, _ in starts]
        for start, end in _capped(split_paragraph(text), text, max_sentence_words):
            sentence_text = text[start:end]
            if sentence_reason(sentence_text):
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
        article,
        title=title,
        title_line=title_line,
        lede_title="" if title else lede_title(tuple(sentences)),
        sentences=tuple(sentences),
        boilerplate=dropped,
    )


def clean(
    articles: list[Article],
    max_sentence_words: int = MAX_SENTENCE_WORDS,
    model: FurnitureModel | None = None,
) -> list[Article]:
    """Every article cleaned, with the shipped line classifier unless one is given."""
    model = model or load_model()
    repeated = repeated_lines(articles)
    cleaned = []
    for article in articles:
        group = group_of(article)
        cleaned.append(
            clean_article(
                article,
                repeated.get(group, set()),
                model,
                "outlet" if group.startswith("outlet:") else "folder",
                max_sentence_words,
            )
        )
    return cleaned


def unusable_reason(article: Article) -> str | None:
    """Why a cleaned article cannot be a story (its file is listed as skipped), or None."""
    count = sum(len(words(s.text)) for s in article.sentences)
    furniture = sum(1 for reason in article.boilerplate.values() if reason not in _NOT_FURNITURE)
    text_lines = len({n for s in article.sentences for n in range(s.start_line, s.end_line + 1)})
    if not article.sentences:
        if furniture:
            return "only page furniture (" + _main_reasons(article) + ")"
        return "no article text left after removing headings"
    if count < MIN_ARTICLE_WORDS:
        return f"too short to be news ({count} words of text)"
    if count < MOSTLY_FURNITURE_WORDS and furniture >= FURNITURE_LINES_PER_TEXT_LINE * text_lines:
        total = sum(len(words(line)) for line in article.lines)
        return (
            f"only page furniture and teasers left after cleaning ({_main_reasons(article)}; "
            f"{count} of its {total:,} words are article text)"
        )
    label = _section_label(article)
    if label and count < MOSTLY_FURNITURE_WORDS:
        return f"a section teaser, not an article (a “{label}” label over {count} words of text)"
    return None


def _section_label(article: Article) -> str | None:
    """The section name ("Features") the file was saved under, where one stands alone in it."""
    for number, reason in article.boilerplate.items():
        if reason == SECTION_LABEL and 1 <= number <= len(article.lines):
            return article.lines[number - 1].strip()
    return None


# An embedded post is quoted content, not furniture around the text: an article made of a
# paragraph and the tweets it reports on is still an article.
_NOT_FURNITURE = ("title", "metadata", "heading", EMBEDDED_POST)


def _main_reasons(article: Article) -> str:
    reasons = [r for r in article.boilerplate.values() if r not in _NOT_FURNITURE]
    common = sorted(set(reasons), key=lambda r: (-reasons.count(r), r))[:2]
    return ", ".join(common) or "metadata"
