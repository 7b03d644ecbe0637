"""Render: summaries and run facts become Markdown (footnote citations), JSON and HTML."""

from __future__ import annotations

import datetime as dt
import json
import re

from briefing.records import (
    Briefing,
    Citation,
    CitedSentence,
    Continuity,
    Summary,
    briefing_to_data,
)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A line that starts like a heading, list or quote would change the layout.
    return re.sub(r"^([#+\-=>]|\d+\.)", r"\\\1", text)


class _Footnotes:
    """One footnote per distinct cited span, numbered in order of first use."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, int | None, int, int], int] = {}
        self.labels: dict[int, str] = {}

    def refs(self, citations: tuple[Citation, ...]) -> str:
        out = []
        for c in citations:
            if c.key not in self.ids:
                self.ids[c.key] = len(self.ids) + 1
                self.labels[self.ids[c.key]] = c.label()
            out.append(f"[^{self.ids[c.key]}]")
        return "".join(out)

    def definitions(self) -> list[str]:
        return [f"[^{number}]: {md_escape(label)}" for number, label in self.labels.items()]


def _sentence(s: CitedSentence, notes: _Footnotes) -> str:
    text = md_escape(s.text)
    if s.kind == "quote":
        text = f"“{text}”"
    return text + notes.refs(s.citations)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def render_markdown(briefing: Briefing) -> str:
    notes = _Footnotes()
    out = [f"# Briefing for {briefing.date.isoformat()}", ""]
    overview = (
        f"{_plural(len(briefing.summaries), 'story', 'stories')} from "
        f"{_plural(briefing.article_count, 'article')}"
    )
    if briefing.skipped:
        overview += f"; {_plural(len(briefing.skipped), 'input')} skipped (listed at the end)"
    out += [overview + ".", ""]
    if not briefing.summaries:
        out += ["No usable articles were found in the input folder.", ""]
    for number, summary in enumerate(briefing.summaries, start=1):
        out += _story_markdown(number, summary, notes)
    if briefing.skipped:
        out += ["## Skipped inputs", ""]
        out += [f"- {md_escape(s.path)}: {md_escape(s.reason)}" for s in briefing.skipped]
        out.append("")
    out += [
        f"*Written by briefing with the {md_escape(briefing.generator)} model; every sentence "
        "cites the input file and lines it rests on. Sentences in quotation marks are quoted "
        "verbatim from a source.*",
        "",
    ]
    out += notes.definitions()
    return "\n".join(out).rstrip() + "\n"


def _story_markdown(number: int, summary: Summary, notes: _Footnotes) -> list[str]:
    headline = summary.headline
    lines = [f"## {number}. {_sentence(headline, notes)}", ""]
    if summary.continuity is not None:
        lines += [continuity_line(summary.continuity), ""]
    if summary.sentences:
        if all(s.kind == "quote" for s in summary.sentences):
            lines += ["*From the sources (no generated sentence passed verification):*", ""]
        lines += [" ".join(_sentence(s, notes) for s in summary.sentences), ""]
    articles = summary.story.articles
    lines += [f"Sources ({len(articles)}):", ""]
    for article in articles:
        title = md_escape(article.title) if article.title else "(untitled)"
        outlet = f" ({md_escape(article.outlet)})" if article.outlet else ""
        lines.append(f"- {md_escape(article.path)}: {title}{outlet}")
    lines.append("")
    return lines


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


def render_html(markdown_text: str, title: str) -> str:
    import markdown

    body = markdown.markdown(markdown_text, extensions=["footnotes"])
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
