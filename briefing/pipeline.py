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
from briefing.config import Config, GenerationSettings, load_config, load_prompt
from briefing.output import write_all
from briefing.records import Article, Briefing, Draft, Rejection, SkippedInput, Story, Summary
from briefing.sources import ingest
from briefing.stages.clean import clean
from briefing.stages.cluster import cluster
from briefing.stages.embed import ArticleVectors, embed_articles
from briefing.stages.generate import Prompts, generate, generate_stories, repairer
from briefing.stages.render import render_html, render_json, render_markdown
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
    input_dir: Path, include: Iterable[str] | None = None
) -> tuple[list[Article], list[SkippedInput]]:
    """Ingest and clean; an article with no text left after cleaning is skipped with a reason.
    `include`: only these paths relative to `input_dir` (a labelled data set's articles)."""
    articles, skipped = ingest(input_dir, include)
    usable = []
    for article in clean(articles):
        if article.sentences:
            usable.append(article)
        else:
            reason = "no article text left after removing boilerplate and headings"
            skipped.append(SkippedInput(article.path, reason))
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
    articles, skipped = prepare_articles(input_dir)
    log.info("read %d article(s), skipped %d input(s)", len(articles), len(skipped))
    settings = config.pipeline
    vectors = embed_articles(articles, embedder, settings.cluster.lead_sentences)
    stories = cluster(articles, vectors, settings.cluster)
    log.info("grouped %d article(s) into %d story(ies)", len(articles), len(stories))
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
    config, config_path = load_config(options.config_path)
    # Unknown or wrong-kind profile names fail here, before anything is loaded.
    config.profile(options.generator or config.default_generator, "causal-lm")
    config.profile(options.embedder or config.default_embedder, "embedder")
    prompts = load_prompts(config_path)
    if not options.input_dir.is_dir():  # fail before spending time on loading models
        ingest(options.input_dir)
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
    if options.html:
        files[paths["html"]] = render_html(markdown_text, f"Briefing for {options.date}")
    # JSON first: the Markdown, which people and scripts look for, lands last.
    write_all(dict(sorted(files.items(), key=lambda item: item[0].suffix == ".md")))
    return paths
