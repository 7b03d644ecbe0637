"""Generate: the only stage that runs the summarisation model. Evidence in, Draft out."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from briefing.backends.base import ContextLimited, Generator, StoppedForTime
from briefing.config import PromptTemplate
from briefing.records import Article, Draft, DraftSentence, Evidence, Sentence, Story
from briefing.text import sentence_case, split_sentences, with_fixed_articles

_MARKUP = re.compile(r"[*_`#]+")
_LIST_MARKER = re.compile(r"\n\s*(?:\d+[.)]|[-*•])\s+")
_INNER_LABEL = re.compile(r"(^|\s)(the\s+)?(summary|headline)\s*:\s*", re.I)


log = logging.getLogger(__name__)

HEADLINE_TOKENS = 32
REWRITE_TOKENS = 80

# Seconds left of the run's time budget (None: no budget), asked before each model call.
TimeLeft = Callable[[], float | None]


def no_budget() -> float | None:
    return None


class OutOfTime(Exception):
    """The run's time budget was spent before this story's turn: the writer never saw it."""

    def __init__(self) -> None:
        super().__init__("the run's time budget was spent before this story was written")


def allowance(stories: int, seconds_per_story: float | None, time_left: TimeLeft) -> float | None:
    """Seconds the model may spend on a call writing `stories` stories: the per-story limit
    times the stories, and never past the run's budget (None: no limit)."""
    limits = [seconds_per_story * stories if seconds_per_story is not None else None, time_left()]
    known = [x for x in limits if x is not None]
    return min(known) if known else None


def _spent(time_left: TimeLeft) -> bool:
    left = time_left()
    return left is not None and left <= 0


@dataclass(frozen=True)
class Prompts:
    summary: PromptTemplate
    headline: PromptTemplate
    repair: PromptTemplate
    story: PromptTemplate | None = None  # one call per story (writer profiles of style "story")


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
    prompt: PromptTemplate,
    generator: Generator,
    source: Sentence,
    tokens: int,
    max_seconds: float | None = None,
) -> tuple[str, str]:
    """The model's rewrite of one source sentence, favouring its words: its raw answer, and the
    first sentence of that answer without labels or markup ("" when it wrote nothing, or was
    stopped at `max_seconds` before finishing: a cut-off rewrite is no sentence)."""
    timed = {"max_seconds": max_seconds} if max_seconds is not None else {}
    raw = generator.generate(
        prompt.fill(sentence=source.text), copy_from=source.text, max_new_tokens=tokens, **timed
    )
    if isinstance(raw, StoppedForTime):
        return raw, ""
    sentences = split_sentences(parse_summary(raw))
    return raw, sentences[0].strip(" \"'“”") if sentences else ""


def generate(
    story: Story,
    evidence: Evidence,
    prompts: Prompts,
    generator: Generator,
    headline_sentences: int = 3,
    max_seconds: float | None = None,
) -> Draft:
    """One call per evidence sentence, each condensed into one summary sentence, and one call
    for the headline from the opening sentences. After `max_seconds` for the whole story no
    call starts and a running one is stopped: the sentences rewritten by then are the draft
    (`stopped`), and without a headline verify takes the lede's.

    Summarising 250 words of evidence at once, the 135M default model wrote sentences the
    verifier kept as written 51% of the time on Multi-News; shortening one sentence at a time,
    72%, and 84% kept or repaired (benchmarks/RESULTS.md). What the summary covers is decided
    by select, which chooses the facts most outlets report.
    """
    deadline = None if max_seconds is None else time.monotonic() + max_seconds

    def left() -> float | None:
        return None if deadline is None else deadline - time.monotonic()

    answers: list[tuple[int, str, str]] = []  # (evidence position, raw answer, sentence)
    stopped = False
    for position, source in enumerate(evidence.sentences):
        if source.is_title:
            # a page's title (select gives it after a lede that lacks its actor) is no
            # sentence to shorten into the summary
            continue
        if _spent(left):
            stopped = True
            break
        raw, sentence = rewrite(prompts.summary, generator, source, REWRITE_TOKENS, left())
        if isinstance(raw, StoppedForTime):
            stopped = True
            break
        answers.append((position, raw, sentence))
    lead = Evidence(evidence.story_id, evidence.sentences[:headline_sentences])
    headline_raw = ""
    if not stopped and not _spent(left):
        timed = {"max_seconds": left()} if deadline is not None else {}
        headline_raw = generator.generate(
            prompts.headline.fill(evidence=format_evidence(lead)),
            copy_from=" ".join(s.text for s in lead.sentences),
            max_new_tokens=HEADLINE_TOKENS,
            **timed,
        )
        if isinstance(headline_raw, StoppedForTime):
            stopped, headline_raw = True, ""
    # A rewrite is one "sentence" to pysbd even when it quotes several ('"Many fans came.
    # They left."'): its sentences become the draft's, each resting on the same evidence.
    sentences = tuple(
        DraftSentence(part, (position,))
        for position, _, sentence in answers
        if sentence
        for part in split_sentences(_as_sentence(sentence))
    )
    raw = "\n".join(raw for _, raw, _ in answers) + f"\n\n[headline]\n{headline_raw}"
    return Draft(story.id, parse_headline(headline_raw), sentences, raw, stopped)


