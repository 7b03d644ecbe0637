"""Generate: the only stage that runs the summarisation model. Evidence in, Draft out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from briefing.backends.base import Generator
from briefing.config import PromptTemplate
from briefing.records import Draft, DraftSentence, Evidence, Sentence, Story
from briefing.text import split_sentences

_MARKUP = re.compile(r"[*_`#]+")
_LIST_MARKER = re.compile(r"\n\s*(?:\d+[.)]|[-*•])\s+")
_INNER_LABEL = re.compile(r"(^|\s)(the\s+)?(summary|headline)\s*:\s*", re.I)


HEADLINE_TOKENS = 32
REWRITE_TOKENS = 80


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


def rewrite(
    prompt: PromptTemplate, generator: Generator, source: Sentence, tokens: int
) -> tuple[str, str]:
    """The model's rewrite of one source sentence, favouring its words: its raw answer, and the
    first sentence of that answer without labels or markup ("" when it wrote nothing)."""
    raw = generator.generate(
        prompt.fill(sentence=source.text), copy_from=source.text, max_new_tokens=tokens
    )
    sentences = split_sentences(parse_summary(raw))
    return raw, sentences[0].strip(" \"'“”") if sentences else ""


def generate(
    story: Story,
    evidence: Evidence,
    prompts: Prompts,
    generator: Generator,
    headline_sentences: int = 3,
) -> Draft:
    """One call per evidence sentence, each condensed into one summary sentence, and one call
    for the headline from the opening sentences.

    Summarising 250 words of evidence at once, the 135M default model wrote sentences the
    verifier kept as written 51% of the time on Multi-News; shortening one sentence at a time,
    72%, and 84% kept or repaired (benchmarks/RESULTS.md). What the summary covers is decided
    by select, which chooses the facts most outlets report.
    """
    answers = [rewrite(prompts.summary, generator, s, REWRITE_TOKENS) for s in evidence.sentences]
    lead = Evidence(evidence.story_id, evidence.sentences[:headline_sentences])
    headline_raw = generator.generate(
        prompts.headline.fill(evidence=format_evidence(lead)),
        copy_from=" ".join(s.text for s in lead.sentences),
        max_new_tokens=HEADLINE_TOKENS,
    )
    sentences = tuple(
        DraftSentence(_as_sentence(sentence), (position,))
        for position, (_, sentence) in enumerate(answers)
        if sentence
    )
    raw = "\n".join(raw for raw, _ in answers) + f"\n\n[headline]\n{headline_raw}"
    return Draft(story.id, parse_headline(headline_raw), sentences, raw)


def _as_sentence(text: str) -> str:
    return text if text[-1] in ".!?" else text + "."


def repairer(prompt: PromptTemplate, generator: Generator) -> Callable[[Sentence], str]:
    """The verifier's second try: the model rewrites one source sentence under a stricter prompt."""

    def repair(source: Sentence) -> str:
        return rewrite(prompt, generator, source, REWRITE_TOKENS)[1]

    return repair
