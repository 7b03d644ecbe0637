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
from briefing.config import ClusterSettings, Config, GenerationSettings, InputSettings, load_prompt
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
from briefing.stages.duplicates import Copy, bring_back_copies, set_copies_aside
from briefing.stages.embed import ArticleVectors, embed_articles
from briefing.stages.generate import (
    OutOfTime,
    Prompts,
    TimeLeft,
    allowance,
    generate,
    generate_stories,
    no_budget,
    repairer,
)
from briefing.stages.html import html_files
from briefing.stages.rank import listed_story, top_stories
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
    timings: Timings | None = None,
) -> tuple[list[Article], list[SkippedInput]]:
    """Ingest and clean; an article that is furniture, or too short to be news, once cleaned is
    skipped with a reason. `include`: only these paths relative to `input_dir` (a labelled
    data set's articles)."""
    settings = settings or InputSettings()
    timings = timings or Timings()
    with timings.stage("ingest"):
        articles, skipped = ingest(input_dir, include, settings.max_file_bytes)
    with timings.stage("clean"):
        cleaned = clean(articles, settings.max_sentence_words)
    usable = []
    for article in cleaned:
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


def quoted_for_time(
    story: Story, evidence: Evidence, vectors: ArticleVectors, embedder: Embedder, config: Config
) -> Summary:
    """A story whose turn came after the run's time budget was spent: quoted from its evidence,
    as after a model failure, without the writer."""
    summary = verify(None, story, evidence, vectors, embedder, config.pipeline.verify, _no_repair)
    return dataclasses.replace(summary, time_limit="quoted")


def summarise_stories(
    stories: list[Story],
    vectors: ArticleVectors,
    config: Config,
    prompts: Prompts,
    generator: Generator,
    embedder: Embedder,
    repair: Repairer,
    labels: list[str] | None = None,
    time_left: TimeLeft = no_budget,
    timings: Timings | None = None,
    evidences: list[Evidence] | None = None,
) -> list[Summary]:
    """select (unless the stories' `evidences` are given), generate and cite/verify for each
    story. A writer of style "story" writes the
    stories in batches; a model failure costs only its story, which falls back to quoted
    sources. Time: each story may take the profile's `max_seconds_per_story` and the run its
    `time_left`; a story stopped at its limit keeps the finished sentences verify accepts
    (`time_limit` "stopped"), one whose turn comes when the run's time is up is quoted
    (`time_limit` "quoted"). `timings` gets the seconds of select, generate and verify
    (verify includes repairs and the entailment questions)."""
    labels = labels or [f"story {n}/{len(stories)}" for n in range(1, len(stories) + 1)]
    timings = timings or Timings()
    writer = writer_settings(config, generator)
    settings = config.pipeline
    if evidences is None:
        with timings.stage("select"):
            evidences = [
                select(
                    story,
                    vectors,
                    settings.select,
                    writer.evidence_words,
                    writer.evidence_sentences,
                )
                for story in stories
            ]
    for label, story, evidence in zip(labels, stories, evidences, strict=True):
        log.info(
            "%s: %d article(s), %d evidence sentence(s)",
            label,
            len(story.articles),
            len(evidence.sentences),
        )
    drafts: list[Draft | Exception] = []
    with timings.stage("generate"):
        if writer.style == "story" and prompts.story is not None:
            log.info("writing %d story(ies), %d at a time", len(stories), writer.batch_size)
            drafts = generate_stories(
                list(zip(stories, evidences, strict=True)),
                prompts.story,
                generator,
                writer.batch_size,
                writer.max_seconds_per_story,
                time_left,
                settings.verify.min_sentences,
            )
        else:
            for story, evidence in zip(stories, evidences, strict=True):
                left = time_left()
                if left is not None and left <= 0:
                    drafts.append(OutOfTime())
                    continue
                seconds = allowance(1, writer.max_seconds_per_story, time_left)
                try:
                    drafts.append(
                        generate(story, evidence, prompts, generator, max_seconds=seconds)
                    )
                except Exception as exc:
                    drafts.append(exc)
    repair = _repair_in_time(repair, time_left)
    summaries = []
    for label, story, evidence, answer in zip(labels, stories, evidences, drafts, strict=True):
        if isinstance(answer, OutOfTime):
            log.warning("%s: quoted for time (the run's time budget is spent)", label)
            summaries.append(quoted_for_time(story, evidence, vectors, embedder, config))
            continue
        failure = None
        draft = answer if isinstance(answer, Draft) else None
        if draft is not None and draft.stopped:
            log.warning(
                "%s: the writer was stopped at its time limit; %d finished sentence(s) go to "
                "verification",
                label,
                len(draft.sentences),
            )
        if isinstance(answer, Exception):
            log.error("%s: the model failed (%s); quoting the sources instead", label, answer)
            failure = f"the model failed: {answer}"
        with timings.stage("verify"):
            summary = verify(
                draft,
                story,
                evidence,
                vectors,
                embedder,
                settings.verify,
                repair,
                judge_of(generator),
            )
        if failure:
            summary = dataclasses.replace(
                summary, rejected=(Rejection("", failure), *summary.rejected)
            )
        if draft is not None and draft.stopped:
            summary = dataclasses.replace(summary, time_limit="stopped")
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


