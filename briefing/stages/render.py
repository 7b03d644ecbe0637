"""Render: summaries and run facts become Markdown (footnote citations), JSON and HTML."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

from briefing.records import (
    Briefing,
    Citation,
    CitedSentence,
    Continuity,
    ListedStory,
    Summary,
    briefing_to_data,
)

QUOTED_FOR_TIME = (
    "*Quoted for time: the run's time budget (--max-minutes) was spent before this story was "
    "written, so these are its sources' own sentences; the next run writes it.*"
)
STOPPED_FOR_TIME = (
    "*Stopped for time: the writer was stopped at its time limit; the sentences it finished "
    "that passed verification are kept, the rest is quoted from the sources.*"
)
LISTED_HEADING = "Also in today's articles"

# Escapes that CommonMark (GitHub, editors) and Python-Markdown (our HTML) both honour: a
# backslash before these; character references for "<", "|" and "&" before an entity name,
# which Python-Markdown does not unescape after a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]>])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_NAMES = {"\n": "n", "\t": "t", "\r": "r"}
_URL = re.compile(r"https?://[^\s<>\\`]+")


def _visible_control(match: re.Match[str]) -> str:
    char = match.group()
    # a line break in a file name would end the footnote or list item: show it as \n
    return "\\\\" + _CONTROL_NAMES.get(char, f"x{ord(char):02x}")


def md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;").replace("|", "&#124;")
    text = _CONTROL.sub(_visible_control, text)
    # A line that starts like a heading, list or quote would change the layout.
    text = re.sub(r"^([#+\-])", r"\\\1", text)
    text = re.sub(r"^(\d+)\.", r"\1\\.", text)
    return re.sub(r"^=", "&#61;", text)


def _footnote_text(citation: Citation) -> str:
    """The citation's label, escaped; its URL, when a plain web address, as a link."""
    url = citation.url
    if url and _URL.fullmatch(url):
        return f"{md_escape(citation.label(with_url=False))}, <{url}>"
    return md_escape(citation.label())


class _Footnotes:
    """One footnote per distinct cited span, numbered in order of first use."""

    def __init__(self, href: Callable[[Citation], str | None] | None = None) -> None:
        self.ids: dict[tuple[str, int | None, int, int], int] = {}
        self.citations: dict[int, Citation] = {}
        self.href = href  # where a reader can follow a citation to (the HTML page's links)
        self.links: dict[int, str | None] = {}

    def refs(self, citations: tuple[Citation, ...]) -> str:
        out = []
        for c in citations:
            if c.key not in self.ids:
                self.ids[c.key] = len(self.ids) + 1
                self.citations[self.ids[c.key]] = c
                self.links[self.ids[c.key]] = self.href(c) if self.href else None
            marker = f"[^{self.ids[c.key]}]"
            if marker not in out:  # two cited sentences on one line: one footnote
                out.append(marker)
        return "".join(out)

    def definitions(self) -> list[str]:
        out = []
        for number, citation in self.citations.items():
            link = self.links.get(number)
            if link:  # the label is the link's text: no link (the URL) inside it
                out.append(f"[^{number}]: [{md_escape(citation.label())}]({link})")
            else:
                out.append(f"[^{number}]: {_footnote_text(citation)}")
        return out


_STRAIGHT_DOUBLE = re.compile(r'(^|[\s(\[—–-])"|"')


def nest_quotes(text: str) -> str:
    """A quotation inside a quoted sentence takes single marks, as in print: “‘Markets do
    fluctuate,’ Raj Shah said.”, not “"Markets do fluctuate," Raj Shah said.”. A straight mark
    opens at the start or after a space or bracket and closes elsewhere."""
    text = text.replace("“", "‘").replace("”", "’")
    return _STRAIGHT_DOUBLE.sub(lambda m: m.group(1) + "‘" if m.group(1) is not None else "’", text)


