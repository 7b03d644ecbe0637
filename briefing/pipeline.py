"""The pipeline: the one place that knows the order of the stages.

files -> ingest -> clean -> embed/cluster -> select -> generate -> cite/verify -> render -> write
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import sys
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
from briefing.continuity import Matched, link_stories, remembered
from briefing.dating import DatedArticle, counts_since, date_articles, window_start
from briefing.errors import NothingToDo
from briefing.index import render_index
from briefing.manifest import Timings, inputs_data, run_data
from briefing.output import folder_lock, prune, write_all, write_atomic
from briefing.preflight import check_run
from briefing.records import (
    Article,
    Briefing,
    Draft,
    Evidence,
    Rejection,
    SkippedInput,
    Story,
    Summary,
    summary_from_data,
    summary_to_data,
)
from briefing.sources import ingest
from briefing.stages.clean import clean, unusable_reason
from briefing.stages.cluster import cluster
from briefing.stages.duplicates import bring_back_copies, set_copies_aside
from briefing.stages.embed import ArticleVectors, embed_articles
from briefing.stages.generate import Prompts, generate, generate_stories, repairer
from briefing.stages.html import html_files
from briefing.stages.render import briefing_data, render_markdown, render_source_copies
from briefing.stages.select import select
from briefing.stages.verify import Repairer, verify
from briefing.state import STATE_FILE, PastStory, SeenArticle, State, open_state

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
    # which articles count: from `since` on, or in the `window` before the briefing; neither:
    # the articles no earlier briefing counted
    since: dt.datetime | None = None
    window: dt.timedelta | None = None
    state_path: Path | None = None  # default: state.sqlite in the output folder
    keep: int | None = None  # briefings kept in the output folder (None: all)
    lock_wait_s: float = 60.0
    progress: bool = False  # a progress bar of stories written (a terminal only)


@dataclass(frozen=True)
class RunResult:
    paths: dict[str, Path]
    skipped: int  # inputs skipped (listed in the briefing): the run's exit code says so
    stories: int
    reused: int  # stories whose summary came from the cache


def output_paths(out_dir: Path, date: dt.date, html: bool) -> dict[str, Path]:
    stem = date.isoformat()
    paths = {"markdown": out_dir / f"{stem}.md", "json": out_dir / f"{stem}.json"}
    if html:
        paths["html"] = out_dir / f"{stem}.html"
    return paths


def counted_articles(
    dated: list[DatedArticle], seen: dict[str, SeenArticle], options: RunOptions
) -> list[DatedArticle]:
    """The articles this briefing is about: those in the --since/--window range, else those no
    briefing before this day counted (a re-run of the same day counts the same ones again)."""
    if options.since is not None or options.window is not None:
        start = options.since or window_start(options.date, options.window or dt.timedelta())
        return [a for a in dated if counts_since(a, start)]
    return [
        a
        for a in dated
        if a.article.id not in seen or seen[a.article.id].first_briefing >= options.date
    ]


def summary_key(
    story: Story, evidence: Evidence, status: str, config: Config, generator: str, prompts: Prompts
) -> str:
    """What a summary depends on: its evidence and story, the writer's profile, the settings
    and the prompts. Equal keys give equal summaries, so the cached one is reused."""
    profile = config.profiles.get(generator)
    templates = [
        (t.system, t.user)
        for t in (prompts.summary, prompts.headline, prompts.repair, prompts.story)
        if t is not None
    ]
    facts = {
        "writer": generator,
        "profile": profile.model_dump(mode="json") if profile else None,
        "pipeline": config.pipeline.model_dump(mode="json"),
        "prompts": templates,
        "status": status,
        "articles": [(a.id, a.title, len(a.sentences)) for a in story.articles],
        "evidence": [
            (s.article_id, s.index, s.start_line, s.end_line, s.text) for s in evidence.sentences
        ],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


class _LazyGenerator:
    """The writer, loaded on first use: a run whose stories all come from the cache never
    loads it."""

    def __init__(self, load: Callable[[], Generator]):
        self._load = load
        self.loaded: Generator | None = None

    def get(self) -> Generator:
        if self.loaded is None:
            self.loaded = self._load()
        return self.loaded


def _no_repair(sentence):  # an ONGOING story has no draft, so verify never repairs
    raise AssertionError("no repair without a draft")


def summarise_linked(
    linked: list[Matched],
    vectors: ArticleVectors,
    config: Config,
    prompts: Prompts,
    generator_name: str,
    writer: _LazyGenerator,
    embedder: Embedder,
    state: State,
    progress: Callable[[int], None] = lambda n: None,
) -> tuple[list[Summary], int]:
    """Each story's summary: ONGOING ones get their headline only (no model), the others come
    from the cache when their evidence is unchanged, else are written now. Returns the
    summaries in story order and how many came from the cache."""
    profile = config.profiles.get(generator_name)
    settings = profile.generation if profile is not None else GenerationSettings()
    summaries: dict[int, Summary] = {}
    pending: list[tuple[int, str]] = []
    hits = 0
    for i, item in enumerate(linked):
        evidence = select(
            item.story,
            vectors,
            config.pipeline.select,
            settings.evidence_words,
            settings.evidence_sentences,
        )
        if item.continuity.status == "ONGOING":
            quoted = verify(
                None, item.story, evidence, vectors, embedder, config.pipeline.verify, _no_repair
            )
            summaries[i] = dataclasses.replace(
                quoted, sentences=(), rejected=(), continuity=item.continuity
            )
            progress(1)
            continue
        key = summary_key(
            item.story, evidence, item.continuity.status, config, generator_name, prompts
        )
        cached = state.cached_summary(key)
        if cached is not None:
            try:
                summary = summary_from_data(cached)
            except (KeyError, TypeError, ValueError):
                summary = None  # an unreadable cache entry is written again
            if summary is not None:
                summaries[i] = dataclasses.replace(
                    summary, story=item.story, continuity=item.continuity
                )
                hits += 1
                progress(1)
                continue
        pending.append((i, key))
    if pending:
        generator = writer.get()
        repair = repairer(prompts.repair, generator)
        batch = max(1, writer_settings(config, generator).batch_size)
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            labels = [f"story {i + 1}/{len(linked)}" for i, _ in chunk]
            written = summarise_stories(
                [linked[i].story for i, _ in chunk],
                vectors,
                config,
                prompts,
                generator,
                embedder,
                repair,
                labels,
            )
            for (i, key), summary in zip(chunk, written, strict=True):
                summary = dataclasses.replace(summary, continuity=linked[i].continuity)
                state.cache_summary(key, summary_to_data(summary))
                summaries[i] = summary
            progress(len(chunk))
    return [summaries[i] for i in range(len(linked))], hits


def _progress_bar(enabled: bool, total: int):
    """A rich progress bar on stderr when it is a terminal, else a no-op: under cron the log
    gets plain lines only, no control characters."""
    if not enabled or total == 0 or not sys.stderr.isatty():
        return contextlib.nullcontext(lambda n: None)

    @contextlib.contextmanager
    def bar():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as shown:
            task = shown.add_task("stories written", total=total)
            yield lambda n: shown.advance(task, n)

    return bar()


def run(options: RunOptions, say: Callable[[str], None] = log.info) -> RunResult:
    """Everything `briefing run` does. Holds the output folder's lock; writes the briefing,
    index.md and then the state, each atomically, so a failure leaves the previous ones."""
    # Mistakes a user can fix fail here, before anything is loaded.
    config, config_path = check_run(
        options.input_dir,
        options.config_path,
        options.generator,
        options.embedder,
        options.allow_pull,
    )
    generator_name = options.generator or config.default_generator
    embedder_name = options.embedder or config.default_embedder
    prompts = load_prompts(config_path)
    # a profile's server that is down fails the run here, before any work (ServerUnavailable)
    check_reachable(config, [generator_name, embedder_name])
    state_path = options.state_path or options.out_dir / STATE_FILE
    timings = Timings()
    started = time.monotonic()
    with folder_lock(options.out_dir, options.lock_wait_s), open_state(state_path) as state:
        with timings.stage("ingest"):
            articles, skipped = prepare_articles(options.input_dir, settings=config.pipeline.inputs)
            dated = date_articles(articles, options.input_dir)
        counted = counted_articles(dated, state.seen_articles(), options)
        log.info(
            "read %d article(s), %d count for %s, skipped %d input(s)",
            len(articles),
            len(counted),
            options.date,
            len(skipped),
        )
        if not counted:
            last = state.last_briefing_before(options.date + dt.timedelta(days=1))
            raise NothingToDo(
                f"no article in {options.input_dir} counts for {options.date}"
                + (f" (none new since the briefing of {last})" if last else "")
                + "; nothing was written"
            )
        today, copies = set_copies_aside([a.article for a in counted])
        if copies:
            log.info("%d article(s) are copies of others: listed, counted once", len(copies))
        with timings.stage("load_embedder"):
            embedder = load_embedder(config, embedder_name, say, options.allow_pull)
        settings = config.pipeline
        with timings.stage("embed"):
            vectors = embed_articles(today, embedder, settings.cluster.lead_sentences)
        with timings.stage("cluster"):
            stories = bring_back_copies(cluster(today, vectors, settings.cluster), copies)
        log.info("grouped %d article(s) into %d story(ies)", len(today), len(stories))
        with timings.stage("continuity"):
            linked = link_stories(
                stories, vectors, state.stories_before(options.date), embedder, settings.continuity
            )
        marks = [m.continuity.status for m in linked]
        log.info(
            "%d new, %d updated, %d ongoing story(ies)",
            marks.count("NEW"),
            marks.count("UPDATED"),
            marks.count("ONGOING"),
        )

        def load_writer() -> Generator:
            with timings.stage("load_generator"):
                return load_generator(config, generator_name, say, options.allow_pull)

        writer = _LazyGenerator(load_writer)
        with timings.stage("summarise"), _progress_bar(options.progress, len(linked)) as advance:
            summaries, reused = summarise_linked(
                linked, vectors, config, prompts, generator_name, writer, embedder, state, advance
            )
        log.info("%d of %d story summary(ies) reused from the cache", reused, len(summaries))
        if writer.loaded is not None:
            throughput = getattr(writer.loaded, "throughput", None)
            if throughput is not None:
                log.info("%s", throughput())
        embed_cache = getattr(embedder, "summary", None)  # backends/vector_cache.py
        if embed_cache is not None:
            log.info("%s", embed_cache())
        briefing = Briefing(
            date=options.date,
            summaries=tuple(summaries),
            skipped=tuple(skipped),
            article_count=len(today),
            generator=generator_name,
            embedder=embedder.name,
            input_dir=str(options.input_dir),
        )
        paths = output_paths(options.out_dir, options.date, options.html)
        with timings.stage("render"):
            markdown_text = render_markdown(briefing)
            data = briefing_data(briefing)
            data["run"] = run_data(
                options={
                    "date": options.date.isoformat(),
                    "since": options.since.isoformat() if options.since else None,
                    "window": str(options.window) if options.window else None,
                    "default_selection": "articles no earlier briefing counted"
                    if options.since is None and options.window is None
                    else None,
                    "keep": options.keep,
                },
                config=config,
                config_path=config_path,
                generator=generator_name,
                generator_loaded=writer.loaded is not None,
                embedder=embedder_name,
                inputs=inputs_data(options.input_dir, dated, {a.id for a in today}),
                summaries=summaries,
                cache_hits=reused,
                timings=timings,
                state_path=state_path,
            )
            data["run"]["timings_s"]["total"] = round(time.monotonic() - started, 3)
        with timings.stage("write"):  # not in the JSON it writes; in the log
            files = {
                paths["markdown"]: markdown_text,
                paths["json"]: json.dumps(data, indent=2, ensure_ascii=False) + "\n",
            }
            for name, text in render_source_copies(briefing).items():
                files[options.out_dir / name] = (
                    text  # the lines extracted articles' citations count
                )
            if options.html:
                files.update(html_files(briefing, options.input_dir, paths["html"]))
            # JSON first: the Markdown, which people and scripts look for, lands last.
            write_all(dict(sorted(files.items(), key=lambda item: item[0].suffix == ".md")))
            pruned = prune(options.out_dir, options.keep) if options.keep is not None else []
            write_atomic(options.out_dir / "index.md", render_index(options.out_dir))
        for date in pruned:
            log.info("removed the briefing of %s (--keep %d)", date, options.keep)
        log.info(
            "timings: %s",
            ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in timings.seconds.items()),
        )
        # The state goes last: until it is committed, a failed run changed nothing in it.
        # copies are seen too: tomorrow they are no new story
        first = {a.id: options.date for a in (*today, *(c.article for c in copies))}
        state.record_articles(
            [
                SeenArticle(
                    a.article.id,
                    a.article.path,
                    a.article.date,
                    a.source,
                    first.get(a.article.id, options.date),
                )
                for a in dated
                if a.article.id in first
            ]
        )
        state.record_briefing(
            options.date,
            [
                PastStory(
                    options.date,
                    m.story.id,
                    s.headline.text,
                    m.continuity.status,
                    tuple(a.id for a in m.story.articles),
                    remembered(
                        m.known,
                        [c.text for x in (s.headline, *s.sentences) for c in x.citations],
                    ),
                    m.centroid,
                    m.continuity.first_briefed or options.date,
                    m.lineage,
                )
                for m, s in zip(linked, summaries, strict=True)
            ],
            len(today),
        )
        state.forget_briefings([dt.date.fromisoformat(d) for d in pruned])
        state.commit()
    return RunResult(paths, len(skipped), len(summaries), reused)