def _as_sentence(text: str) -> str:
    return text if text[-1] in ".!?" else text + "."


def repairer(prompt: PromptTemplate, generator: Generator) -> Callable[[Sentence], str]:
    """The verifier's second try: the model rewrites one source sentence under a stricter prompt."""

    def repair(source: Sentence) -> str:
        return rewrite(prompt, generator, source, REWRITE_TOKENS)[1]

    return repair


# --- story style: one call writes the headline and the summary from all the evidence --------

STORY_TOKENS = 220
_HEADLINE_LINE = re.compile(r"^\W*headline\W*[:\-]\s*(.*)$", re.I)
_SUMMARY_LABEL = re.compile(r"^\W*summary\W*[:\-]?\s*", re.I)
_CITED = re.compile(r"((?:\s*[\[(]\s*\d+(?:\s*[,;/&-]\s*\d+|\s*(?:and)\s*\d+)*\s*[\])])+)")
_NUMBER_IN = re.compile(r"\d+")
# A line that opens the way `numbered_evidence` writes one: "[n] (label) text"
_ECHOED_EVIDENCE = re.compile(r"^\[\s*(\d+)\s*\]\s*(?:\([^()]{1,80}\)\s*)?(.*)$")
_SPACED_INITIALS = re.compile(r"\b([A-Z])\. ([A-Z])\.(?=\s|$|[,;:’'-])")


def source_label(article: Article, position: int) -> str:
    """How the prompt names an evidence sentence's source: outlet (or the file's folder) and
    date, so that the writer can attribute. A date that is only the file's modification time
    is left out: the writer would state it as the day of the event."""
    folder = article.path.split("/")[0] if "/" in article.path else None
    name = article.outlet or folder or f"source {position}"
    if article.date is None or article.date_is_file_time:
        return name
    return f"{name}, {article.date.isoformat()}"


def source_names(story: Story) -> list[str]:
    """The names the prompt gives the story's sources (`source_label` without the date)."""
    return [
        source_label(dataclasses.replace(article, date=None), position)
        for position, article in enumerate(story.articles, start=1)
    ]


def without_outlet_attribution(
    sentences: tuple[DraftSentence, ...], names: Sequence[str]
) -> tuple[DraftSentence, ...]:
    """The sentences without "The Northshore Daily reported that" or ", valley-post said.":
    the writer attributes to the labels the prompt gave the sources, which no cited line
    states, so the name check would reject the sentence; its footnote names the source."""
    if not names:
        return sentences
    outlet = (
        "(?:the )?(?:"
        + "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
        + ")"
    )
    verbs = r"(?:reported|reports|said|says|wrote|writes|noted|notes|added|adds|stated|states)"
    leading = re.compile(
        rf"^(?:{outlet}\s+{verbs}(?:\s+on\s+\w+day)?(?:\s+that)?,?|according to {outlet},)\s+",
        re.I,
    )
    trailing = re.compile(
        rf",?\s+(?:{outlet}\s+{verbs}(?:\s+on\s+\w+day)?|according to {outlet})(?=[.!]?$)", re.I
    )
    cleaned = []
    for sentence in sentences:
        text = trailing.sub("", leading.sub("", sentence.text, count=1), count=1)
        if text != sentence.text and text:
            text = text[0].upper() + text[1:]
            if text.endswith("..") and not text.endswith("..."):  # "... the U.S. according to X."
                text = text[:-1]
            sentence = dataclasses.replace(sentence, text=text)
        cleaned.append(sentence)
    return tuple(cleaned)


def numbered_evidence(story: Story, evidence: Evidence) -> str:
    """The evidence as the writer reads it: `[n] (outlet, date) sentence`, the lede first."""
    position = {a.id: i for i, a in enumerate(story.articles, start=1)}
    by_id = {a.id: a for a in story.articles}
    return "\n".join(
        f"[{n}] ({source_label(by_id[s.article_id], position[s.article_id])}"
        f"{', headline' if s.is_title else ''}) {s.text}"
        for n, s in enumerate(evidence.sentences, start=1)
    )


