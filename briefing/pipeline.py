"""The pipeline: the one place that knows the order of the stages.

files -> ingest -> clean -> embed/cluster -> select -> generate -> cite/verify -> render -> write
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from briefing.backends.base import (
    Embedder,
    Generator,
    check_reachable,
    judge_of,
    load_embedder,
    load_generator,
)
from briefing.config import Config, GenerationSettings, InputSettings, load_prompt
from briefing.output import write_all
from briefing.preflight import check_run
from briefing.records import Article, Briefing, Draft, Rejection, SkippedInput, Story, Summary
from briefing.sources import ingest
from briefing.stages.clean import clean, unusable_reason
from briefing.stages.cluster import cluster
from briefing.stages.duplicates import bring_back_copies, set_copies_aside
from briefing.stages.embed import ArticleVectors, embed_articles
from briefing.stages.generate import Prompts, generate, generate_stories, repairer
from briefing.stages.html import html_files
from briefing.stages.render import render_json, render_markdown, render_source_copies
from briefing.stages.select import select
from briefing.stages.verify import Repairer, verify

log = logging.getLogger(__name__)


def load_prompts(config_path: Path) -> Prompts:
    """The prompt templates beside models.yaml (or the packaged ones), checked for their values."""
    return Prompts(
        summary=load_prompt(config_path, "summarise").require("sentence"),
        headline=load_prompt(config_path, "headline").require("evidence"),
        repair=load_prompt(config_path, "repair").require("sentence"),
        story=load_prompt(config_path, "story").require("evidence"),
    )


def prepare_articles(
    input_dir: Path,
    include: Iterable[str] | None = None,
    settings: InputSettings | None = None,
) -> tuple[list[Article], list[SkippedInput]]:
    """Ingest and clean; an article that is furniture, or too short to be news, once cleaned is
    skipped with a reason. `include`: only these paths relative to `input_dir` (a labelled
    data set's articles)."""
    settings = settings or InputSettings()
    articles, skipped = ingest(input_dir, include, settings.max_file_bytes)
    usable = []
    for article in clean(articles, settings.max_sentence_words):
        limit = settings.max_article_sentences
        if len(article.sentences) > limit:
            log.info(
                "%s: using the first %d of its %d sentences",
                article.where,
                limit,
                len(article.sentences),
            )
            article = dataclasses.replace(article, sentences=article.sentences[:limit])
        reason = unusable_reason(article)
        if reason is None:
            usable.append(article)
        else:
            skipped.append(SkippedInput(article.where, reason))
            log.warning("skipped %s: %s", article.path, reason)
    skipped.sort(key=lambda s: s.path)
    return usable, skipped


def writer_settings(config: Config, generator: Generator) -> GenerationSettings:
    """The generation settings of the generator's profile (defaults for a generator that is
    not a profile, such as the tests' fakes)."""
    profile = config.profiles.get(generator.name)
    return profile.generation if profile is not None else GenerationSettings()


def summarise_stories(
    stories: list[Story],
    vectors: ArticleVectors,
    config: Config,
    prompts: Prompts,
    generator: Generator,
    embedder: Embedder,
    repair: Repairer,
    labels: list[str] | None = None,
) -> list[Summary]:
    """select, generate and cite/verify for each story. A writer of style "story" writes the
    stories in batches; a model failure costs only its story, which falls back to quoted
    sources."""
    labels = labels or [f"story {n}/{len(stories)}" for n in range(1, len(stories) + 1)]
    writer = writer_settings(config, generator)
    settings = config.pipeline
    evidences = [
        select(story, vectors, settings.select, writer.evidence_words, writer.evidence_sentences)
        for story in stories
    ]
    for label, story, evidence in zip(labels, stories, evidences, strict=True):
        log.info(
            "%s: %d article(s), %d evidence sentence(s)",
            label,
            len(story.articles),
            len(evidence.sentences),
        )
    drafts: list[Draft | Exception]
    if writer.style == "story" and prompts.story is not None:
        log.info("writing %d story(ies), %d at a time", len(stories), writer.batch_size)
        drafts = generate_stories(
            list(zip(stories, evidences, strict=True)), prompts.story, generator, writer.batch_size
        )
    else:
        drafts = []
        for story, evidence in zip(stories, evidences, strict=True):
            try:
                drafts.append(generate(story, evidence, prompts, generator))
            except Exception as exc:
                drafts.append(exc)
    summaries = []
    for label, story, evidence, answer in zip(labels, stories, evidences, drafts, strict=True):
        failure = None
        draft = answer if isinstance(answer, Draft) else None
        if isinstance(answer, Exception):
            log.error("%s: the model failed (%s); quoting the sources instead", label, answer)
            failure = f"the model failed: {answer}"
        summary = verify(
            draft, story, evidence, vectors, embedder, settings.verify, repair, judge_of(generator)
        )
        if failure:
            summary = dataclasses.replace(
                summary, rejected=(Rejection("", failure), *summary.rejected)
            )
        kinds = [s.kind for s in summary.sentences]
        log.info(
            "%s: %d sentence(s) kept as written, %d repaired, %d quoted; %d rejected",
            label,
            kinds.count("generated"),
            kinds.count("repaired"),
            kinds.count("quote"),
            len(summary.rejected),
        )
        summaries.append(summary)
    return summaries


def summarise_story(
    story: Story,
    vectors: ArticleVectors,
    config: Config,
    prompts: Prompts,
    generator: Generator,
    embedder: Embedder,
    repair: Repairer,
    label: str = "story",
) -> Summary:
    """select, generate and cite/verify for one story (`briefing eval` summarises clusters
    one at a time)."""
    return summarise_stories(
        [story], vectors, config, prompts, generator, embedder, repair, [label]
    )[0]


def build_briefing(
    input_dir: Path,
    date: dt.date,
    config: Config,
    prompts: Prompts,
    generator: Generator,
    embedder: Embedder,
) -> Briefing:
    """Ingest to verified summaries."""
    started = time.monotonic()
    repair = repairer(prompts.repair, generator)
    articles, skipped = prepare_articles(input_dir, settings=config.pipeline.inputs)
    log.info("read %d article(s), skipped %d input(s)", len(articles), len(skipped))
    settings = config.pipeline
    originals, copies = set_copies_aside(articles)
    if copies:
        log.info("%d article(s) are copies of others: listed, counted once", len(copies))
    vectors = embed_articles(originals, embedder, settings.cluster.lead_sentences)
    stories = cluster(originals, vectors, settings.cluster)
    stories = bring_back_copies(stories, copies)
    log.info("grouped %d article(s) into %d story(ies)", len(originals), len(stories))
    summaries = summarise_stories(stories, vectors, config, prompts, generator, embedder, repair)
    throughput = getattr(generator, "throughput", None)
    if throughput is not None:
        log.info("%s", throughput())
    log.info("briefing built in %.1f s", time.monotonic() - started)
    return Briefing(
        date=date,
        summaries=tuple(summaries),
        skipped=tuple(skipped),
        article_count=len(articles),
        generator=generator.name,
        embedder=embedder.name,
        input_dir=str(input_dir),
    )


@dataclass(frozen=True)
class RunOptions:
    input_dir: Path
    out_dir: Path
    date: dt.date
    config_path: Path | None = None
    generator: str | None = None
    embedder: str | None = None
    html: bool = False
    allow_pull: bool = True


def output_paths(out_dir: Path, date: dt.date, html: bool) -> dict[str, Path]:
    stem = date.isoformat()
    paths = {"markdown": out_dir / f"{stem}.md", "json": out_dir / f"{stem}.json"}
    if html:
        paths["html"] = out_dir / f"{stem}.html"
    return paths


def run(options: RunOptions, say: Callable[[str], None] = log.info) -> dict[str, Path]:
    """Everything `briefing run` does; returns the paths written."""
    # Mistakes a user can fix fail here, before anything is loaded.
    config, config_path = check_run(
        options.input_dir,
        options.config_path,
        options.generator,
        options.embedder,
        options.allow_pull,
    )
    prompts = load_prompts(config_path)
    # a profile's server that is down fails the run here, before any work (ServerUnavailable)
    check_reachable(
        config,
        [
            options.generator or config.default_generator,
            options.embedder or config.default_embedder,
        ],
    )
    embedder = load_embedder(config, options.embedder, say, options.allow_pull)
    generator = load_generator(config, options.generator, say, options.allow_pull)
    briefing = build_briefing(options.input_dir, options.date, config, prompts, generator, embedder)
    paths = output_paths(options.out_dir, options.date, options.html)
    markdown_text = render_markdown(briefing)
    files = {paths["markdown"]: markdown_text, paths["json"]: render_json(briefing)}
    for name, text in render_source_copies(briefing).items():
        files[options.out_dir / name] = text  # the text that extracted articles' citations count
    if options.html:
        files.update(html_files(briefing, options.input_dir, paths["html"]))
    # JSON first: the Markdown, which people and scripts look for, lands last.
    write_all(dict(sorted(files.items(), key=lambda item: item[0].suffix == ".md")))
    return paths
