"""Generate: the only stage that runs the summarisation model. Evidence in, Draft out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from briefing.config import PromptTemplate
from briefing.models import Generator
from briefing.records import Draft, Evidence, Sentence, Story

_MARKUP = re.compile(r"[*_`#]+")
_LIST_MARKER = re.compile(r"\n\s*(?:\d+[.)]|[-*•])\s+")
_INNER_LABEL = re.compile(r"(^|\s)(the\s+)?(summary|headline)\s*:\s*", re.I)


HEADLINE_TOKENS = 32
REPAIR_TOKENS = 80


@dataclass(frozen=True)
class Prompts:
    summary: PromptTemplate
    headline: PromptTemplate
    repair: PromptTemplate


def _flatten(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).split())


def format_evidence(evidence: Evidence) -> str:
    return "\n".join(f"- {s.text}" for s in evidence.sentences)


def parse_summary(text: str) -> str:
    """The summary paragraph from the model's answer: labels, list markers and markup removed."""
    text = _LIST_MARKER.sub("\n", "\n" + text)
    return _INNER_LABEL.sub(" ", _flatten(text)).strip()


def parse_headline(text: str) -> str:
    """The first line of the model's answer, without labels, markup or quotes."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return _INNER_LABEL.sub(" ", _flatten(first_line)).strip(" \"'“”")


def generate(
    story: Story,
    evidence: Evidence,
    prompts: Prompts,
    generator: Generator,
    n_sentences: str,
    headline_sentences: int = 3,
) -> Draft:
    """Two calls: the summary from all the evidence, the headline from its opening sentences."""
    source = " ".join(s.text for s in evidence.sentences)
    summary_raw = generator.generate(
        prompts.summary.fill(
            evidence=format_evidence(evidence),
            n_articles=str(len(story.articles)),
            n_sentences=n_sentences,
        ),
        copy_from=source,
    )
    lead = Evidence(evidence.story_id, evidence.sentences[:headline_sentences])
    headline_raw = generator.generate(
        prompts.headline.fill(evidence=format_evidence(lead)),
        copy_from=" ".join(s.text for s in lead.sentences),
        max_new_tokens=HEADLINE_TOKENS,
    )
    raw = f"{summary_raw}\n\n[headline]\n{headline_raw}"
    return Draft(story.id, parse_headline(headline_raw), parse_summary(summary_raw), raw)


def repairer(prompt: PromptTemplate, generator: Generator) -> Callable[[Sentence], str]:
    """The verifier's second try: the model rewrites one source sentence, favouring its words."""

    def repair(source: Sentence) -> str:
        raw = generator.generate(
            prompt.fill(sentence=source.text), copy_from=source.text, max_new_tokens=REPAIR_TOKENS
        )
        return parse_headline(raw)

    return repair
