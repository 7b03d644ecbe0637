"""Typed records passed between pipeline stages.

IDs (article id, relative path, line span) travel end to end: no stage looks a source up
again by its text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal


def record_name(path: str, record: int) -> str:
    """How a record is named: "record 3" in a JSON file, "entry 3" in a feed."""
    is_feed = path.lower().endswith((".xml", ".rss", ".atom"))
    return f"{'entry' if is_feed else 'record'} {record}"


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article body, with the 1-based inclusive line span it occupies."""

    article_id: str
    path: str
    index: int
    text: str
    start_line: int
    end_line: int
    # where the article came from, for its citations (see Article)
    record: int | None = None
    url: str | None = None
    copy: str | None = None

    @property
    def is_title(self) -> bool:
        """The article's title (index -1, see Article.title_sentence), not a body sentence."""
        return self.index < 0


@dataclass(frozen=True)
class Article:
    id: str  # sha256 of the file's bytes (or of the extracted text), first 16 hex digits
    path: str  # relative to the input folder, with forward slashes
    # what citations count lines in: the decoded file for .txt and .md; for formats whose text
    # is extracted (HTML, JSON, feeds), the extracted text, saved beside the briefing as `copy`
    lines: tuple[str, ...]
    title: str = ""
    title_line: int | None = None
    date: dt.date | None = None
    # the date is only when the file was saved (its modification time), not when the article
    # was published: good for "new since the last run", not for the writer to state
    date_is_file_time: bool = False
    outlet: str | None = None
    url: str | None = None
    markup: Literal["text", "markdown"] = "text"  # set by the reader: how clean reads lines
    record: int | None = None  # 1-based record or feed entry number in a multi-article file
    copy: str | None = None  # where `lines` are saved, relative to the briefing's folder
    # filled by clean:
    sentences: tuple[Sentence, ...] = ()
    boilerplate: dict[int, str] = field(default_factory=dict)  # line number -> reason dropped
    lede_title: str = ""  # the lede's first words, shown where the file has no headline
    # filled by the duplicates stage: the path of the article this one is a copy of
    copy_of: str | None = None

    @property
    def display_title(self) -> str:
        """The title as a reader sees it in a Sources list."""
        if self.title:
            return self.title
        if self.lede_title:
            return f"“{self.lede_title}” (opening words; no headline in the file)"
        return "(untitled)"

    @property
    def where(self) -> str:
        """The file, and the record or feed entry in it when it holds several articles."""
        if self.record is None:
            return self.path
        return f"{self.path}, {record_name(self.path, self.record)}"

    @property
    def title_sentence(self) -> Sentence | None:
        if self.title_line is None:
            return None
        return Sentence(
            self.id,
            self.path,
            -1,
            self.title,
            self.title_line,
            self.title_line,
            self.record,
            self.url,
            self.copy,
        )


@dataclass(frozen=True)
class SkippedInput:
    path: str
    reason: str


@dataclass(frozen=True)
class Story:
    id: str
    articles: tuple[Article, ...]
    # near-identical copies of some of `articles` (a wire story on two sites, a re-saved file):
    # listed among the sources, counted once, never evidence
    copies: tuple[Article, ...] = ()


@dataclass(frozen=True)
class Evidence:
    story_id: str
    # the lede (the first `lede` sentences: the opening of the most central article), then the
    # other sentences chosen, in reading order: by article, then position
    sentences: tuple[Sentence, ...]
    lede: int = 0


@dataclass(frozen=True)
class DraftSentence:
    text: str
    # positions in Evidence.sentences of the sentences it was written from: where cite/verify
    # starts, as candidates to check, never as proof
    evidence: tuple[int, ...] = ()