def _repair_in_time(repair: Repairer, time_left: TimeLeft) -> Repairer:
    """The repairer while the run's time lasts; after it a failed sentence is quoted at once
    (verify quotes when a repair fails), so that verification adds no model calls."""

    def repair_in_time(source):
        left = time_left()
        if left is not None and left <= 0:
            raise OutOfTime()
        return repair(source)

    return repair_in_time


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


@dataclass(frozen=True)
class Grouped:
    """Articles grouped into stories: the originals that were embedded and clustered, the
    copies set aside (back in their stories' sources), the stories and the vectors."""

    originals: list[Article]
    copies: list[Copy]
    stories: list[Story]
    vectors: ArticleVectors


def group_stories(
    articles: list[Article],
    embedder: Embedder,
    settings: ClusterSettings,
    timings: Timings | None = None,
) -> Grouped:
    """Copies aside, embed, cluster, copies back: the stage sequence from articles to stories
    that `build_briefing` and `run` share."""
    timings = timings or Timings()
    originals, copies = set_copies_aside(articles)
    if copies:
        log.info("%d article(s) are copies of others: listed, counted once", len(copies))
    with timings.stage("embed"):
        vectors = embed_articles(originals, embedder, settings.lead_sentences)
    with timings.stage("cluster"):
        stories = bring_back_copies(cluster(originals, vectors, settings), copies)
    log.info("grouped %d article(s) into %d story(ies)", len(originals), len(stories))
    return Grouped(originals, copies, stories, vectors)


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
    grouped = group_stories(articles, embedder, config.pipeline.cluster)
    stories, vectors = grouped.stories, grouped.vectors
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
    # what the run may cost (None: the `pipeline.budget` settings of models.yaml)
    max_stories: int | None = None  # stories summarised, the rest listed (0: no cap)
    max_minutes: float | None = None  # the run's time budget, from its start (0: none)
    clock: Callable[[], float] = time.monotonic  # seconds; the tests' clock is a fake


