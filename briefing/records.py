"""Typed records passed between pipeline stages.

IDs (article id, relative path, line span) travel end to end: no stage looks a source up
again by its text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article body, with the 1-based inclusive line span it occupies."""

    article_id: str
    path: str
    index: int
    text: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class Article:
    id: str  # sha256 of the file's bytes, first 16 hex digits
    path: str  # relative to the input folder, with forward slashes
    lines: tuple[str, ...]  # the decoded file, one entry per line, for citations and checks
    title: str = ""
    title_line: int | None = None
    date: dt.date | None = None
    outlet: str | None = None
    url: str | None = None
    # filled by clean:
    sentences: tuple[Sentence, ...] = ()
    boilerplate: dict[int, str] = field(default_factory=dict)  # line number -> reason dropped

    @property
    def title_sentence(self) -> Sentence | None:
        if self.title_line is None:
            return None
        return Sentence(self.id, self.path, -1, self.title, self.title_line, self.title_line)


@dataclass(frozen=True)
class SkippedInput:
    path: str
    reason: str


@dataclass(frozen=True)
class Story:
    id: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Evidence:
    story_id: str
    sentences: tuple[Sentence, ...]  # in reading order: by article, then position


@dataclass(frozen=True)
class Draft:
    story_id: str
    headline: str
    summary: str
    raw: str  # what the model returned, for the manifest


@dataclass(frozen=True)
class Citation:
    path: str
    start_line: int
    end_line: int
    article_id: str
    text: str = ""  # the cited sentence as it stood in the file, for `briefing verify`

    @classmethod
    def of(cls, sentence: Sentence) -> Citation:
        return cls(
            sentence.path,
            sentence.start_line,
            sentence.end_line,
            sentence.article_id,
            sentence.text,
        )


@dataclass(frozen=True)
class CitedSentence:
    text: str
    citations: tuple[Citation, ...]
    # generated: the model's sentence as written; repaired: the model's second try, from one
    # source sentence; quote: a source sentence verbatim; title: a source's title verbatim
    kind: Literal["generated", "repaired", "quote", "title"]
    support: float  # the verifier's score, 1.0 for verbatim quotes


@dataclass(frozen=True)
class Rejection:
    text: str
    reason: str
    replaced_by: str | None = None


@dataclass(frozen=True)
class Summary:
    story: Story
    headline: CitedSentence
    sentences: tuple[CitedSentence, ...]
    rejected: tuple[Rejection, ...]
    draft: Draft | None


@dataclass(frozen=True)
class Briefing:
    date: dt.date
    summaries: tuple[Summary, ...]
    skipped: tuple[SkippedInput, ...]
    article_count: int
    generator: str
    embedder: str
    input_dir: str