def parse_story_answer(raw: str, evidence_count: int) -> tuple[str, tuple[DraftSentence, ...]]:
    """The headline and the summary sentences of a writer's answer, each sentence with the
    evidence positions (0-based) it names. Tolerates markup, list markers, a missing label,
    citations as [1][2], [1, 2] or (1); numbers outside the evidence are dropped."""
    headline = ""
    body: list[str] = []
    for line in raw.splitlines():
        # "U. S." as the Qwen writer sometimes spaces it: one abbreviation, not two sentences
        flat = _SPACED_INITIALS.sub(r"\1.\2.", _flatten(line))
        if not flat:
            continue
        match = _HEADLINE_LINE.match(flat)
        if match and not headline:
            headline = match.group(1).strip(" \"'“”")
            continue
        flat = _SUMMARY_LABEL.sub("", flat)
        flat = _LIST_MARKER.sub("", "\n" + flat).strip()
        echoed = _ECHOED_EVIDENCE.match(flat)
        if echoed:
            # the evidence's own form, "[3] (source 2) A global sell-off ...", copied back:
            # its number is where it rests, its label no part of the sentence
            flat = echoed.group(2).strip()
            if not _CITED.search(flat):
                flat = f"{flat} [{echoed.group(1)}]"
        if flat:
            body.append(flat)
    if not headline and body and not _CITED.search(body[0]) and len(body) > 1:
        headline = body.pop(0).strip(" \"'“”")
    headline = _CITED.sub("", headline).strip()
    sentences: list[DraftSentence] = []
    for paragraph in body:
        cursor = 0
        pieces: list[tuple[str, tuple[int, ...]]] = []
        for match in _CITED.finditer(paragraph):
            text = paragraph[cursor : match.start()]
            numbers = tuple(
                n - 1
                for n in dict.fromkeys(int(x) for x in _NUMBER_IN.findall(match.group(1)))
                if 1 <= n <= evidence_count
            )
            pieces.append((text, numbers))
            cursor = match.end()
        tail = paragraph[cursor:]
        if tail.strip() and paragraph is body[-1] and not re.search(r"[.!?\"”’)]\s*$", tail):
            # the answer ran out of tokens mid-sentence: no fragment is a sentence, but the
            # finished sentences before it are
            finished = split_sentences(tail)[:-1]
            tail = " ".join(finished)
        pieces.append((tail, ()))
        for text, numbers in pieces:
            parts = split_sentences(text.strip(" ."))
            for i, part in enumerate(parts):
                part = unwrap_quotes(part)
                if len(part.split()) < 3:
                    continue
                # the numbers after a run of sentences belong to its last one
                cited = numbers if i == len(parts) - 1 else ()
                sentences.append(DraftSentence(_as_sentence(part), cited))
    return headline, tuple(sentences)


def may_end_after(minimum: int, evidence_count: int) -> Callable[[str], bool]:
    """A test of a writer's answer so far: True once it holds `minimum` summary sentences (at
    most one per evidence sentence), as parse_story_answer reads them."""
    needed = min(minimum, evidence_count)

    def may_end(answer: str) -> bool:
        return len(parse_story_answer(answer, evidence_count)[1]) >= needed

    return may_end


def unwrap_quotes(text: str) -> str:
    """A sentence without the quotation marks a writer put around all of it; a sentence that
    opens or closes a quotation of its own keeps its marks ('"I never saw so many dogs," said
    the officer.')."""
    text = text.strip()
    inner = text[1:-1]
    if len(text) > 2 and text[0] in '"“' and text[-1] in '"”' and not re.search('["“”]', inner):
        return inner.strip()
    return text


def story_messages(
    prompt: PromptTemplate, story: Story, evidence: Evidence
) -> list[dict[str, str]]:
    return prompt.fill(evidence=numbered_evidence(story, evidence))


def fit_to_context(
    prompt: PromptTemplate, story: Story, evidence: Evidence, generator: Generator, new_tokens: int
) -> Evidence:
    """The evidence whose prompt, with room for `new_tokens`, fits the model's context: the
    last (lowest-ranked) sentences dropped whole, never one cut, the lede's first sentence
    always kept. Unchanged when the generator does not say its context (a server's model)."""
    if not isinstance(generator, ContextLimited) or generator.context_length is None:
        return evidence
    room = generator.context_length - new_tokens
    kept = evidence
    tokens = generator.prompt_tokens(story_messages(prompt, story, kept))
    while tokens > room and len(kept.sentences) > 1:
        fewer = kept.sentences[:-1]
        kept = dataclasses.replace(kept, sentences=fewer, lede=min(kept.lede, len(fewer)))
        tokens = generator.prompt_tokens(story_messages(prompt, story, kept))
    if kept is not evidence:
        log.info(
            "story %s: the prompt did not fit the model's context of %d tokens with %d new; "
            "sent %d of its %d evidence sentences (%d prompt tokens)",
            story.id,
            generator.context_length,
            new_tokens,
            len(kept.sentences),
            len(evidence.sentences),
            tokens,
        )
    if tokens > room:
        log.warning(
            "story %s: even its first evidence sentence leaves a prompt of %d tokens, over the "
            "model's context of %d with %d new; sent as it is",
            story.id,
            tokens,
            generator.context_length,
            new_tokens,
        )
    return kept