@dataclass(frozen=True)
class RunResult:
    paths: dict[str, Path]
    skipped: int  # inputs skipped (listed in the briefing): the run's exit code says so
    stories: int
    reused: int  # stories whose summary came from the cache
    listed: int = 0  # stories past --max-stories, listed by title
    quoted_for_time: int = 0  # stories quoted because the run's time budget was spent
    stopped_for_time: int = 0  # stories whose writer was stopped at its time limit


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
        # time and story limits never change a written summary (one cut short is not cached)
        "profile": profile.model_dump(
            mode="json", exclude={"generation": {"max_seconds_per_story"}}
        )
        if profile
        else None,
        "pipeline": config.pipeline.model_dump(mode="json", exclude={"budget"}),
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
    time_left: TimeLeft = no_budget,
    timings: Timings | None = None,
) -> tuple[list[Summary], int]:
    """Each story's summary: ONGOING ones get their headline only (no model), the others come
    from the cache when their evidence is unchanged, else are written now, a batch at a time
    while the run's `time_left` lasts; after it, quoted (without loading the writer). A
    summary cut short by time is not cached. Returns the summaries in story order and how many
    came from the cache."""
    profile = config.profiles.get(generator_name)
    settings = profile.generation if profile is not None else GenerationSettings()
    timings = timings or Timings()
    summaries: dict[int, Summary] = {}
    pending: list[tuple[int, str]] = []
    evidences: dict[int, Evidence] = {}
    hits = 0
    for i, item in enumerate(linked):
        with timings.stage("select"):
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
        evidences[i] = evidence
    start = 0
    while start < len(pending):
        left = time_left()
        if left is not None and left <= 0:
            for i, _ in pending[start:]:
                log.warning(
                    "story %d/%d: quoted for time (the run's time budget is spent)",
                    i + 1,
                    len(linked),
                )
                quoted = quoted_for_time(linked[i].story, evidences[i], vectors, embedder, config)
                summaries[i] = dataclasses.replace(quoted, continuity=linked[i].continuity)
            progress(len(pending) - start)
            break
        generator = writer.get()
        repair = repairer(prompts.repair, generator)
        chunk = pending[start : start + max(1, writer_settings(config, generator).batch_size)]
        start += len(chunk)
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
            time_left,
            timings,
            [evidences[i] for i, _ in chunk],  # selected above for the cache key
        )
        for (i, key), summary in zip(chunk, written, strict=True):
            summary = dataclasses.replace(summary, continuity=linked[i].continuity)
            if summary.time_limit is None:  # cut short by time: written properly next run
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
    begun = options.clock()  # the time budget (--max-minutes) counts from here
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
    budget = config.pipeline.budget
    max_stories = budget.max_stories if options.max_stories is None else options.max_stories
    max_minutes = budget.max_minutes if options.max_minutes is None else options.max_minutes
    max_minutes = max_minutes or None  # 0: no budget
    time_left = run_time_left(options.clock, begun, max_minutes)
    with folder_lock(options.out_dir, options.lock_wait_s), open_state(state_path) as state:
        articles, skipped = prepare_articles(
            options.input_dir, settings=config.pipeline.inputs, timings=timings
        )
        with timings.stage("date"):
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
        with timings.stage("load_embedder"):
            embedder = load_embedder(config, embedder_name, say, options.allow_pull)
        settings = config.pipeline
        grouped = group_stories([a.article for a in counted], embedder, settings.cluster, timings)
        stories, vectors = grouped.stories, grouped.vectors
        today, copies = grouped.originals, grouped.copies
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
        kept, rest = top_stories(stories, max_stories)
        listed_linked = [linked[i] for i in rest]
        listed = [listed_story(stories[i]) for i in rest]
        linked = [linked[i] for i in kept]
        if listed:
            log.info(
                "%d story(ies) past --max-stories %d: listed by title, not summarised",
                len(listed),
                max_stories,
            )

        def load_writer() -> Generator:
            with timings.stage("load_generator"):
                return load_generator(config, generator_name, say, options.allow_pull)

        writer = _LazyGenerator(load_writer)
        with timings.stage("summarise"), _progress_bar(options.progress, len(linked)) as advance:
            summaries, reused = summarise_linked(
                linked,
                vectors,
                config,
                prompts,
                generator_name,
                writer,
                embedder,
                state,
                advance,
                time_left,
                timings,
            )
        log.info("%d of %d story summary(ies) reused from the cache", reused, len(summaries))
        writer_figures = None
        limited = [s.time_limit for s in summaries]
        if any(limited):
            log.warning(
                "%d story(ies) quoted for time (--max-minutes), %d stopped at the writer's time "
                "limit; they are marked in the briefing and written again next run",
                limited.count("quoted"),
                limited.count("stopped"),
            )
        if writer.loaded is not None:
            throughput = getattr(writer.loaded, "throughput", None)
            if throughput is not None:
                log.info("%s", throughput())
            figures = getattr(writer.loaded, "throughput_data", None)
            writer_figures = figures() if figures is not None else None
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
            listed=tuple(listed),
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
                writer_throughput=writer_figures,
            )
            data["run"]["budget"] = budget_data(
                config, generator_name, max_stories, max_minutes, summaries, len(listed)
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
            ]
            # listed stories were in this briefing too: tomorrow they continue, never NEW
            + [
                PastStory(
                    options.date,
                    m.story.id,
                    x.title,
                    "LISTED",
                    tuple(a.id for a in x.story.articles),
                    m.known,
                    m.centroid,
                    m.continuity.first_briefed or options.date,
                    m.lineage,
                )
                for m, x in zip(listed_linked, listed, strict=True)
            ],
            len(today),
        )
        state.forget_briefings([dt.date.fromisoformat(d) for d in pruned])
        state.commit()
    return RunResult(
        paths,
        len(skipped),
        len(summaries),
        reused,
        len(listed),
        limited.count("quoted"),
        limited.count("stopped"),
    )


def run_time_left(clock: Callable[[], float], begun: float, max_minutes: float | None) -> TimeLeft:
    """Seconds left of a run's time budget of `max_minutes` from `begun` (None: no budget)."""
    if max_minutes is None:
        return no_budget
    deadline = begun + max_minutes * 60

    def time_left() -> float | None:
        return deadline - clock()

    return time_left


def budget_data(
    config: Config,
    generator: str,
    max_stories: int,
    max_minutes: float | None,
    summaries: list[Summary],
    listed: int,
) -> dict:
    """The run facts of the limits: the settings in force and what they did."""
    profile = config.profiles.get(generator)
    settings = profile.generation if profile is not None else GenerationSettings()
    limited = [s.time_limit for s in summaries]
    return {
        "max_stories": max_stories or None,
        "max_minutes": max_minutes,
        "max_seconds_per_story": settings.max_seconds_per_story,
        "listed": listed,
        "quoted_for_time": limited.count("quoted"),
        "stopped_for_time": limited.count("stopped"),
    }