def _sentence(s: CitedSentence, notes: _Footnotes) -> str:
    text = f"“{md_escape(nest_quotes(s.text))}”" if s.kind == "quote" else md_escape(s.text)
    return text + notes.refs(s.citations)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def render_markdown(
    briefing: Briefing, cite_href: Callable[[Citation], str | None] | None = None
) -> str:
    """The briefing in Markdown; with `cite_href`, each footnote links to where it points."""
    notes = _Footnotes(cite_href)
    out = [f"# Briefing for {briefing.date.isoformat()}", ""]
    overview = (
        f"{_plural(len(briefing.summaries), 'story', 'stories')} from "
        f"{_plural(briefing.article_count, 'article')}"
    )
    if briefing.listed:
        overview += f"; {_plural(len(briefing.listed), 'more story', 'more stories')} listed"
    if briefing.skipped:
        overview += f"; {_plural(len(briefing.skipped), 'input')} skipped (listed at the end)"
    out += [overview + ".", ""]
    if not briefing.summaries:
        out += ["No usable articles were found in the input folder.", ""]
    for number, summary in enumerate(briefing.summaries, start=1):
        out += _story_markdown(number, summary, notes)
    if briefing.listed:
        out += _listed_markdown(briefing.listed, notes)
    if briefing.skipped:
        out += ["## Skipped inputs", ""]
        out += [f"- {md_escape(s.path)}: {md_escape(s.reason)}" for s in briefing.skipped]
        out.append("")
    out += [
        f"*Written by briefing with the {md_escape(briefing.generator)} model; every sentence "
        "cites the input file and lines it rests on. Sentences in quotation marks are a "
        "source's own words (less a dateline, a lead-in or a stock ticker).*",
        "",
    ]
    out += notes.definitions()
    return "\n".join(out).rstrip() + "\n"


def _story_markdown(number: int, summary: Summary, notes: _Footnotes) -> list[str]:
    headline = summary.headline
    lines = [f"## {number}. {_sentence(headline, notes)}", ""]
    if summary.continuity is not None:
        lines += [continuity_line(summary.continuity), ""]
    if summary.time_limit == "quoted":
        lines += [QUOTED_FOR_TIME, ""]
    elif summary.time_limit == "stopped":
        lines += [STOPPED_FOR_TIME, ""]
    if summary.sentences:
        if all(s.kind == "quote" for s in summary.sentences):
            lines += ["*From the sources (no generated sentence passed verification):*", ""]
        lines += [" ".join(_sentence(s, notes) for s in summary.sentences), ""]
    articles = summary.story.articles
    copies = summary.story.copies
    count = f"{len(articles)}" + (f", and {len(copies)} copy(ies) counted once" if copies else "")
    lines += [f"Sources ({count}):", ""]
    for article in (*articles, *copies):
        title = md_escape(article.display_title)
        outlet = f" ({md_escape(article.outlet)})" if article.outlet else ""
        copy = f"; same text as {md_escape(article.copy_of)}" if article.copy_of else ""
        lines.append(f"- {md_escape(article.where)}: {title}{outlet}{copy}")
    lines.append("")
    return lines


def _listed_markdown(listed: tuple[ListedStory, ...], notes: _Footnotes) -> list[str]:
    """Stories past --max-stories: one line each, the best title and where to read it."""
    lines = [
        f"## {LISTED_HEADING}",
        "",
        f"{_plural(len(listed), 'more story', 'more stories')}, not summarised (the briefing "
        "summarises the stories most outlets report):",
        "",
    ]
    for item in listed:
        articles = item.story.articles
        count = _plural(len(articles), "article")
        lines.append(f"- {md_escape(item.title)}{notes.refs(item.citations)} ({count})")
    lines.append("")
    return lines


def render_source_copies(briefing: Briefing) -> dict[str, str]:
    """The extracted text of each HTML page, JSON record and feed entry in the briefing, by its
    path relative to the briefing's folder (`sources/<id>.txt`): the lines its citations count."""
    stories = [s.story for s in briefing.summaries] + [x.story for x in briefing.listed]
    return {
        article.copy: "\n".join(article.lines) + "\n"
        for story in stories
        for article in story.articles
        if article.copy and article.lines
    }


def continuity_line(c: Continuity) -> str:
    """The story's mark: NEW, UPDATED (what follows is only what is new) or ONGOING (nothing
    new: a link to the earlier briefing stands in for a summary)."""
    if c.status == "NEW" or c.since is None:
        return "**NEW**"
    link = f"[{c.since.isoformat()}]({c.since.isoformat()}.md)"
    earlier = f" (“{md_escape(c.earlier_headline)}”)" if c.earlier_headline else ""
    if c.status == "UPDATED":
        return f"**UPDATED** since the briefing of {link}{earlier}: only what is new is summarised."
    return f"**ONGOING**: nothing new since the briefing of {link}{earlier}."


def briefing_data(briefing: Briefing) -> dict:
    """The JSON manifest: the records (see records.briefing_from_data) and when it was written."""
    data = briefing_to_data(briefing)
    generated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return {"date": data.pop("date"), "generated_at": generated_at, **data}


def render_json(briefing: Briefing) -> str:
    return json.dumps(briefing_data(briefing), indent=2, ensure_ascii=False) + "\n"
