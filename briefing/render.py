"""Render: summaries and run facts become Markdown (footnote citations), JSON and HTML."""

from __future__ import annotations

import datetime as dt
import json
import re

from briefing.records import Briefing, Citation, CitedSentence, Summary

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A line that starts like a heading, list or quote would change the layout.
    return re.sub(r"^([#+\-=>]|\d+\.)", r"\\\1", text)


class _Footnotes:
    """One footnote per distinct cited span, numbered in order of first use."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, int, int], int] = {}

    def refs(self, citations: tuple[Citation, ...]) -> str:
        out = []
        for c in citations:
            key = (c.path, c.start_line, c.end_line)
            if key not in self.ids:
                self.ids[key] = len(self.ids) + 1
            out.append(f"[^{self.ids[key]}]")
        return "".join(out)

    def definitions(self) -> list[str]:
        lines = []
        for (path, start, end), number in self.ids.items():
            span = f"line {start}" if start == end else f"lines {start}-{end}"
            lines.append(f"[^{number}]: {md_escape(path)}, {span}")
        return lines


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


def _citation_data(c: Citation) -> dict:
    return {
        "path": c.path,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "article_id": c.article_id,
        "text": c.text,
    }


def _sentence_data(s: CitedSentence) -> dict:
    return {
        "text": s.text,
        "kind": s.kind,
        "support": s.support,
        "citations": [_citation_data(c) for c in s.citations],
    }


def briefing_data(briefing: Briefing) -> dict:
    return {
        "date": briefing.date.isoformat(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "input_dir": briefing.input_dir,
        "generator": briefing.generator,
        "embedder": briefing.embedder,
        "article_count": briefing.article_count,
        "story_count": len(briefing.summaries),
        "stories": [
            {
                "id": s.story.id,
                "headline": _sentence_data(s.headline),
                "sentences": [_sentence_data(x) for x in s.sentences],
                "sources": [
                    {
                        "path": a.path,
                        "article_id": a.id,
                        "title": a.title,
                        "outlet": a.outlet,
                        "url": a.url,
                        "date": a.date.isoformat() if a.date else None,
                    }
                    for a in s.story.articles
                ],
                "rejected": [
                    {"text": r.text, "reason": r.reason, "replaced_by": r.replaced_by}
                    for r in s.rejected
                ],
                "model_output": s.draft.raw if s.draft else None,
            }
            for s in briefing.summaries
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in briefing.skipped],
    }


def render_json(briefing: Briefing) -> str:
    return json.dumps(briefing_data(briefing), indent=2, ensure_ascii=False) + "\n"


def render_html(markdown_text: str, title: str) -> str:
    import markdown

    body = markdown.markdown(markdown_text, extensions=["footnotes"])
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
