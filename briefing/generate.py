"""Generate: the only stage that runs the summarisation model. Evidence in, Draft out."""

from __future__ import annotations

import re
from collections.abc import Callable

from briefing.config import PromptTemplate
from briefing.models import Generator
from briefing.records import Draft, Evidence, Sentence, Story

_HEADLINE = re.compile(r"^[^\n]{0,12}?\bheadline\W*:\s*(.*)$", re.I | re.M)
_SUMMARY = re.compile(r"^[^\n]{0,12}?\bsummary\W*:\s*(.*)", re.I | re.M | re.S)
_MARKUP = re.compile(r"[*_`#]+")
_LABEL = re.compile(r"^(the\s+)?headline\s*:\s*", re.I)
_INNER_LABEL = re.compile(r"(^|\s)(the\s+)?(summary|headline)\s*:\s*", re.I)


def format_evidence(evidence: Evidence) -> str:
    return "\n".join(f"{i}. {s.text}" for i, s in enumerate(evidence.sentences, start=1))


def parse_draft(text: str) -> tuple[str, str]:
    """Headline and summary from the model's answer, tolerant of a model that ignores the form."""
    headline = summary = ""
    head = _HEADLINE.search(text)
    if head:
        headline = head.group(1)
    body = _SUMMARY.search(text)
    if body:
        summary = body.group(1)
        if head and head.start() > body.start():  # "Summary: ... Headline: ..."
            summary = text[body.start(1) : head.start()]
    elif head:
        summary = text[head.end() :]
    else:
        first, _, rest = text.strip().partition("\n")
        if rest.strip() and len(first.split()) <= 16:
            headline, summary = first, rest
        else:
            summary = text
    headline = _LABEL.sub("", _flatten(headline)).strip(" \"'")
    # Small models repeat the form's labels inside the summary ("... Summary: ...").
    summary = _INNER_LABEL.sub(" ", _flatten(summary)).strip()
    return headline, summary


def _flatten(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).split())


def generate(
    story: Story, evidence: Evidence, prompt: PromptTemplate, generator: Generator, n_sentences: str
) -> Draft:
    messages = prompt.fill(
        evidence=format_evidence(evidence),
        n_articles=str(len(story.articles)),
        n_sentences=n_sentences,
    )
    raw = generator.generate(messages, copy_from=" ".join(s.text for s in evidence.sentences))
    headline, summary = parse_draft(raw)
    return Draft(story.id, headline, summary, raw)


def repairer(prompt: PromptTemplate, generator: Generator) -> Callable[[Sentence], str]:
    """The verifier's second try: the model rewrites one source sentence, favouring its words."""

    def repair(source: Sentence) -> str:
        raw = generator.generate(prompt.fill(sentence=source.text), copy_from=source.text)
        first_line = next((line for line in raw.splitlines() if line.strip()), "")
        return _INNER_LABEL.sub(" ", _flatten(first_line)).strip(" \"'")

    return repair
