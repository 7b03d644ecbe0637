"""Checks of a command's arguments, files and weights that take milliseconds.

They run before torch, transformers, scikit-learn and the models are imported (seconds), so a
mistake a user can fix (a folder or briefing that is not there, an unknown profile, weights
not fetched with --no-pull) is reported at once. This module must stay light: the config, the
errors and the weights cache only.
"""

from __future__ import annotations

from pathlib import Path

from briefing.config import Config, load_config
from briefing.errors import InputError, ModelNotReady


def require_folder(folder: Path) -> None:
    if not folder.exists():
        raise InputError(f"input folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"input {folder} is not a folder")


def require_weights(config: Config, names: list[str]) -> None:
    """Every profile in `names` has its weights on this machine (for --no-pull)."""
    from briefing.backends.weights import is_ready

    missing = [
        name
        for name in dict.fromkeys(names)
        # a profile served over HTTP has no weights here: its server is checked instead
        if config.profiles[name].source is not None and not is_ready(name, config.profiles[name])
    ]
    if missing:
        quoted = " and ".join(repr(name) for name in missing)
        profiles = "profile" if len(missing) == 1 else "profiles"
        are = "is" if len(missing) == 1 else "are"
        raise ModelNotReady(
            f"model {profiles} {quoted} {are} not on this machine; "
            f"run `briefing models pull {' '.join(missing)}`"
        )


def check_run(
    input_dir: Path,
    config_path: Path | None,
    generator: str | None,
    embedder: str | None,
    allow_pull: bool,
) -> tuple[Config, Path]:
    """What `briefing run` can check before loading anything: the config and its path."""
    config, path = load_config(config_path)
    names = [generator or config.default_generator, embedder or config.default_embedder]
    config.profile(names[0], "causal-lm")
    config.profile(names[1], "embedder")
    require_folder(input_dir)
    if not allow_pull:
        require_weights(config, names)
    return config, path


def check_verify(briefing_md: Path, input_dir: Path) -> None:
    """The briefing, its JSON and the input folder exist (before the embedder loads)."""
    if not briefing_md.is_file():
        written = sorted(briefing_md.parent.glob("*.md")) if briefing_md.parent.is_dir() else []
        hint = f"; {briefing_md.parent} holds {', '.join(p.name for p in written[-3:])}"
        raise InputError(f"briefing {briefing_md} does not exist{hint if written else ''}")
    manifest = briefing_md.with_suffix(".json")
    if not manifest.is_file():
        raise InputError(
            f"{manifest} is missing: `briefing verify` needs the JSON written beside the briefing"
        )
    require_folder(input_dir)


def check_labelled_folder(root: Path, labels: bool = False) -> None:
    """A labelled folder for `briefing eval` has clusters/ (and labels.jsonl when asked)."""
    require_folder(root)
    if not (root / "clusters").is_dir():
        raise InputError(
            f"{root} has no clusters/ folder (expected clusters/<cluster>/<article>.txt)"
        )
    if labels and not (root / "labels.jsonl").is_file():
        raise InputError(f"{root} has no labels.jsonl (one line per article: path, cluster_id)")