@dataclass(frozen=True)
class Draft:
    story_id: str
    headline: str
    sentences: tuple[DraftSentence, ...]
    raw: str  # what the model returned, for the manifest
    stopped: bool = False  # the model was stopped at its time limit: `raw` is cut short

    @property
    def summary(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class Citation:
    """A locator: the file (relative to the input folder) and the line span of the cited text;
    for files holding several articles, the record or feed entry too, and the page URL."""

    path: str
    start_line: int
    end_line: int
    article_id: str
    text: str = ""  # the cited sentence as it stood in the file, for `briefing verify`
    record: int | None = None  # 1-based record or entry number in a multi-article file
    url: str | None = None
    copy: str | None = None  # the extracted text the lines count in, beside the briefing

    @classmethod
    def of(cls, sentence: Sentence) -> Citation:
        return cls(
            sentence.path,
            sentence.start_line,
            sentence.end_line,
            sentence.article_id,
            sentence.text,
            sentence.record,
            sentence.url,
            sentence.copy,
        )

    @property
    def key(self) -> tuple[str, int | None, int, int]:
        """What makes two citations the same place."""
        return self.path, self.record, self.start_line, self.end_line

    def label(self, with_url: bool = True) -> str:
        """The locator as a reader follows it (the one rendering): "file, lines 4-5";
        "page.html, text in sources/<id>.txt, lines 4-5, URL"; "feed.rss, entry 3, text in ...".
        """
        parts = [self.path]
        if self.record is not None:
            parts.append(record_name(self.path, self.record))
        if self.copy:
            parts.append(f"text in {self.copy}")
        start, end = self.start_line, self.end_line
        parts.append(f"line {start}" if start == end else f"lines {start}-{end}")
        if self.url and with_url:
            parts.append(self.url)
        return ", ".join(parts)


@dataclass(frozen=True)
class CitedSentence:
    text: str
    citations: tuple[Citation, ...]
    # generated: the model's sentence as written; repaired: the model's second try, from one
    # source sentence; quote: a source sentence verbatim; extract: the main clause of the
    # story's lede, verbatim (a headline when the model's fails); title: a source's title
    # verbatim (briefings written before extracts)
    kind: Literal["generated", "repaired", "quote", "extract", "title"]
    support: float  # the verifier's score, 1.0 for verbatim quotes
    draft_index: int | None = None  # the draft sentence it prints or replaces, if any


@dataclass(frozen=True)
class Rejection:
    text: str
    reason: str
    replaced_by: str | None = None
    draft_index: int | None = None  # position in Draft.sentences; None: headline or the model


@dataclass(frozen=True)
class Continuity:
    """How a story stands to earlier briefings (briefing/continuity.py)."""

    status: Literal["NEW", "UPDATED", "ONGOING"]
    since: dt.date | None  # the latest earlier briefing that had the story
    earlier_headline: str | None
    first_briefed: dt.date | None  # the briefing where it was NEW


@dataclass(frozen=True)
class Summary:
    story: Story
    headline: CitedSentence
    sentences: tuple[CitedSentence, ...]
    rejected: tuple[Rejection, ...]
    draft: Draft | None
    continuity: Continuity | None = None  # None: a run without state (briefing eval)
    # what the time limits did to it: "quoted": the run's time budget (--max-minutes) was spent
    # before its turn, so it is quoted from its sources and the writer never saw it; "stopped":
    # the writer was stopped at its time limit, its finished sentences verified, the rest quoted.
    # Neither is kept in the summary cache, so the next run writes it properly.
    time_limit: Literal["quoted", "stopped"] | None = None


@dataclass(frozen=True)
class ListedStory:
    """A story past the briefing's --max-stories: listed by its best title after the stories,
    never summarised (the writer never sees it)."""

    story: Story
    title: str
    citations: tuple[Citation, ...]  # where the title (or the opening words) stand


@dataclass(frozen=True)
class Briefing:
    date: dt.date
    summaries: tuple[Summary, ...]
    skipped: tuple[SkippedInput, ...]
    article_count: int
    generator: str
    embedder: str
    input_dir: str
    listed: tuple[ListedStory, ...] = ()


# --- JSON: every record the manifest holds can be written and read back ---------------------


def citation_to_data(c: Citation) -> dict:
    return {
        "path": c.path,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "article_id": c.article_id,
        "text": c.text,
        "record": c.record,
        "url": c.url,
        "copy": c.copy,
    }


def citation_from_data(d: dict) -> Citation:
    return Citation(
        d["path"],
        d["start_line"],
        d["end_line"],
        d.get("article_id", ""),
        d.get("text", ""),
        d.get("record"),
        d.get("url"),
        d.get("copy"),
    )


def cited_to_data(s: CitedSentence) -> dict:
    return {
        "text": s.text,
        "kind": s.kind,
        "support": s.support,
        "citations": [citation_to_data(c) for c in s.citations],
        "draft_index": s.draft_index,
    }


def cited_from_data(d: dict) -> CitedSentence:
    return CitedSentence(
        d["text"],
        tuple(citation_from_data(c) for c in d["citations"]),
        d["kind"],
        d["support"],
        d.get("draft_index"),
    )


def _source_to_data(a: Article) -> dict:
    return {
        "path": a.path,
        "article_id": a.id,
        "title": a.title,
        "lede_title": a.lede_title,
        "copy_of": a.copy_of,
        "outlet": a.outlet,
        "url": a.url,
        "date": a.date.isoformat() if a.date else None,
        "record": a.record,
        "copy": a.copy,
    }


def _source_from_data(d: dict) -> Article:
    """The article as the manifest lists it: its text stays in the input file."""
    date = dt.date.fromisoformat(d["date"]) if d.get("date") else None
    return Article(
        d["article_id"],
        d["path"],
        (),
        d["title"],
        date=date,
        outlet=d["outlet"],
        url=d["url"],
        record=d.get("record"),
        copy=d.get("copy"),
        lede_title=d.get("lede_title", ""),
        copy_of=d.get("copy_of"),
    )


def _draft_to_data(draft: Draft) -> dict:
    return {
        "headline": draft.headline,
        "sentences": [{"text": s.text, "evidence": list(s.evidence)} for s in draft.sentences],
        "raw": draft.raw,
        "stopped": draft.stopped,
    }


def _draft_from_data(story_id: str, d: dict) -> Draft:
    sentences = tuple(DraftSentence(s["text"], tuple(s["evidence"])) for s in d["sentences"])
    return Draft(story_id, d["headline"], sentences, d["raw"], bool(d.get("stopped", False)))


def summary_to_data(s: Summary) -> dict:
    return {
        "id": s.story.id,
        "headline": cited_to_data(s.headline),
        "sentences": [cited_to_data(x) for x in s.sentences],
        "sources": [_source_to_data(a) for a in (*s.story.articles, *s.story.copies)],
        "rejected": [
            {
                "text": r.text,
                "reason": r.reason,
                "replaced_by": r.replaced_by,
                "draft_index": r.draft_index,
            }
            for r in s.rejected
        ],
        "model_output": s.draft.raw if s.draft else None,
        "draft": _draft_to_data(s.draft) if s.draft else None,
        "continuity": _continuity_to_data(s.continuity) if s.continuity else None,
        "time_limit": s.time_limit,
    }


def _continuity_to_data(c: Continuity) -> dict:
    return {
        "status": c.status,
        "since": c.since.isoformat() if c.since else None,
        "earlier_headline": c.earlier_headline,
        "first_briefed": c.first_briefed.isoformat() if c.first_briefed else None,
    }


def _continuity_from_data(d: dict) -> Continuity:
    def day(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    return Continuity(
        d["status"], day(d.get("since")), d.get("earlier_headline"), day(d.get("first_briefed"))
    )


def summary_from_data(d: dict) -> Summary:
    sources = [_source_from_data(a) for a in d["sources"]]
    story = Story(
        d["id"],
        tuple(a for a in sources if a.copy_of is None),
        tuple(a for a in sources if a.copy_of is not None),
    )
    rejected = tuple(
        Rejection(r["text"], r["reason"], r.get("replaced_by"), r.get("draft_index"))
        for r in d["rejected"]
    )
    draft = _draft_from_data(story.id, d["draft"]) if d.get("draft") else None
    return Summary(
        story,
        cited_from_data(d["headline"]),
        tuple(cited_from_data(x) for x in d["sentences"]),
        rejected,
        draft,
        _continuity_from_data(d["continuity"]) if d.get("continuity") else None,
        d.get("time_limit"),
    )


def listed_to_data(listed: ListedStory) -> dict:
    return {
        "id": listed.story.id,
        "title": listed.title,
        "citations": [citation_to_data(c) for c in listed.citations],
        "sources": [_source_to_data(a) for a in (*listed.story.articles, *listed.story.copies)],
    }


def listed_from_data(d: dict) -> ListedStory:
    sources = [_source_from_data(a) for a in d["sources"]]
    story = Story(
        d["id"],
        tuple(a for a in sources if a.copy_of is None),
        tuple(a for a in sources if a.copy_of is not None),
    )
    return ListedStory(story, d["title"], tuple(citation_from_data(c) for c in d["citations"]))


def briefing_to_data(b: Briefing) -> dict:
    return {
        "date": b.date.isoformat(),
        "input_dir": b.input_dir,
        "generator": b.generator,
        "embedder": b.embedder,
        "article_count": b.article_count,
        "story_count": len(b.summaries),
        "stories": [summary_to_data(s) for s in b.summaries],
        # stories past --max-stories, listed by title only
        "listed": [listed_to_data(x) for x in b.listed],
        "skipped": [{"path": s.path, "reason": s.reason} for s in b.skipped],
    }


def briefing_from_data(d: dict) -> Briefing:
    """A briefing read back from its JSON manifest (articles as listed, without their text)."""
    return Briefing(
        date=dt.date.fromisoformat(d["date"]),
        summaries=tuple(summary_from_data(s) for s in d["stories"]),
        skipped=tuple(SkippedInput(s["path"], s["reason"]) for s in d["skipped"]),
        article_count=d["article_count"],
        generator=d["generator"],
        embedder=d["embedder"],
        input_dir=d["input_dir"],
        listed=tuple(listed_from_data(x) for x in d.get("listed", [])),
    )