def generate_stories(
    items: list[tuple[Story, Evidence]],
    prompt: PromptTemplate,
    generator: Generator,
    batch_size: int = 4,
    max_seconds_per_story: float | None = None,
    time_left: TimeLeft = no_budget,
    min_sentences: int = 2,
) -> list[Draft | Exception]:
    """One call per story, several stories per batch where the generator can batch (decoding on
    a CPU is bound by memory bandwidth, so a batch costs little more than one sequence). A
    story whose call fails gets its exception, never costing the others.

    Time: a batch of k stories may take k x `max_seconds_per_story`, and never more than the
    run's `time_left`; then the model is stopped and each unfinished answer gives a draft of
    its finished sentences (`Draft.stopped`). A story whose turn comes after the run's budget
    is spent gets OutOfTime: the model never sees it. Each prompt is fitted to the model's
    context first (fit_to_context).

    The writer may not end an answer before it holds `min_sentences` summary sentences (the
    floor verify tops a summary up to with quotes, `verify.min_sentences`): the prompt asks for
    two to four, and a writer that stops after its lede leaves the story without where or what
    the other outlets add."""
    drafts: list[Draft | Exception] = []
    for start in range(0, len(items), max(1, batch_size)):
        chunk = items[start : start + batch_size]
        if _spent(time_left):
            drafts += [OutOfTime() for _ in chunk]
            continue
        requests = [
            (
                story_messages(
                    prompt, story, fit_to_context(prompt, story, evidence, generator, STORY_TOKENS)
                ),
                " ".join(s.text for s in evidence.sentences),
            )
            for story, evidence in chunk
        ]
        checks = [may_end_after(min_sentences, len(evidence.sentences)) for _, evidence in chunk]
        seconds = allowance(len(chunk), max_seconds_per_story, time_left)
        answers = _batch_answers(generator, requests, seconds, checks)
        if isinstance(answers, Exception):  # a failed batch: its stories one at a time
            answers = [answers] if len(chunk) == 1 else None
        if answers is None:  # no batching, or a failed batch: one at a time
            answers = []
            for messages, copy_from in requests:
                if _spent(time_left):
                    answers.append(OutOfTime())
                    continue
                seconds = allowance(1, max_seconds_per_story, time_left)
                answers.append(_answer(generator, messages, copy_from, seconds))
        for (story, evidence), answer in zip(chunk, answers, strict=True):
            if isinstance(answer, Exception):
                drafts.append(answer)
                continue
            stopped = isinstance(answer, StoppedForTime)
            headline, sentences = parse_story_answer(answer, len(evidence.sentences))
            if stopped and "\n" not in answer.strip():
                headline = ""  # cut off within its first line: the headline may be cut too
            # The whole story's text: "dies" may stand only in an article's later lines.
            story_text = " ".join(s.text for a in story.articles for s in a.sentences)
            headline = with_fixed_articles(sentence_case(headline, story_text))
            sentences = tuple(
                dataclasses.replace(s, text=with_fixed_articles(s.text))
                for s in without_outlet_attribution(sentences, source_names(story))
            )
            drafts.append(Draft(story.id, headline, sentences, str(answer), stopped))
    return drafts


def _batch_answers(
    generator: Generator,
    requests: list[tuple[list[dict[str, str]], str]],
    max_seconds: float | None,
    may_end: list[Callable[[str], bool]],
) -> list[str | Exception] | Exception | None:
    """The generator's answers to several prompts at once (a single prompt too: only a batch
    call takes `may_end`), None when it cannot batch, or the exception of a failed batch."""
    generate_many = getattr(generator, "generate_many", None)
    if generate_many is None:
        return None
    try:
        return list(
            generate_many(
                requests, max_new_tokens=STORY_TOKENS, max_seconds=max_seconds, may_end=may_end
            )
        )
    except Exception as exc:
        return exc


def _answer(
    generator: Generator, messages: list[dict[str, str]], copy_from: str, max_seconds: float | None
) -> str | Exception:
    """One story's answer, or the exception that cost only that story."""
    try:
        return generator.generate(
            messages, copy_from=copy_from, max_new_tokens=STORY_TOKENS, max_seconds=max_seconds
        )
    except Exception as exc:
        return exc
